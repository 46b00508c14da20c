"""Leadership groups: read by everyone who sees the unit, changed only by its administrators."""

import pytest
from django.urls import reverse

from tests.factories import GroupMemberFactory
from tests.units.conftest import read_xlsx
from units.groups import rosters
from units.models import GroupMember, LeadershipGroup, MemberRole

pytestmark = pytest.mark.django_db


def urls_of(group) -> dict[str, tuple[str, str]]:
    """Every group page of a group: name -> (method, url)."""
    code, pk = group.unit.code, group.pk
    member = group.members.first()
    return {
        "groups": ("get", reverse("units:groups", args=[code])),
        "roster_export": ("get", reverse("units:roster_export", args=[code])),
        "group_create": ("get", reverse("units:group_create", args=[code])),
        "group_edit": ("get", reverse("units:group_edit", args=[code, pk])),
        "group_delete": ("post", reverse("units:group_delete", args=[code, pk])),
        "member_create": ("get", reverse("units:member_create", args=[code, pk])),
        "member_edit": ("get", reverse("units:member_edit", args=[code, pk, member.pk])),
        "member_delete": ("post", reverse("units:member_delete", args=[code, pk, member.pk])),
    }


READ_PAGES = {"groups", "roster_export"}
MEMBER_URL = "units:member_create"


def member_data(**changes) -> dict:
    data = {"role": MemberRole.DEPUTY, "person_name": "新副组长", "position": "副区长", "phone": "13512345678"}
    data.update({"responsibility": "分管教育", "order": "5", "department": "", "covered_units": "", "user": ""})
    return {**data, **changes}


def test_anonymous_is_sent_to_login(client, group):
    for method, url in urls_of(group).values():
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["admin", "staff", "leader"])
def test_each_role_reads_the_groups_of_its_subtree(client_for, users, group, role):
    client = client_for(users[role])
    assert client.get(reverse("units:groups", args=["D1"])).status_code == 200
    assert client.get(reverse("units:roster_export", args=["D1"])).status_code == 200


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_staff_and_leaders_may_not_change_groups(client_for, users, group, role):
    client = client_for(users[role])
    for name, (method, url) in urls_of(group).items():
        if name not in READ_PAGES:
            assert getattr(client, method)(url).status_code == 403, name
    assert client.post(reverse(MEMBER_URL, args=["D1", group.pk]), member_data()).status_code == 403
    assert LeadershipGroup.objects.filter(pk=group.pk).exists()
    assert group.members.count() == 4


@pytest.mark.parametrize("role", ["admin", "staff", "leader", "nobody"])
def test_groups_outside_the_subtree_are_not_found_and_not_shown(client_for, users, d2_group, role):
    client = client_for(users[role])
    for method, url in urls_of(d2_group).values():
        response = getattr(client, method)(url)
        assert response.status_code == 404, url
        assert "二区" not in response.content.decode()
    assert d2_group.members.count() == 1


def test_a_group_cannot_be_reached_through_another_units_address(client_for, users, tree, group, d2_group):
    client = client_for(users["admin"])
    assert client.get(reverse("units:group_edit", args=["D1", d2_group.pk])).status_code == 404
    assert client.post(reverse("units:group_delete", args=["D1", d2_group.pk])).status_code == 404
    other_member = d2_group.members.get()
    assert client.post(reverse("units:member_delete", args=["D1", group.pk, other_member.pk])).status_code == 404
    assert GroupMember.objects.filter(pk=other_member.pk).exists()


def test_the_roster_prints_roles_in_order_then_the_office(client_for, users, group):
    body = client_for(users["admin"]).get(reverse("units:groups", args=["D1"])).content.decode()
    in_print_order = [MemberRole.LEADER, MemberRole.DEPUTY, MemberRole.MEMBER, MemberRole.OFFICE_DIRECTOR]
    members = [group.members.get(role=role) for role in in_print_order]
    positions = [body.index(reverse("units:member_edit", args=["D1", group.pk, m.pk])) for m in members]
    assert positions == sorted(positions)


def test_phones_are_whole_for_administrators_and_masked_for_others(client_for, users, group):
    url = reverse("units:groups", args=["D1"])
    assert "13812345678" in client_for(users["admin"]).get(url).content.decode()
    for role in ("staff", "leader"):
        body = client_for(users[role]).get(url).content.decode()
        assert "138****5678" in body
        assert "13812345678" not in body


def test_rosters_group_members_by_role_in_a_fixed_number_of_queries(group, users, tree, django_assert_max_num_queries):
    GroupMemberFactory.create_batch(5, group=group, role=MemberRole.MEMBER)
    with django_assert_max_num_queries(5):
        (roster,) = rosters(tree["d1"], users["leader"])
    assert [s.role for s in roster.sections] == [MemberRole.LEADER, MemberRole.DEPUTY, MemberRole.MEMBER]
    assert [s.role for s in roster.office] == [MemberRole.OFFICE_DIRECTOR]
    assert roster.sections[0].lines[0].covered == [tree["s1"]]


def test_the_roster_workbook_masks_phones_for_non_administrators(client_for, users, group):
    def sheet_for(role: str) -> list[list]:
        response = client_for(users[role]).get(reverse("units:roster_export", args=["D1"]))
        assert response["Content-Disposition"].startswith("attachment")
        (rows,) = read_xlsx(b"".join(response.streaming_content)).values()
        return rows

    rows = sheet_for("leader")
    assert rows[0][0] == "一区满意度工作领导小组"
    leader_row = next(r for r in rows if r[1] == "王组长")
    assert leader_row[2:] == ["区长", "138****5678", None, "一区第一小学"]
    assert any("13812345678" in row for row in sheet_for("admin"))


def test_an_administrator_creates_edits_and_deletes_a_group(client_for, users, tree):
    client = client_for(users["admin"])
    response = client.post(
        reverse("units:group_create", args=["S1"]), {"name": "学校领导小组", "set_up_on": "2026-03-01"}
    )
    assert response.status_code == 302
    created = LeadershipGroup.objects.get(unit=tree["s1"])
    client.post(reverse("units:group_edit", args=["S1", created.pk]), {"name": "改名小组", "purpose": "督促落实"})
    created.refresh_from_db()
    assert (created.name, created.purpose) == ("改名小组", "督促落实")
    assert client.post(reverse("units:group_delete", args=["S1", created.pk])).status_code == 302
    assert not LeadershipGroup.objects.filter(pk=created.pk).exists()


@pytest.mark.parametrize("data", [{"name": ""}, {"name": "小组", "set_up_on": "not a date"}])
def test_bad_group_input_is_reported_on_its_field_and_nothing_is_written(client_for, users, data):
    response = client_for(users["admin"]).post(reverse("units:group_create", args=["D1"]), data)
    assert response.status_code == 200
    field = "name" if not data["name"] else "set_up_on"
    assert field in response.context["form"].errors
    assert not LeadershipGroup.objects.exists()


def test_an_administrator_adds_a_person_with_units_covered(client_for, users, tree, group):
    url = reverse(MEMBER_URL, args=["D1", group.pk])
    response = client_for(users["admin"]).post(url, member_data(covered_units="S1, D1"))
    assert response.status_code == 302
    member = group.members.get(person_name="新副组长")
    assert set(member.covered_units.values_list("code", flat=True)) == {"S1", "D1"}


def test_an_administrator_adds_a_member_department(client_for, users, tree, group):
    url = reverse(MEMBER_URL, args=["D1", group.pk])
    client_for(users["admin"]).post(url, member_data(role=MemberRole.MEMBER, person_name="", department="S1"))
    assert group.members.filter(department=tree["s1"], role=MemberRole.MEMBER).count() == 2


def test_a_second_leader_is_refused_on_the_role_field(client_for, users, group):
    url = reverse(MEMBER_URL, args=["D1", group.pk])
    response = client_for(users["admin"]).post(url, member_data(role=MemberRole.LEADER))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["role"]
    assert "王组长" in errors["role"][0]  # names the leader the group already has
    assert group.members.filter(role=MemberRole.LEADER).count() == 1


def test_the_leader_may_be_edited_and_keep_the_role(client_for, users, group):
    leader = group.members.get(role=MemberRole.LEADER)
    url = reverse("units:member_edit", args=["D1", group.pk, leader.pk])
    response = client_for(users["admin"]).post(url, member_data(role=MemberRole.LEADER, person_name="王新组长"))
    assert response.status_code == 302
    leader.refresh_from_db()
    assert leader.person_name == "王新组长"


def test_the_edit_form_shows_the_department_and_covered_codes(client_for, users, group):
    leader = group.members.get(role=MemberRole.LEADER)
    response = client_for(users["admin"]).get(reverse("units:member_edit", args=["D1", group.pk, leader.pk]))
    assert response.context["form"].initial["covered_units"] == "S1"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"department": "S2", "person_name": ""}, "department"),
        ({"covered_units": "S1 S2"}, "covered_units"),
        ({"person_name": ""}, "person_name"),
        ({"role": "chief"}, "role"),
        ({"department": "C"}, "department"),
    ],
)
def test_bad_member_input_is_reported_on_its_field_and_nothing_is_written(client_for, users, group, changes, field):
    url = reverse(MEMBER_URL, args=["D1", group.pk])
    response = client_for(users["admin"]).post(url, member_data(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert group.members.count() == 4
    body = response.content.decode()
    assert "二区" not in body and "示范市" not in body  # the error never names a unit outside the subtree


def test_an_administrator_removes_a_member(client_for, users, group):
    member = group.members.get(role=MemberRole.DEPUTY)
    response = client_for(users["admin"]).post(reverse("units:member_delete", args=["D1", group.pk, member.pk]))
    assert response.status_code == 302
    assert not GroupMember.objects.filter(pk=member.pk).exists()


def test_wrong_methods_are_refused(client_for, users, group):
    client = client_for(users["admin"])
    urls = urls_of(group)
    assert client.post(urls["groups"][1]).status_code == 405
    assert client.post(urls["roster_export"][1]).status_code == 405
    assert client.get(urls["group_delete"][1]).status_code == 405
    assert client.get(urls["member_delete"][1]).status_code == 405
    assert client.put(urls["group_edit"][1]).status_code == 405
    assert LeadershipGroup.objects.filter(pk=group.pk).exists()


def test_the_unit_page_links_to_its_groups(client_for, users, group):
    body = client_for(users["leader"]).get(reverse("units:detail", args=["D1"])).content.decode()
    assert reverse("units:groups", args=["D1"]) in body
    assert "一区满意度工作领导小组" in body
