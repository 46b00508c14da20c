import pytest

from tests.factories import RoleFactory, UserFactory
from units.models import RoleKind
from units.permissions import Action, can, mask_phone, phone_shown, scope_paths, units_for

pytestmark = pytest.mark.django_db


def test_role_covers_the_whole_subtree_and_nothing_else(tree, users):
    staff = users["staff"]
    assert can(staff, Action.ENTER, tree["d1"])
    assert can(staff, Action.ENTER, tree["s1"])
    assert not can(staff, Action.ENTER, tree["s2"])
    assert not can(staff, Action.VIEW, tree["city"])
    assert set(units_for(staff, Action.VIEW).values_list("code", flat=True)) == {"D1", "S1"}


def test_leader_reads_but_never_enters_or_manages(tree, users):
    leader = users["leader"]
    assert can(leader, Action.VIEW, tree["s1"])
    assert not can(leader, Action.ENTER, tree["s1"])
    assert not can(leader, Action.MANAGE, tree["d1"])


def test_staff_may_not_manage(tree, users):
    assert not can(users["staff"], Action.MANAGE, tree["d1"])
    assert can(users["admin"], Action.MANAGE, tree["s1"])


def test_superuser_sees_everything_and_a_user_without_role_nothing(tree, users):
    assert scope_paths(users["superuser"], Action.MANAGE) is None
    assert units_for(users["superuser"], Action.VIEW).count() == 5
    assert units_for(users["nobody"], Action.VIEW).count() == 0


def test_nested_roles_collapse_to_the_widest_subtree(tree):
    user = UserFactory()
    RoleFactory(user=user, unit=tree["city"], kind=RoleKind.LEADER)
    RoleFactory(user=user, unit=tree["s1"], kind=RoleKind.LEADER)
    assert scope_paths(user, Action.VIEW) == [tree["city"].path]


def test_role_on_an_inactive_unit_grants_nothing(tree):
    user = UserFactory()
    RoleFactory(user=user, unit=tree["d2"], kind=RoleKind.STAFF)
    tree["d2"].active = False
    tree["d2"].save()
    assert not can(user, Action.VIEW, tree["s2"])


def test_phones_are_whole_only_for_administrators_of_the_records_unit(tree, users):
    assert mask_phone("13812345678") == "138****5678"
    for name in ("staff", "leader", "nobody"):
        assert phone_shown(users[name], tree["s1"], "13812345678") == "138****5678"
    assert phone_shown(users["admin"], tree["s1"], "13812345678") == "13812345678"
    assert phone_shown(users["superuser"], tree["s2"], "13812345678") == "13812345678"
    # An administrator elsewhere (D1) reads no whole number of D2's records.
    assert phone_shown(users["admin"], tree["s2"], "13812345678") == "138****5678"


def test_a_phone_of_an_unknown_unit_is_whole_only_for_superusers(users):
    assert phone_shown(users["admin"], None, "13812345678") == "138****5678"
    assert phone_shown(users["superuser"], None, "13812345678") == "13812345678"


def test_short_phone_numbers_are_still_masked():
    assert mask_phone("1234") == "****"
    assert "*" in mask_phone("1234567")


def test_moving_a_unit_moves_its_subtree(tree, users):
    tree["d1"].parent = tree["d2"]
    tree["d1"].save()
    tree["s1"].refresh_from_db()
    assert tree["s1"].path.startswith(tree["d2"].path)
    assert tree["s1"].depth == 3
    assert can(users["staff"], Action.VIEW, tree["s1"])  # the district staff still covers its school


def test_the_kinds_of_role_held_decide_the_parts_of_the_home_page(tree, users):
    from units.permissions import role_kinds, roots_held

    both = UserFactory()
    RoleFactory(user=both, unit=tree["d1"], kind=RoleKind.LEADER)
    RoleFactory(user=both, unit=tree["s1"], kind=RoleKind.LEADER)  # inside D1: not a root of its own
    RoleFactory(user=both, unit=tree["s2"], kind=RoleKind.STAFF)
    assert role_kinds(both) == {RoleKind.LEADER, RoleKind.STAFF}
    assert roots_held(both, RoleKind.LEADER) == [tree["d1"].path]
    assert roots_held(both, RoleKind.ADMIN) == []
    assert role_kinds(users["superuser"]) == {RoleKind.ADMIN}
    assert role_kinds(users["nobody"]) == set()
    tree["d1"].active = False
    tree["d1"].save()
    fresh = type(both).objects.get(pk=both.pk)  # the role cache lives on the user object
    assert roots_held(fresh, RoleKind.LEADER) == [tree["s1"].path]  # a role on an inactive unit counts for nothing
