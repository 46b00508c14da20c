"""Users and roles: administrators see and change only accounts and roles inside their subtrees."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import RoleFactory, UserFactory
from units.accounts import person_name
from units.models import Role, RoleKind

pytestmark = pytest.mark.django_db

LIST = reverse("units:user_list")
CREATE = reverse("units:user_create")


def new_user_data(**changes) -> dict:
    data = {"username": "zhangsan", "first_name": "张三", "password1": "Qiuqiu-2026!", "password2": "Qiuqiu-2026!"}
    return {**data, "kind": RoleKind.STAFF, "unit": "S1", **changes}


def test_anonymous_is_sent_to_login(client, users):
    role = Role.objects.filter(user=users["staff"]).get()
    for method, url in [
        ("get", LIST),
        ("get", CREATE),
        ("get", reverse("units:user_detail", args=[users["staff"].pk])),
        ("post", reverse("units:role_revoke", args=[role.pk])),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert Role.objects.filter(pk=role.pk).exists()


@pytest.mark.parametrize("role", ["staff", "leader", "nobody"])
def test_only_administrators_may_use_the_pages(client_for, users, role):
    client = client_for(users[role])
    target_role = Role.objects.get(user=users["leader"])
    assert client.get(LIST).status_code == 403
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, new_user_data()).status_code == 403
    assert client.get(reverse("units:user_detail", args=[users["leader"].pk])).status_code == 403
    assert client.post(reverse("units:role_revoke", args=[target_role.pk])).status_code == 403
    assert not get_user_model().objects.filter(username="zhangsan").exists()
    assert Role.objects.filter(pk=target_role.pk).exists()


def test_the_list_shows_accounts_of_the_subtree_with_only_their_roles_there(client_for, users, tree, d2_user):
    RoleFactory(user=users["staff"], unit=tree["d2"], kind=RoleKind.LEADER)
    response = client_for(users["admin"]).get(LIST)
    assert response.status_code == 200
    listed = {u.username: [r.unit.code for r in u.visible_roles] for u in response.context["page"]}
    assert listed == {
        users["admin"].username: ["D1"],
        users["staff"].username: ["D1"],
        users["leader"].username: ["D1"],
    }
    body = response.content.decode()
    assert "d2_only" not in body and "二区" not in body


def test_the_list_searches_by_username(client_for, users):
    response = client_for(users["admin"]).get(LIST, {"q": users["leader"].username})
    assert [u.username for u in response.context["page"]] == [users["leader"].username]


def test_a_superuser_sees_every_account(client_for, users, d2_user):
    response = client_for(users["superuser"]).get(LIST)
    assert "d2_only" in {u.username for u in response.context["page"]}


def test_an_account_outside_the_subtree_is_not_found(client_for, users, d2_user):
    response = client_for(users["admin"]).get(reverse("units:user_detail", args=[d2_user.pk]))
    assert response.status_code == 404
    assert "d2_only" not in response.content.decode()


def test_the_account_page_shows_only_roles_inside_the_subtree(client_for, users, tree):
    RoleFactory(user=users["staff"], unit=tree["d2"], kind=RoleKind.LEADER)
    response = client_for(users["admin"]).get(reverse("units:user_detail", args=[users["staff"].pk]))
    assert [r.unit.code for r in response.context["roles"]] == ["D1"]
    assert "二区" not in response.content.decode()


def test_an_administrator_creates_an_account_with_a_role_in_their_subtree(client_for, users, tree):
    response = client_for(users["admin"]).post(CREATE, new_user_data())
    account = get_user_model().objects.get(username="zhangsan")
    assert response.status_code == 302
    assert response.url == reverse("units:user_detail", args=[account.pk])
    assert account.first_name == "张三" and account.check_password("Qiuqiu-2026!")
    assert list(account.manyi_roles.values_list("unit__code", "kind")) == [("S1", RoleKind.STAFF)]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"unit": "S2"}, "unit"),
        ({"unit": "NOPE"}, "unit"),
        ({"unit": ""}, "unit"),
        ({"kind": "owner"}, "kind"),
        ({"password2": "different-2026!"}, "password2"),
        ({"password1": "123", "password2": "123"}, "password2"),
        ({"first_name": ""}, "first_name"),
        ({"username": ""}, "username"),
    ],
)
def test_bad_account_input_is_reported_on_its_field_and_nothing_is_written(client_for, users, changes, field):
    response = client_for(users["admin"]).post(CREATE, new_user_data(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not get_user_model().objects.filter(username="zhangsan").exists()
    assert "二区" not in response.content.decode()


def test_an_existing_username_is_refused(client_for, users):
    response = client_for(users["admin"]).post(CREATE, new_user_data(username=users["leader"].username))
    assert "username" in response.context["form"].errors
    assert get_user_model().objects.filter(username=users["leader"].username).count() == 1


def test_an_unknown_unit_and_one_outside_the_subtree_get_the_same_answer(client_for, users):
    client = client_for(users["admin"])
    outside = client.post(CREATE, new_user_data(unit="S2")).context["form"].errors["unit"][0]
    unknown = client.post(CREATE, new_user_data(unit="NOPE")).context["form"].errors["unit"][0]
    assert outside.replace("S2", "NOPE") == unknown


def test_an_administrator_grants_a_role_in_their_subtree(client_for, users, tree):
    url = reverse("units:user_detail", args=[users["staff"].pk])
    response = client_for(users["admin"]).post(url, {"kind": RoleKind.LEADER, "unit": "S1"})
    assert response.status_code == 302
    assert Role.objects.filter(user=users["staff"], unit=tree["s1"], kind=RoleKind.LEADER).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": RoleKind.ADMIN, "unit": "D2"}, "unit"),
        ({"kind": RoleKind.ADMIN, "unit": "C"}, "unit"),
        ({"kind": RoleKind.STAFF, "unit": "D1"}, "unit"),  # the role the staff member already holds
        ({"kind": "", "unit": "S1"}, "kind"),
    ],
)
def test_a_bad_grant_is_reported_on_its_field_and_nothing_is_written(client_for, users, data, field):
    before = Role.objects.count()
    url = reverse("units:user_detail", args=[users["staff"].pk])
    response = client_for(users["admin"]).post(url, data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Role.objects.count() == before
    assert "二区" not in response.content.decode() and "示范市" not in response.content.decode()


def test_an_administrator_cannot_grant_to_an_account_outside_the_subtree(client_for, users, d2_user):
    url = reverse("units:user_detail", args=[d2_user.pk])
    assert client_for(users["admin"]).post(url, {"kind": RoleKind.ADMIN, "unit": "D1"}).status_code == 404
    assert not Role.objects.filter(user=d2_user, unit__code="D1").exists()


def test_an_administrator_revokes_a_role_in_their_subtree(client_for, users):
    role = Role.objects.get(user=users["leader"])
    response = client_for(users["admin"]).post(reverse("units:role_revoke", args=[role.pk]))
    assert not Role.objects.filter(pk=role.pk).exists()
    # The account held no other role in the subtree, so it is no longer the administrator's to see.
    assert response.url == LIST


def test_a_role_outside_the_subtree_cannot_be_revoked(client_for, users, d2_user):
    role = Role.objects.get(user=d2_user)
    assert client_for(users["admin"]).post(reverse("units:role_revoke", args=[role.pk])).status_code == 404
    assert Role.objects.filter(pk=role.pk).exists()


def test_an_administrator_cannot_revoke_their_own_administrator_role(client_for, users):
    role = Role.objects.get(user=users["admin"])
    response = client_for(users["admin"]).post(reverse("units:role_revoke", args=[role.pk]))
    assert response.status_code == 302
    assert Role.objects.filter(pk=role.pk).exists()


def test_wrong_methods_are_refused(client_for, users):
    client = client_for(users["admin"])
    role = Role.objects.get(user=users["leader"])
    assert client.post(LIST).status_code == 405
    assert client.put(CREATE).status_code == 405
    assert client.delete(reverse("units:user_detail", args=[users["leader"].pk])).status_code == 405
    assert client.get(reverse("units:role_revoke", args=[role.pk])).status_code == 405
    assert Role.objects.filter(pk=role.pk).exists()


def test_the_navigation_offers_users_and_roles_to_administrators_only(client_for, users):
    assert LIST in client_for(users["admin"]).get(reverse("home")).content.decode()
    for role in ("staff", "leader"):
        assert LIST not in client_for(users[role]).get(reverse("home")).content.decode()


def test_people_are_named_by_their_full_name_else_their_user_name():
    assert person_name(UserFactory(username="zhang", first_name="张老师")) == "张老师"
    assert person_name(UserFactory(username="li", first_name="", last_name="")) == "li"
