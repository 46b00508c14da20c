"""The materialised path of units (units.paths): parsing and comparing agree with the tree they encode."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import RoleFactory, UnitFactory, UserFactory
from units.models import Role, Unit, UnitKind
from units.paths import (
    ancestors_of,
    child_below,
    depth,
    ids_of,
    is_strictly_under,
    is_under,
    lineage_q,
    outermost,
    path_of,
    subtree_q,
)


@st.composite
def trees(draw) -> tuple[list[int], list[list[int]], list[str]]:
    """A random forest: primary keys (small, so that 1 and 12 or 7 and 70 both occur), the chain of keys from
    the root down to each unit, and each unit's path built with ``path_of`` from its parent's."""
    pks = draw(st.lists(st.integers(1, 120), min_size=1, max_size=12, unique=True))
    chains: list[list[int]] = []
    built: list[str] = []
    for i, pk in enumerate(pks):
        parent = draw(st.none() | st.integers(0, i - 1)) if i else None
        chains.append(([] if parent is None else chains[parent]) + [pk])
        built.append(path_of(None if parent is None else built[parent], pk))
    return pks, chains, built


def test_the_format_of_a_path():
    assert path_of(None, 1) == "/1/"
    assert path_of("/1/", 7) == "/1/7/"
    assert path_of("/1/7/", 42) == "/1/7/42/"
    assert (ids_of("/1/7/42/"), ancestors_of("/1/7/42/"), depth("/1/7/42/")) == ([1, 7, 42], [1, 7], 2)
    assert (ancestors_of("/1/"), depth("/1/")) == ([], 0)


def test_a_unit_is_not_under_a_sibling_whose_key_begins_its_own():
    assert not is_under("/1/70/", "/1/7/")
    assert is_under("/1/7/", "/1/7/") and not is_strictly_under("/1/7/", "/1/7/")


@given(trees())
def test_parsing_a_path_gives_back_the_chain_it_was_built_from(tree):
    _pks, chains, built = tree
    for chain, path in zip(chains, built, strict=True):
        assert ids_of(path) == chain
        assert ancestors_of(path) == chain[:-1]
        assert depth(path) == len(chain) - 1


@given(trees())
def test_under_means_an_ancestor_on_the_chain(tree):
    pks, chains, built = tree
    for a in range(len(pks)):
        for b in range(len(pks)):
            assert is_under(built[a], built[b]) == (pks[b] in chains[a])
            assert is_strictly_under(built[a], built[b]) == (pks[b] in ancestors_of(built[a]))


@given(trees())
def test_the_child_below_an_ancestor_is_the_next_key_on_the_chain(tree):
    pks, chains, built = tree
    for a, chain in enumerate(chains):
        for position, pk in enumerate(chain):
            ancestor = built[pks.index(pk)]
            assert child_below(built[a], ancestor) == (chain[position + 1] if position + 1 < len(chain) else None)


@given(trees(), st.data())
def test_outermost_paths_cover_all_and_none_covers_another(tree, data):
    _pks, _chains, built = tree
    chosen = data.draw(st.lists(st.sampled_from(built), max_size=8))
    tops = outermost(chosen)
    assert tops == sorted(set(tops))
    assert all(any(is_under(path, top) for top in tops) for path in chosen)
    assert not any(is_strictly_under(a, b) for a in tops for b in tops)


# ---------------------------------------------------------------- in the database


@pytest.mark.django_db
def test_a_subtree_filter_finds_the_unit_and_everything_below_it(tree):
    assert set(Unit.objects.filter(subtree_q(tree["d1"].path))) == {tree["d1"], tree["s1"]}
    assert set(Unit.objects.under(tree["city"])) == set(tree.values())


@pytest.mark.django_db
def test_a_subtree_filter_does_not_take_a_key_for_the_prefix_of_another(tree):
    seven, seventy = tree["s1"], tree["s2"]
    Unit.objects.filter(pk=seven.pk).update(path="/999/7/")  # paths as keys 7 and 70 under one parent would have
    Unit.objects.filter(pk=seventy.pk).update(path="/999/70/")
    assert list(Unit.objects.filter(subtree_q("/999/7/"))) == [seven]


@pytest.mark.django_db
def test_a_lineage_filter_finds_roles_on_the_unit_above_it_and_below_it(tree):
    user = UserFactory()
    roles = {key: RoleFactory(user=user, unit=unit, kind="staff") for key, unit in tree.items()}
    found = set(Role.objects.filter(lineage_q(tree["d1"].path)))
    assert found == {roles["city"], roles["d1"], roles["s1"]}


@pytest.mark.django_db
def test_moving_a_unit_moves_the_paths_and_depths_below_it(tree):
    leaf = UnitFactory(kind=UnitKind.DEPARTMENT, parent=tree["s1"])
    tree["s1"].parent = tree["d2"]
    tree["s1"].save()
    leaf.refresh_from_db()
    assert ids_of(leaf.path) == [tree["city"].pk, tree["d2"].pk, tree["s1"].pk, leaf.pk]
    assert leaf.depth == depth(leaf.path) == 3
    assert leaf.ancestor_ids == ancestors_of(leaf.path)
