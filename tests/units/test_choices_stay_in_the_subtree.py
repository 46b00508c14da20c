"""No drop-down, filter or list of suggestions names a person or a unit outside the user's subtrees.

The city above district D1 has a leadership group (王桂洋 · 组长) and accounts of its own, and district
D2 beside it has staff. D1's staff member and administrator open every form that offers people or
units; each choice must belong to D1's subtree (a person: a role on a unit of it, or membership of a
group of a unit of it). Escalation upward goes through the overdue reminders, not through these lists.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from ledger.models import Concern
from outreach.models import Household
from tests.factories import (
    ConcernFactory,
    GroupMemberFactory,
    HouseholdFactory,
    LeadershipGroupFactory,
    RoleFactory,
    UserFactory,
    make_round,
)
from units.models import GroupMember, MemberRole, Role, RoleKind, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def around(tree, users):
    """People of the city and of D2, and people of D1 who must stay in the lists."""
    city_group = LeadershipGroupFactory(unit=tree["city"], name="市领导小组")
    city_head = GroupMemberFactory(group=city_group, role=MemberRole.LEADER, person_name="王桂洋")
    for name, kind, unit in (
        ("city_admin", RoleKind.ADMIN, "city"),
        ("city_leader", RoleKind.LEADER, "city"),
        ("d2_staff", RoleKind.STAFF, "d2"),
        ("teacher", RoleKind.STAFF, "s1"),
    ):
        RoleFactory(user=UserFactory(username=name), unit=tree[unit], kind=kind)
    GroupMemberFactory(group=LeadershipGroupFactory(unit=tree["d1"]), role=MemberRole.DEPUTY, person_name="李副组长")
    make_round([tree["s1"], tree["s2"]])
    city_admin = get_user_model().objects.get(username="city_admin")
    # Concerns of S1 that the city once gave to its own people: the ledger's filter must not name them.
    ConcernFactory(unit=tree["s1"], responsible_user=city_admin, status="assigned")
    ConcernFactory(unit=tree["s1"], responsible_member=city_head, status="assigned")
    ConcernFactory(unit=tree["s1"], responsible_user=get_user_model().objects.get(username="teacher"))
    return {"household": HouseholdFactory(unit=tree["s1"]), "concern": Concern.objects.filter(status="received").get()}


def paths_of(user) -> list[str]:
    return list(Role.objects.filter(user=user).values_list("unit__path", flat=True))


def inside(path: str, viewer) -> bool:
    return any(path.startswith(p) for p in paths_of(viewer))


def person_inside(value, viewer) -> bool:
    """A choice of a person: ``u:<pk>``/``m:<pk>`` keys or a user's pk."""
    key = str(value)
    if key.startswith("m:"):
        return inside(GroupMember.objects.get(pk=key[2:]).group.unit.path, viewer)
    account = get_user_model().objects.get(pk=key.removeprefix("u:"))
    return any(inside(path, viewer) for path in paths_of(account))


def choice_values(field) -> list:
    return [value.value if hasattr(value, "value") else value for value, _label in field.choices if value != ""]


def person_fields(client, around, tree) -> dict[str, object]:
    """The person fields of every form of the ledger and of outreach, as the pages build them."""
    unit, concern, household = tree["d1"].code, around["concern"].pk, around["household"].pk
    return {
        "assign": client.get(reverse("ledger:concern", args=[concern])).context["step_forms"]["assign"]["person"],
        "ledger filter": client.get(reverse("ledger:unit", args=[unit])).context["form"]["person"],
        "new household": client.get(reverse("outreach:household_create", args=[unit])).context["form"]["assigned_to"],
        "household edit": client.get(reverse("outreach:household_edit", args=[household])).context["form"][
            "assigned_to"
        ],
        "households filter": client.get(reverse("outreach:households", args=[unit])).context["form"]["person"],
    }


def test_people_offered_on_the_ledger_and_outreach_forms_are_of_the_subtree(client_for, users, around, tree):
    viewer = users["staff"]
    fields = person_fields(client_for(viewer), around, tree)
    for name, bound in fields.items():
        values = choice_values(bound.field)
        assert values, name
        outside = [value for value in values if not person_inside(value, viewer)]
        assert not outside, f"{name} offers people outside D1: {outside}"
    labels = " ".join(label for _value, label in fields["assign"].field.choices)
    assert "李副组长" in labels and "teacher" in labels
    assert "王桂洋" not in labels and "city_admin" not in labels and "city_leader" not in labels


def test_a_superuser_is_offered_the_city_too(client_for, users, around, tree):
    fields = person_fields(client_for(users["superuser"]), around, tree)
    labels = " ".join(label for _value, label in fields["assign"].field.choices)
    assert "王桂洋" in labels and "city_admin" in labels


def unit_codes(values) -> set[str]:
    return {getattr(unit, "code", unit) for unit in values}


def test_units_offered_for_entry_filters_and_rankings_are_of_the_subtree(client_for, users, around, tree):
    viewer = users["staff"]
    client = client_for(viewer)
    code = "R2026"
    lists = {
        "entry": client.get(reverse("surveys:questionnaire_enter", args=[code])).context["form"]["unit"].field.queryset,
        "questionnaire filter": client.get(reverse("surveys:questionnaire_list", args=[code]))
        .context["filters"]["unit"]
        .field.queryset,
        "counts": client.get(reverse("surveys:counts_units", args=[code])).context["page"].object_list,
        "ranking scope picker": client.get(reverse("reports:ranking", args=[code])).context["picker"].units(),
        "ranking scope search": [
            link.unit for link in client.get(reverse("reports:scopes", args=[code]), {"q": "区"}).context["matches"]
        ],
        "unit page scopes": client.get(reverse("reports:unit", args=[code, tree["s1"].code])).context["form"].scopes,
    }
    for name, units in lists.items():
        paths = [unit.path for unit in units]
        assert paths, name
        assert all(inside(path, viewer) for path in paths), f"{name} offers units outside D1: {unit_codes(units)}"


def test_units_and_accounts_offered_to_an_administrator_are_of_the_subtree(client_for, users, around, tree):
    viewer = users["admin"]
    client = client_for(viewer)
    group = LeadershipGroupFactory(unit=tree["d1"])
    member_form = client.get(reverse("units:member_create", args=[tree["d1"].code, group.pk])).context["form"]
    user_form = client.get(reverse("units:user_create")).context["form"]
    role_form = client.get(reverse("units:user_detail", args=[users["staff"].pk])).context["form"]
    history = client.get(reverse("surveys:history", args=["R2026"])).context["units"]
    unit_lists = {
        "member department": member_form.fields["department"].units,
        "member covered units": member_form.fields["covered_units"].units,
        "member suggestions": member_form.unit_suggestions,
        "new user's unit": user_form.fields["unit"].units,
        "new user suggestions": user_form.unit_suggestions,
        "role grant unit": role_form.fields["unit"].units,
        "history units": history,
    }
    for name, units in unit_lists.items():
        assert list(units), name
        assert all(inside(u.path, viewer) for u in units), f"{name}: {unit_codes(units)}"
    accounts = list(member_form.fields["user"].queryset)
    assert accounts and all(person_inside(a.pk, viewer) for a in accounts)
    assert not Unit.objects.filter(pk__in=[u.pk for u in user_form.fields["unit"].units], code="C").exists()


def test_a_person_outside_the_subtree_posted_by_hand_is_refused(client_for, users, around, tree):
    client = client_for(users["staff"])
    city_admin = get_user_model().objects.get(username="city_admin")
    url = reverse("ledger:step", args=[around["concern"].pk, "assign"])
    assert client.post(url, {"assign-person": f"u:{city_admin.pk}"}).status_code == 400
    data = {"name": "李华", "kind": "poor", "assigned_to": city_admin.pk}
    assert client.post(reverse("outreach:household_create", args=[tree["d1"].code]), data).status_code == 400
    around["concern"].refresh_from_db()
    assert around["concern"].responsible_user.username == "teacher"
    assert not Household.objects.filter(name="李华").exists()
