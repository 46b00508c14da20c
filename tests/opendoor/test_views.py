"""The pages of open-door activities: who may, who may not, wrong methods and bad input."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from ledger.models import CategoryOfConcern, Concern
from opendoor.models import Activity, ActivityKind, ActivityRule, Opinion, Schedule
from units.models import UnitKind

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def activity(tree):
    activity = Activity.objects.create(
        unit=tree["s1"], kind=ActivityKind.OPEN_DAY, held_on=D(2026, 11, 4), participants=30
    )
    Opinion.objects.create(activity=activity, text="希望增加课后服务")
    return activity


@pytest.fixture
def rule(tree):
    return ActivityRule.objects.create(
        under=tree["d1"], unit_kind=UnitKind.SCHOOL, kind=ActivityKind.PARENT_MEETING, schedule=Schedule.TERM, count=2
    )


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("staff", 200), ("leader", 200), ("nobody", 404)])
def test_the_unit_page_is_for_roles_in_the_subtree(client_for, users, tree, activity, rule, role, status):
    response = client_for(users[role]).get(
        reverse("opendoor:unit", args=["S1"]), {"start": "2026-08-01", "end": "2026-12-31"}
    )
    assert response.status_code == status
    if status == 200:
        assert "希望增加课后服务" not in response.content.decode()  # opinions are on the activity's page
        assert response.context["report"].total.required == 2


def test_a_unit_in_another_district_is_not_found(client_for, users, tree):
    assert client_for(users["admin"]).get(reverse("opendoor:unit", args=["S2"])).status_code == 404
    assert client_for(users["admin"]).get(reverse("opendoor:unit", args=["NOPE"])).status_code == 404


def test_a_period_ending_before_it_starts_is_refused_with_the_term_shown(client_for, users, tree):
    response = client_for(users["admin"]).get(
        reverse("opendoor:unit", args=["D1"]), {"start": "2026-09-01", "end": "2026-08-01"}
    )
    assert response.status_code == 400
    assert "2026-09-01" not in str(response.context["report"].first)


def test_the_export_opens_with_its_three_sheets(client_for, users, tree, activity, rule):
    response = client_for(users["leader"]).get(
        reverse("opendoor:export", args=["D1"]), {"start": "2026-08-01", "end": "2026-12-31"}
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    assert len(book.worksheets) == 3
    assert client_for(users["nobody"]).get(reverse("opendoor:export", args=["D1"])).status_code == 404


def test_staff_record_an_activity_with_its_opinions(client_for, users, tree):
    data = {"kind": ActivityKind.RECEPTION_DAY, "held_on": "2026-11-02", "attended_by": "王校长", "participants": "8",
            "summary": "", "opinions": "校门口拥堵\n\n食堂太贵"}  # fmt: skip
    response = client_for(users["staff"]).post(reverse("opendoor:create", args=["S1"]), data)
    activity = Activity.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("opendoor:activity", args=[activity.pk])
    assert activity.created_by == users["staff"] and activity.opinions.count() == 2


@pytest.mark.parametrize("role", ["leader", "nobody"])
def test_leaders_and_strangers_may_not_record(client_for, users, tree, role):
    response = client_for(users[role]).post(
        reverse("opendoor:create", args=["S1"]), {"kind": "open_day", "held_on": "2026-11-02"}
    )
    assert response.status_code == (403 if role == "leader" else 404)
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"), [("held_on", "2099-01-01"), ("held_on", "yesterday"), ("kind", "party"), ("participants", "-1")]
)
def test_bad_input_is_refused_naming_the_field(client_for, users, tree, field, value):
    data = {"kind": ActivityKind.OPEN_DAY, "held_on": "2026-11-04", "participants": "3"} | {field: value}
    response = client_for(users["staff"]).post(reverse("opendoor:create", args=["S1"]), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Activity.objects.exists()


def test_an_opinion_is_put_in_the_ledger_by_staff(client_for, users, activity):
    opinion = activity.opinions.get()
    category = CategoryOfConcern.objects.get(code="canteen")
    url = reverse("opendoor:opinion_concern", args=[opinion.pk])
    assert client_for(users["leader"]).post(url, {"category": category.pk}).status_code == 403
    assert client_for(users["staff"]).get(url).status_code == 405
    response = client_for(users["staff"]).post(url, {"category": "999999"})
    assert response.status_code == 302 and not Concern.objects.exists()
    response = client_for(users["staff"]).post(url, {"category": category.pk})
    concern = Concern.objects.get()
    assert response["Location"] == reverse("ledger:concern", args=[concern.pk])
    response = client_for(users["staff"]).post(url, {"category": category.pk})  # twice: refused, still one
    assert Concern.objects.count() == 1


def test_the_activity_page_is_for_roles_in_the_subtree(client_for, users, tree, activity):
    url = reverse("opendoor:activity", args=[activity.pk])
    assert "希望增加课后服务" in client_for(users["leader"]).get(url).content.decode()
    assert client_for(users["nobody"]).get(url).status_code == 404
    assert client_for(users["leader"]).get(reverse("opendoor:activity", args=[999999])).status_code == 404


def test_administrators_set_rules_for_their_subtree(client_for, users, tree):
    url = reverse("opendoor:rules", args=["D1"])
    data = {"unit_kind": "school", "kind": "reception_day", "schedule": "monthly", "weekday": "0", "count": "1"}
    assert client_for(users["staff"]).post(url, data).status_code == 403
    assert client_for(users["admin"]).post(reverse("opendoor:rules", args=["D2"]), data).status_code == 404
    response = client_for(users["admin"]).post(url, data)
    assert response.status_code == 302
    rule = ActivityRule.objects.get()
    assert (rule.under, rule.weekday) == (tree["d1"], 0)


@pytest.mark.parametrize(
    "changes",
    [
        {"weekday": ""},
        {"count": "2"},
        {"count": "0"},
        {"schedule": "phase"},
        {"schedule": "phase", "starts_on": "2026-10-02", "ends_on": "2026-10-01"},
    ],
)
def test_a_rule_with_bad_fields_is_refused(client_for, users, tree, changes):
    data = {
        "unit_kind": "school",
        "kind": "reception_day",
        "schedule": "monthly",
        "weekday": "0",
        "count": "1",
    } | changes
    response = client_for(users["admin"]).post(reverse("opendoor:rules", args=["D1"]), data)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert not ActivityRule.objects.exists()


def test_only_administrators_of_its_unit_remove_a_rule(client_for, users, tree, rule):
    url = reverse("opendoor:rule_delete", args=[rule.pk])
    assert client_for(users["staff"]).post(url).status_code == 403
    assert client_for(users["admin"]).get(url).status_code == 405
    assert client_for(users["admin"]).post(url).status_code == 302
    assert not ActivityRule.objects.exists()
