"""Pages of the ledger: who may use them, who may not, wrong methods and bad input."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from ledger import services
from ledger.models import CategoryOfConcern, Concern, ConcernStatus, Reminder, ReminderKind
from tests.factories import ConcernFactory, GroupMemberFactory, LeadershipGroupFactory, UnitFactory, UserFactory
from tests.ledger.conftest import advance, days_ago, read_xlsx

pytestmark = pytest.mark.django_db

PHONE, MASKED = "13812345678", "138****5678"


@pytest.fixture
def concern(make_concern):
    return make_concern(raiser_name="王女士", raiser_phone=PHONE)


@pytest.fixture
def other(tree, users, canteen):
    """A concern of district D2, outside every D1 role."""
    return ConcernFactory(unit=tree["s2"], text="二区的问题")


def unit_urls(code: str) -> list[str]:
    names = ["ledger:unit", "ledger:summary", "ledger:export", "ledger:create", "ledger:import"]
    return [reverse(name, args=[code]) for name in names]


def test_anonymous_is_sent_to_login(client, concern):
    urls = [
        *unit_urls("S1"),
        reverse("ledger:index"),
        reverse("ledger:mine"),
        reverse("ledger:import_template"),
        reverse("ledger:concern", args=[concern.pk]),
        reverse("ledger:edit", args=[concern.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    response = client.post(reverse("ledger:step", args=[concern.pk, "start"]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["admin", "staff", "leader", "superuser"])
def test_each_role_sees_the_ledger_summary_and_export_of_its_subtree(client_for, users, concern, role):
    client = client_for(users[role])
    for url in unit_urls("D1")[:3] + [reverse("ledger:concern", args=[concern.pk])]:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["admin", "staff", "leader", "nobody"])
def test_a_ledger_outside_the_subtree_is_not_found_and_shows_nothing(client_for, users, other, role):
    client = client_for(users[role])
    for url in [*unit_urls("D2"), reverse("ledger:concern", args=[other.pk]), reverse("ledger:edit", args=[other.pk])]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "二区的问题" not in response.content.decode()


def test_the_district_ledger_lists_its_schools_concerns_but_not_others(client_for, users, concern, other):
    response = client_for(users["leader"]).get(reverse("ledger:unit", args=["D1"]))
    assert [c.pk for c in response.context["page"]] == [concern.pk]


def test_read_pages_refuse_post_and_steps_refuse_get(client_for, users, concern):
    client = client_for(users["staff"])
    for url in unit_urls("D1")[:3] + [reverse("ledger:concern", args=[concern.pk]), reverse("ledger:mine")]:
        assert client.post(url).status_code == 405, url
    assert client.get(reverse("ledger:step", args=[concern.pk, "assign"])).status_code == 405


# ---------------------------------------------------------------- filters


def test_filters_come_from_the_url(client_for, users, make_concern, teacher, tree):
    fresh = make_concern()
    late = ConcernFactory(unit=tree["s1"], received_on=days_ago(30), deadline=days_ago(20))
    services.concern_assign(concern=late, by=users["staff"], user=teacher)
    edu4 = make_concern(category=CategoryOfConcern.objects.get(code="workload"))
    client = client_for(users["staff"])

    def listed(**params) -> set[int]:
        response = client.get(reverse("ledger:unit", args=["D1"]), params)
        assert response.status_code == 200
        return {c.pk for c in response.context["page"]}

    assert listed() == {fresh.pk, late.pk, edu4.pk}
    assert listed(overdue="on") == {late.pk}
    assert listed(status="assigned") == {late.pk}
    assert listed(person=f"u:{teacher.pk}") == {late.pk}
    assert listed(category=edu4.category_id) == {edu4.pk}
    assert listed(indicator=edu4.indicator_id) == {edu4.pk}
    # Nonsense in the URL filters nothing rather than failing.
    assert listed(status="bogus", category="x") == {fresh.pk, late.pk, edu4.pk}


# ---------------------------------------------------------------- a concern's page and its steps


def test_staff_see_the_forms_a_leader_sees_none_and_may_not_post(client_for, users, concern):
    url = reverse("ledger:concern", args=[concern.pk])
    assert set(client_for(users["staff"]).get(url).context["step_forms"]) == {"assign", "withdraw"}
    assert client_for(users["leader"]).get(url).context["step_forms"] == {}
    response = client_for(users["leader"]).post(
        reverse("ledger:step", args=[concern.pk, "withdraw"]), {"withdraw-reason": "x"}
    )
    assert response.status_code == 403
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.RECEIVED


def test_assigning_through_the_page(client_for, users, concern, teacher):
    url = reverse("ledger:step", args=[concern.pk, "assign"])
    response = client_for(users["staff"]).post(url, {"assign-person": f"u:{teacher.pk}", "assign-text": "限期整改"})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.ASSIGNED and concern.responsible_user == teacher


def test_a_deadline_before_receipt_is_refused_with_a_message(client_for, users, concern, teacher):
    url = reverse("ledger:step", args=[concern.pk, "assign"])
    data = {"assign-person": f"u:{teacher.pk}", "assign-deadline": days_ago(10).isoformat()}
    response = client_for(users["staff"]).post(url, data)
    assert response.status_code == 400
    assert "cannot be before the date the concern was received" in response.content.decode()
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.RECEIVED


def test_a_person_outside_the_unit_cannot_even_be_chosen(client_for, users, concern, tree):
    outsider = UserFactory()
    url = reverse("ledger:step", args=[concern.pk, "assign"])
    assert client_for(users["staff"]).post(url, {"assign-person": f"u:{outsider.pk}"}).status_code == 400


def test_the_fixer_checking_their_own_fix_is_refused_with_a_message(client_for, users, concern, teacher):
    advance(concern, users, teacher, "awaiting_check")
    # The teacher has a staff role on S1, so may work the ledger there, but not check their own fix.
    page = client_for(teacher).get(reverse("ledger:concern", args=[concern.pk]))
    assert (
        "check" not in page.context["step_forms"]
        and "check"
        in client_for(users["admin"]).get(reverse("ledger:concern", args=[concern.pk])).context["step_forms"]
    )
    url = reverse("ledger:step", args=[concern.pk, "check"])
    response = client_for(teacher).post(url, {"check-passed": "yes"})
    assert response.status_code == 400
    assert "someone other than the person who fixed it" in response.content.decode()


def test_a_step_out_of_order_is_refused_with_a_message(client_for, users, concern):
    response = client_for(users["staff"]).post(
        reverse("ledger:step", args=[concern.pk, "check"]), {"check-passed": "yes"}
    )
    assert response.status_code == 400 and "not waiting for a check" in response.content.decode()


def test_an_unknown_step_is_not_found(client_for, users, concern):
    assert client_for(users["staff"]).post(reverse("ledger:step", args=[concern.pk, "delete"])).status_code == 404


def test_the_responsible_person_sees_and_works_their_concern_without_a_role_on_its_unit(
    client_for, users, concern, tree
):
    account = UserFactory(username="deputy")
    member = GroupMemberFactory(group=LeadershipGroupFactory(unit=tree["s1"]), user=account)
    services.concern_assign(concern=concern, by=users["staff"], member=member)
    client = client_for(account)
    response = client.get(reverse("ledger:concern", args=[concern.pk]))
    assert response.status_code == 200 and set(response.context["step_forms"]) == {"start"}
    assert client.post(reverse("ledger:step", args=[concern.pk, "start"])).status_code == 302
    assert (
        client.post(reverse("ledger:step", args=[concern.pk, "withdraw"]), {"withdraw-reason": "x"}).status_code == 403
    )
    assert client.get(reverse("ledger:unit", args=["S1"])).status_code == 404
    mine = client.get(reverse("ledger:mine")).context
    assert [c.pk for c in mine["overdue"] + mine["due_soon"] + mine["later"]] == [concern.pk]


# ---------------------------------------------------------------- entering and correcting


def test_staff_enter_a_concern(client_for, users, canteen):
    data = {
        "received_on": days_ago(1).isoformat(),
        "source": "hotline",
        "category": canteen.pk,
        "text": "饭菜太咸",
        "raiser_phone": PHONE,
    }
    response = client_for(users["staff"]).post(reverse("ledger:create", args=["S1"]), data)
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert concern.unit.code == "S1" and concern.is_anonymous and concern.raiser_phone == PHONE


def test_entering_bad_input_shows_the_form_again(client_for, users, canteen):
    data = {"received_on": days_ago(1).isoformat(), "source": "hotline", "category": canteen.pk, "text": ""}
    response = client_for(users["staff"]).post(reverse("ledger:create", args=["S1"]), data)
    assert response.status_code == 400 and not Concern.objects.exists()
    data |= {"text": "x", "deadline": days_ago(5).isoformat()}
    response = client_for(users["staff"]).post(reverse("ledger:create", args=["S1"]), data)
    assert response.status_code == 400 and not Concern.objects.exists()


def test_a_leader_may_not_enter_and_nobody_may_enter_outside_the_subtree(client_for, users):
    assert client_for(users["leader"]).get(reverse("ledger:create", args=["S1"])).status_code == 403
    assert client_for(users["staff"]).get(reverse("ledger:create", args=["S2"])).status_code == 404


def test_editing_a_closed_concern_is_refused_with_a_message(client_for, users, make_concern, teacher, canteen):
    concern = advance(make_concern(), users, teacher, "closed")
    data = {"received_on": concern.received_on.isoformat(), "source": "hotline", "category": canteen.pk, "text": "改"}
    response = client_for(users["staff"]).post(reverse("ledger:edit", args=[concern.pk]), data)
    assert response.status_code == 400
    assert "closed and can no longer be changed" in response.content.decode()
    concern.refresh_from_db()
    assert concern.text == "食堂饭菜质量差"


def test_the_edit_form_hides_the_phone_from_non_administrators(client_for, users, concern):
    assert PHONE not in client_for(users["staff"]).get(reverse("ledger:edit", args=[concern.pk])).content.decode()
    assert PHONE in client_for(users["admin"]).get(reverse("ledger:edit", args=[concern.pk])).content.decode()


# ---------------------------------------------------------------- phones


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_phones_are_masked_for_non_administrators_in_pages_and_exports(client_for, users, concern, role):
    client = client_for(users[role])
    for url in [reverse("ledger:unit", args=["D1"]), reverse("ledger:concern", args=[concern.pk])]:
        body = client.get(url).content.decode()
        assert MASKED in body and PHONE not in body
    rows = read_xlsx(client.get(reverse("ledger:export", args=["D1"])).getvalue())
    cells = [str(c) for sheet in rows.values() for row in sheet for c in row]
    assert MASKED in cells and PHONE not in cells


@pytest.mark.parametrize("role", ["admin", "superuser"])
def test_administrators_see_whole_phones(client_for, users, concern, role):
    client = client_for(users[role])
    assert PHONE in client.get(reverse("ledger:concern", args=[concern.pk])).content.decode()
    rows = read_xlsx(client.get(reverse("ledger:export", args=["D1"])).getvalue())
    assert PHONE in [c for sheet in rows.values() for row in sheet for c in row]


# ---------------------------------------------------------------- export


def test_the_export_has_one_row_per_concern_with_its_steps(client_for, users, concern, teacher, other):
    advance(concern, users, teacher, "fixing")
    response = client_for(users["leader"]).get(reverse("ledger:export", args=["D1"]), {"status": "fixing"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    (rows,) = read_xlsx(response.getvalue()).values()
    title, header, *data = rows
    assert len(data) == 1 and data[0][0] == concern.pk
    steps = data[0][header.index("Steps")]
    assert steps.count("\n") == 2 and "老师: Fixing started" in steps


# ---------------------------------------------------------------- summary


def test_the_summary_counts_by_status_category_and_unit_in_fixed_queries(
    client_for, users, tree, make_concern, teacher, django_assert_max_num_queries
):
    for code in ("S1A", "S1B", "S1C"):
        school = UnitFactory(code=code, parent=tree["d1"])
        ConcernFactory.create_batch(2, unit=school)
    advance(make_concern(), users, teacher, "closed")
    ConcernFactory(unit=tree["s1"], received_on=days_ago(30), deadline=days_ago(20))
    client = client_for(users["leader"])
    # Seventeen queries with the session (read, and saved again to push back its idle expiry: three with the
    # savepoint), the user and the navigation, however many units.
    with django_assert_max_num_queries(17):
        response = client.get(reverse("ledger:summary", args=["D1"]))
    summary = response.context["summary"]
    assert summary.totals.total == 8 and summary.totals.closed == 1 and summary.totals.overdue == 1
    assert summary.totals.on_time_percent == 100
    assert {value: n for value, _, n in summary.by_status}["received"] == 7
    by_unit = {f.unit.code: f.total for f in summary.by_unit}
    assert by_unit == {"D1": 0, "S1": 2, "S1A": 2, "S1B": 2, "S1C": 2}
    assert [c.deadline for c in summary.overdue] == [days_ago(20)]


# ---------------------------------------------------------------- my concerns and reminders


def test_my_concerns_lists_overdue_and_due_soon_and_reminders(client_for, users, teacher, tree):
    late = ConcernFactory(unit=tree["s1"], received_on=days_ago(30), deadline=days_ago(20))
    services.concern_assign(concern=late, by=users["staff"], user=teacher)
    services.mark_overdue()
    response = client_for(teacher).get(reverse("ledger:mine"))
    assert [c.pk for c in response.context["overdue"]] == [late.pk]
    (reminder,) = response.context["reminders"]
    assert reminder.kind == ReminderKind.OVERDUE
    assert client_for(teacher).get(reverse("home")).status_code == 200


def test_a_reminder_is_dismissed_only_by_its_owner(client_for, users, teacher, tree):
    late = ConcernFactory(unit=tree["s1"], received_on=days_ago(30), deadline=days_ago(20))
    services.concern_assign(concern=late, by=users["staff"], user=teacher)
    services.mark_overdue()
    reminder = Reminder.objects.get()
    url = reverse("ledger:dismiss_reminder", args=[reminder.pk])
    assert client_for(users["staff"]).post(url).status_code == 404
    assert client_for(teacher).get(url).status_code == 405
    assert client_for(teacher).post(url).status_code == 302
    assert not Reminder.objects.active_for(teacher).exists()


def test_the_reminders_tag_lists_the_users_reminders_for_any_page(rf, users, teacher, tree):
    late = ConcernFactory(unit=tree["s1"], received_on=days_ago(30), deadline=days_ago(20))
    services.concern_assign(concern=late, by=users["staff"], user=teacher)
    services.mark_overdue()
    request = rf.get("/")
    request.user = teacher
    html = Template("{% load ledger %}{% reminder_count %} {% reminders %}").render(Context({"request": request}))
    assert html.startswith("1 ") and f"#{late.pk}" in html and "Overdue" in html


@pytest.mark.parametrize("name", ["ledger:import_template", "outreach:import_template"])
def test_import_templates_are_for_those_who_may_enter(client_for, users, name):
    for role, status in (("staff", 200), ("admin", 200), ("leader", 403), ("nobody", 403)):
        assert client_for(users[role]).get(reverse(name)).status_code == status, role
