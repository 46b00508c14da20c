"""Households, visits, quotas and coverage."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ledger.models import CategoryOfConcern, Concern, Source
from outreach.coverage import visit_coverage
from outreach.models import Household, HouseholdKind, Period, PhoneCheck, Visit, VisitRule
from outreach.services import HouseholdData, RaisedConcern, household_create, visit_record
from tests.factories import (
    GroupMemberFactory,
    HouseholdFactory,
    LeadershipGroupFactory,
    RoleFactory,
    UnitFactory,
    UserFactory,
)
from tests.ledger.conftest import read_xlsx, xlsx
from units.models import MemberRole, RoleKind, UnitKind

pytestmark = pytest.mark.django_db

D = datetime.date
PHONE, MASKED = "13812345678", "138****5678"


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def household(tree, visitor):
    return HouseholdFactory(unit=tree["s1"], assigned_to=visitor, name="王小明", guardian="王父")


# ---------------------------------------------------------------- services


def test_a_visit_is_recorded_and_a_changed_phone_updates_the_household(household, visitor):
    visit = visit_record(
        household=household,
        by=visitor,
        date=today(),
        method="phone",
        notes="学习进步",
        phone_check=PhoneCheck.CHANGED,
        new_phone="13900001111",
    )
    household.refresh_from_db()
    assert household.phone == "13900001111" and visit.by == visitor


def test_bad_visits_are_refused(household, visitor):
    def record(**fields):
        data = {"date": today(), "method": "in_person", "notes": "x", "phone_check": PhoneCheck.YES} | fields
        return visit_record(household=household, by=visitor, **data)

    with pytest.raises(ValidationError, match="future"):
        record(date=today() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        record(notes=" ")
    with pytest.raises(ValidationError, match="new phone"):
        record(phone_check=PhoneCheck.CHANGED)
    household.active = False
    household.save()
    with pytest.raises(ValidationError):
        record()
    assert not Visit.objects.exists()


def test_a_concern_raised_on_a_visit_enters_the_ledger(household, visitor):
    raised = RaisedConcern(category=CategoryOfConcern.objects.get(code="workload"), text="作业太多")
    visit = visit_record(
        household=household,
        by=visitor,
        date=today(),
        method="in_person",
        notes="家访",
        phone_check="yes",
        raised=raised,
    )
    concern = Concern.objects.get()
    assert list(visit.concerns.all()) == [concern]
    assert (concern.source, concern.unit, concern.raiser_name, concern.category.code) == (
        Source.VISIT,
        household.unit,
        "王父",
        "workload",
    )


def test_a_household_is_assigned_only_to_a_user_of_the_unit(tree, users):
    outsider = UserFactory()
    RoleFactory(user=outsider, unit=tree["d2"], kind=RoleKind.STAFF)
    with pytest.raises(ValidationError):
        household_create(
            data=HouseholdData(unit=tree["s1"], name="x", kind="top", assigned_to=outsider), by=users["staff"]
        )
    household = household_create(
        data=HouseholdData(unit=tree["s1"], name="x", kind="top", assigned_to=users["staff"]), by=None
    )
    assert household.assigned_to == users["staff"]


# ---------------------------------------------------------------- coverage

TODAY = D(2026, 3, 12)  # a Thursday in the spring term


def visit(household, day: datetime.date, by) -> None:
    Visit.objects.create(household=household, date=day, method="phone", by=by, notes="x", phone_check="yes")


@pytest.fixture
def covered(tree, visitor):
    """S1: a staff member with four households, a cadre with one, a cadre with none, one unassigned; a town."""
    s1 = tree["s1"]
    old = D(2025, 1, 1)
    visited, last_term, never, new = HouseholdFactory.create_batch(4, unit=s1, assigned_to=visitor, created_on=old)
    new.created_on = D(2026, 2, 15)
    new.save()
    visit(visited, D(2026, 2, 10), visitor)
    visit(last_term, D(2025, 10, 1), visitor)
    cadre = UserFactory(username="cadre")
    RoleFactory(user=cadre, unit=s1, kind=RoleKind.STAFF)
    group = LeadershipGroupFactory(unit=s1)
    GroupMemberFactory(group=group, role=MemberRole.DEPUTY, user=cadre)
    GroupMemberFactory(group=group, role=MemberRole.LEADER, user=UserFactory(username="idle_cadre"))
    visit(HouseholdFactory(unit=s1, assigned_to=cadre, created_on=old), D(2026, 3, 1), cadre)
    HouseholdFactory(unit=s1, assigned_to=None, created_on=old)
    town = UnitFactory(code="T1", kind=UnitKind.TOWN, parent=tree["d1"])
    village = UnitFactory(code="V1", kind=UnitKind.VILLAGE, parent=town)
    clerk = UserFactory(username="clerk")
    RoleFactory(user=clerk, unit=town, kind=RoleKind.STAFF)
    key = {"unit": village, "assigned_to": clerk, "created_on": old, "kind": HouseholdKind.KEY_HOUSEHOLD}
    visit(HouseholdFactory(**key), D(2026, 3, 3), clerk)  # last week: not this week, not overdue
    visit(HouseholdFactory(**key), D(2026, 2, 20), clerk)  # missed last week: overdue
    visit(HouseholdFactory(unit=village, assigned_to=clerk, created_on=old, kind="other"), D(2026, 3, 1), clerk)
    return {"visitor": visitor, "cadre": cadre, "clerk": clerk}


def people(report) -> dict:
    return {
        (c.unit.code, c.user.username if c.user else None): (c.quota, c.assigned, c.visited, c.overdue)
        for c in report.people
    }


def test_coverage_per_person_against_quota_this_period(tree, covered):
    report = visit_coverage(tree["d1"], TODAY)
    assert people(report) == {
        ("S1", "visitor"): (10, 4, 1, 1),
        ("S1", "cadre"): (20, 1, 1, 0),
        ("S1", "idle_cadre"): (20, 0, 0, 0),
        ("S1", None): (0, 1, 0, 1),
        ("V1", "clerk"): (10, 3, 1, 1),
    }
    units = {c.unit.code: (c.quota, c.assigned, c.visited, c.overdue) for c in report.units}
    assert units == {"D1": (0, 0, 0, 0), "S1": (50, 6, 2, 2), "T1": (10, 3, 1, 1)}
    assert report.totals.assigned == 9 and report.totals.shortfall == 60 - 9
    # Visited ÷ required (the quota, or the households assigned where there are more), never ÷ assigned.
    visitor = next(c for c in report.people if c.user and c.user.username == "visitor")
    assert (visitor.required, visitor.visited_percent) == (10, Decimal("10.0"))
    unassigned = next(c for c in report.people if c.user is None)
    assert (unassigned.required, unassigned.visited_percent) == (1, Decimal("0.0"))
    assert report.totals.required == 10 + 20 + 20 + 1 + 10
    assert report.totals.visited_percent == Decimal("4.9")  # 3 of 61, where ÷ assigned said 33.3


def test_a_rule_on_a_unit_applies_to_its_subtree(tree, covered):
    VisitRule.objects.create(
        unit=tree["d1"], cadre_quota=5, staff_quota=3, period=Period.MONTH, key_period=Period.MONTH
    )
    report = people(visit_coverage(tree["d1"], TODAY))
    # Monthly now: the February visit counts for February, not March; the household listed in mid-February
    # and never visited missed February.
    assert report[("S1", "visitor")] == (3, 4, 0, 3)
    assert report[("S1", "cadre")] == (5, 1, 1, 0)
    assert report[("V1", "clerk")] == (3, 3, 2, 0)


def test_coverage_takes_a_fixed_number_of_queries(tree, covered, django_assert_max_num_queries):
    for code in ("S1A", "S1B", "S1C"):
        school = UnitFactory(code=code, parent=tree["d1"])
        HouseholdFactory.create_batch(3, unit=school, assigned_to=covered["visitor"])
    with django_assert_max_num_queries(6):
        visit_coverage(tree["d1"], TODAY)


# ---------------------------------------------------------------- pages


def urls(household) -> list[str]:
    return [
        reverse("outreach:households", args=["D1"]),
        reverse("outreach:coverage", args=["D1"]),
        reverse("outreach:visits_export", args=["D1"]),
        reverse("outreach:household", args=[household.pk]),
    ]


def test_anonymous_is_sent_to_login(client, household):
    more = [
        reverse("outreach:household_create", args=["D1"]),
        reverse("outreach:households_import", args=["D1"]),
        reverse("outreach:visit_rule", args=["D1"]),
        reverse("outreach:household_edit", args=[household.pk]),
        reverse("outreach:mine"),
        reverse("outreach:import_template"),
    ]
    for url in urls(household) + more:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


@pytest.mark.parametrize("role", ["admin", "staff", "leader"])
def test_each_role_sees_households_and_coverage_of_its_subtree(client_for, users, household, role):
    client = client_for(users[role])
    for url in urls(household):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["admin", "staff", "leader", "nobody"])
def test_households_outside_the_subtree_are_not_found(client_for, users, tree, role):
    other = HouseholdFactory(unit=tree["s2"], name="二区家庭")
    client = client_for(users[role])
    for url in urls(other)[:3]:
        assert client.get(url.replace("D1", "D2")).status_code == 404
    for name in ("outreach:household", "outreach:household_edit"):
        response = client.get(reverse(name, args=[other.pk]))
        assert response.status_code == 404 and "二区家庭" not in response.content.decode()


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_phones_are_masked_for_non_administrators_in_pages_and_the_visit_ledger(
    client_for, users, household, visitor, role
):
    visit(household, today(), visitor)
    client = client_for(users[role])
    for url in urls(household)[::3]:
        body = client.get(url).content.decode()
        assert MASKED in body and PHONE not in body
    sheets = read_xlsx(client.get(reverse("outreach:visits_export", args=["D1"])).getvalue())
    cells = [c for sheet in sheets.values() for row in sheet for c in row]
    assert MASKED in cells and PHONE not in cells


def test_administrators_see_whole_phones_in_the_visit_ledger(client_for, users, household, visitor):
    visit(household, today(), visitor)
    sheets = read_xlsx(client_for(users["admin"]).get(reverse("outreach:visits_export", args=["D1"])).getvalue())
    visits, by_person, by_unit = sheets.values()
    assert PHONE in visits[2] and "王小明" in visits[2]
    assert by_person[2][:2] == ["一区第一小学", "张老师"]  # below the title and the header; the full name


def test_staff_add_a_household_and_bad_input_is_refused(client_for, users, visitor):
    client = client_for(users["staff"])
    data = {"name": "李华", "kind": "left_behind", "phone": PHONE, "assigned_to": visitor.pk}
    assert client.post(reverse("outreach:household_create", args=["S1"]), data).status_code == 302
    assert Household.objects.get().assigned_to == visitor
    outsider = UserFactory()
    response = client.post(reverse("outreach:household_create", args=["S1"]), data | {"assigned_to": outsider.pk})
    assert response.status_code == 400
    assert client.post(reverse("outreach:household_create", args=["S1"]), data | {"name": ""}).status_code == 400
    assert client_for(users["leader"]).get(reverse("outreach:household_create", args=["S1"])).status_code == 403
    assert Household.objects.count() == 1


def test_the_edit_form_shows_the_phone_only_to_administrators(client_for, users, household):
    assert (
        PHONE
        not in client_for(users["staff"]).get(reverse("outreach:household_edit", args=[household.pk])).content.decode()
    )
    assert (
        PHONE
        in client_for(users["admin"]).get(reverse("outreach:household_edit", args=[household.pk])).content.decode()
    )
    data = {"name": "王小明", "kind": "top", "active": "on"}
    assert (
        client_for(users["staff"]).post(reverse("outreach:household_edit", args=[household.pk]), data).status_code
        == 302
    )
    household.refresh_from_db()
    assert household.kind == "top" and household.phone == PHONE and household.assigned_to is None


def test_the_assigned_person_records_a_visit_even_without_a_staff_role(client_for, tree, users):
    teacher = UserFactory(username="leader_teacher")
    RoleFactory(user=teacher, unit=tree["s1"], kind=RoleKind.LEADER)
    household = HouseholdFactory(unit=tree["s1"], assigned_to=teacher)
    data = {
        "visit-date": today().isoformat(),
        "visit-method": "in_person",
        "visit-notes": "x",
        "visit-phone_check": "yes",
    }
    url = reverse("outreach:visit_create", args=[household.pk])
    assert client_for(teacher).post(url, data).status_code == 302
    assert client_for(users["leader"]).post(url, data).status_code == 403
    assert client_for(teacher).get(url).status_code == 405
    assert [c.pk for c in client_for(teacher).get(reverse("outreach:mine")).context["households"]] == [household.pk]


def test_a_visit_in_the_future_is_refused_with_a_message(client_for, users, household):
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    data = {"visit-date": tomorrow, "visit-method": "phone", "visit-notes": "x", "visit-phone_check": "yes"}
    response = client_for(users["staff"]).post(reverse("outreach:visit_create", args=[household.pk]), data)
    assert response.status_code == 400 and "cannot be dated in the future" in response.content.decode()
    assert not Visit.objects.exists()


def test_administrators_set_the_visit_rule(client_for, users, tree):
    url = reverse("outreach:visit_rule", args=["S1"])
    assert client_for(users["staff"]).get(url).status_code == 403
    client = client_for(users["admin"])
    assert client.get(url).context["form"].initial["staff_quota"] == 10
    bad = {"cadre_quota": -1, "staff_quota": 10, "period": "term", "key_period": "week"}
    assert client.post(url, bad).status_code == 400
    assert client.post(url, bad | {"cadre_quota": 15}).status_code == 302
    assert VisitRule.objects.get(unit=tree["s1"]).cadre_quota == 15


# ---------------------------------------------------------------- import

HEADER = ["姓名", "家长", "类别", "电话", "住址", "负责人", "单位"]


def test_households_are_imported_all_or_nothing(client_for, users, visitor, tree):
    client = client_for(users["staff"])
    url = reverse("outreach:households_import", args=["D1"])
    rows = [
        ["王小明", "王父", "留守儿童", PHONE, "一村", "visitor", "S1"],
        ["李四", "", "key_household", "", "", "", ""],
    ]
    outsider = UserFactory(username="outsider")
    RoleFactory(user=outsider, unit=tree["d2"], kind=RoleKind.STAFF)
    bad = rows + [["", "", "外星人", "电话号码", "", "outsider", "S2"]]
    response = client.post(url, {"file": xlsx(bad, HEADER)})
    assert response.status_code == 400 and not Household.objects.exists()
    errors = [str(e) for e in response.context["problems"]]
    for column in ("姓名", "类别", "电话", "负责人", "单位"):
        assert any(e.startswith(f"Row 4, column {column}") for e in errors), column
    assert client.post(url, {"file": xlsx(rows, HEADER)}).status_code == 302
    first, second = Household.objects.order_by("id")
    assert (first.unit.code, first.kind, first.assigned_to) == ("S1", "left_behind", visitor)
    assert (second.unit.code, second.kind, second.assigned_to) == ("D1", "key_household", None)


def test_an_assignee_with_a_role_elsewhere_is_refused_on_import(client_for, users, tree):
    teacher2 = UserFactory(username="teacher2")
    RoleFactory(user=teacher2, unit=UnitFactory(code="S1B", parent=tree["d1"]), kind=RoleKind.STAFF)
    response = client_for(users["staff"]).post(
        reverse("outreach:households_import", args=["D1"]),
        {"file": xlsx([["王", "", "优等生", "", "", "teacher2", "S1"]], HEADER)},
    )
    assert response.status_code == 400 and "teacher2" in str(response.context["problems"][0])


def test_a_user_sees_the_households_of_their_subtree_and_those_assigned_to_them(tree, users, visitor):
    ours = HouseholdFactory(unit=tree["s1"])
    theirs = HouseholdFactory(unit=tree["s2"], assigned_to=visitor)
    assert set(Household.objects.visible_to(users["leader"])) == {ours}
    assert set(Household.objects.visible_to(visitor)) == {ours, theirs}
    assert set(Household.objects.visible_to(users["superuser"])) == {ours, theirs}
    assert not Household.objects.visible_to(users["nobody"]).exists()
