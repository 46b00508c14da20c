"""The working-days page: everyone with a role reads it; superusers and administrators of a top-level unit add days."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import RoleFactory, UserFactory
from units.models import RoleKind
from workdays.models import CalendarDay

pytestmark = pytest.mark.django_db
URL = reverse("workdays:days")
HOLIDAY = {"day": "2099-01-05", "kind": "holiday", "note": "2099 元旦"}


@pytest.fixture
def city_admin(tree):
    user = UserFactory()
    RoleFactory(user=user, unit=tree["city"], kind=RoleKind.ADMIN)
    return user


@pytest.mark.parametrize("role", ["admin", "staff", "leader"])
def test_roles_read_the_page_and_the_unknown_years(client_for, users, role):
    response = client_for(users[role]).get(URL)
    assert response.status_code == 200 and 2099 not in response.context["unknown"]
    assert not response.context["may_manage"]


def test_somebody_without_a_role_may_not(client_for, users):
    assert client_for(users["nobody"]).get(URL).status_code == 403


def test_the_city_administrator_adds_changes_and_removes_a_day(client_for, city_admin):
    client = client_for(city_admin)
    assert client.post(URL, HOLIDAY).status_code == 302
    assert client.post(URL, HOLIDAY | {"kind": "working"}).status_code == 302
    day = CalendarDay.objects.get()
    assert (day.day, day.is_working_day, day.note) == (datetime.date(2099, 1, 5), True, "2099 元旦")
    assert client.get(reverse("workdays:delete", args=[day.pk])).status_code == 405
    assert client.post(reverse("workdays:delete", args=[day.pk])).status_code == 302
    assert not CalendarDay.objects.exists()


@pytest.mark.parametrize("role", ["admin", "staff", "leader"])
def test_a_district_may_not_change_the_calendar_of_the_whole_tree(client_for, users, role):
    client = client_for(users[role])
    assert client.post(URL, HOLIDAY).status_code == 403
    day = CalendarDay.objects.create(day=datetime.date(2099, 1, 6), is_working_day=False)
    assert client.post(reverse("workdays:delete", args=[day.pk])).status_code == 403
    assert CalendarDay.objects.count() == 1


@pytest.mark.parametrize(("field", "value"), [("day", "2099-02-30"), ("day", ""), ("kind", "party")])
def test_bad_input_is_refused_naming_the_field(client_for, users, field, value):
    response = client_for(users["superuser"]).post(URL, HOLIDAY | {field: value})
    assert response.status_code == 400 and field in response.context["form"].errors
    assert not CalendarDay.objects.exists()


def test_removing_a_day_that_is_gone_is_not_found(client_for, users):
    assert client_for(users["superuser"]).post(reverse("workdays:delete", args=[999999])).status_code == 404
