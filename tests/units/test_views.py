import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client, tree):
    for url in [reverse("home"), reverse("units:list"), reverse("units:detail", args=["D1"])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_unit_list_shows_only_the_users_subtree(client_for, users):
    response = client_for(users["leader"]).get(reverse("units:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "一区第一小学" in body
    assert "二区" not in body
    assert "示范市" not in body


def test_unit_list_search_by_code_and_kind(client_for, users):
    response = client_for(users["superuser"]).get(reverse("units:list"), {"q": "S2", "kind": "school"})
    codes = [u.code for u in response.context["page"]]
    assert codes == ["S2"]


@pytest.mark.parametrize("role", ["admin", "staff", "leader"])
def test_each_role_sees_a_unit_inside_its_subtree(client_for, users, role):
    assert client_for(users[role]).get(reverse("units:detail", args=["S1"])).status_code == 200


@pytest.mark.parametrize("role", ["admin", "staff", "leader", "nobody"])
def test_a_unit_outside_the_subtree_is_not_found(client_for, users, role):
    response = client_for(users[role]).get(reverse("units:detail", args=["S2"]))
    assert response.status_code == 404
    assert "二区第一小学" not in response.content.decode()


def test_breadcrumb_does_not_reveal_ancestors_outside_the_subtree(client_for, users):
    body = client_for(users["staff"]).get(reverse("units:detail", args=["S1"])).content.decode()
    assert "示范市" not in body


def test_post_is_not_allowed_on_read_pages(client_for, users):
    assert client_for(users["admin"]).post(reverse("units:list")).status_code == 405


def test_interface_is_chinese_by_default_and_english_on_request(client_for, users):
    client = client_for(users["leader"])
    assert "单位" in client.get(reverse("units:list")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Units" in client.get(reverse("units:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
