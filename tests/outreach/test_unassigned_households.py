"""A household to visit with no one assigned (the field is optional) is shown, never a server error."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import HouseholdFactory, RoleFactory, UserFactory
from units.models import RoleKind

pytestmark = pytest.mark.django_db

ROLES = ["admin", "staff", "leader", "superuser"]


@pytest.fixture
def unassigned(tree):
    return HouseholdFactory(unit=tree["s1"], name="无人负责户", assigned_to=None)


@pytest.mark.parametrize("role", ROLES)
def test_its_pages_and_the_lists_of_its_district_and_city_render(client_for, users, tree, unassigned, role):
    client = client_for(users[role])
    for url in (reverse("outreach:household", args=[unassigned.pk]), reverse("outreach:households", args=["D1"])):
        response = client.get(url)
        assert response.status_code == 200 and "无人负责户" in response.content.decode()
    city = client.get(reverse("outreach:households", args=["C"]))
    assert city.status_code == (200 if role == "superuser" else 404)


def test_the_city_list_renders_for_the_citys_leader(client_for, tree, unassigned):
    leader = UserFactory()
    RoleFactory(user=leader, unit=tree["city"], kind=RoleKind.LEADER)
    response = client_for(leader).get(reverse("outreach:households", args=["C"]))
    assert response.status_code == 200 and "无人负责户" in response.content.decode()


@pytest.mark.parametrize("role, status", [("admin", 302), ("staff", 302), ("superuser", 302), ("leader", 403)])
def test_a_visit_is_recorded_or_refused_without_an_error(client_for, users, unassigned, role, status):
    url = reverse("outreach:visit_create", args=[unassigned.pk])
    data = {"visit-date": str(datetime.date.today()), "visit-method": "phone", "visit-notes": "已走访"}
    response = client_for(users[role]).post(url, {**data, "visit-phone_check": "yes"})
    assert response.status_code == status


@pytest.mark.parametrize("role", ["admin", "staff", "superuser"])
def test_a_refused_visit_shows_the_page_again(client_for, users, unassigned, role):
    response = client_for(users[role]).post(reverse("outreach:visit_create", args=[unassigned.pk]), {})
    assert response.status_code == 400 and "无人负责户" in response.content.decode()
