"""Pooling up the tree, as pure functions: the deltas of the units above, the outline's kinds, common paths."""

from collections import defaultdict

from hypothesis import given
from hypothesis import strategies as st

from surveys.figures import UnitInfo
from surveys.outline import outline_build, peer_levels_of
from surveys.tallies import pooled_deltas
from units.paths import child_below, common_path, is_strictly_under, path_of


@st.composite
def trees(draw):
    """Paths of a random tree of up to 30 units (unit k's parent is one of the units before it, or none)."""
    n = draw(st.integers(1, 30))
    paths: dict[int, str] = {}
    for pk in range(1, n + 1):
        parent = draw(st.one_of(st.none(), st.integers(1, pk - 1))) if pk > 1 else None
        paths[pk] = path_of(paths[parent] if parent else None, pk)
    return paths


@given(data=st.data())
def test_pooled_deltas_equal_a_recount_of_every_subtree(data):
    paths = data.draw(trees())
    taking_part = data.draw(st.sets(st.sampled_from(sorted(paths))))
    deltas = data.draw(
        st.dictionaries(
            st.tuples(st.sampled_from(sorted(paths)), st.integers(1, 3), st.integers(1, 4)), st.integers(-5, 5)
        )
    )
    pooled = pooled_deltas(deltas, {pk: paths[pk] for pk in taking_part})
    recount = defaultdict(int)
    for above in paths:
        for (unit, indicator, option), n in deltas.items():
            if unit in taking_part and is_strictly_under(paths[unit], paths[above]):
                recount[above, indicator, option] += n
    assert pooled == {key: n for key, n in recount.items() if n}


def test_a_unit_not_taking_part_adds_nothing_above():
    assert pooled_deltas({(3, 1, 1): 2}, {}) == {}
    assert pooled_deltas({(3, 1, 1): 2}, {3: "/1/2/3/"}) == {(1, 1, 1): 2, (2, 1, 1): 2}


@given(data=st.data())
def test_common_path_is_the_deepest_unit_above_all(data):
    paths = data.draw(trees())
    chosen = data.draw(st.lists(st.sampled_from(sorted(paths)), min_size=1))
    common = common_path([paths[pk] for pk in chosen])
    assert all(paths[pk].startswith(common) for pk in chosen)
    # One level deeper is no longer common: the paths part there, or one of them ends at ``common``.
    below = {child_below(paths[pk], common) for pk in chosen}
    assert len(below) > 1 or None in below


def _info(pk: int, path: str, kind: str, participating: bool) -> UnitInfo:
    return UnitInfo(pk, f"U{pk}", f"U{pk}", kind, None, path, path.count("/") - 2, participating)


def test_the_outline_counts_each_unit_below_each_scope_once():
    # 1 city > 2 district > 4, 5 schools; 1 > 3 district > 6 school; district 2 also takes part.
    participants = [(4, "school", 2, "/1/2/4/"), (5, "school", 2, "/1/2/5/"), (6, "school", 2, "/1/3/6/")]
    participants.append((2, "district", 1, "/1/2/"))
    scopes = [_info(1, "/1/", "city", False), _info(2, "/1/2/", "district", True), _info(3, "/1/3/", "district", False)]
    below = outline_build(participants, scopes)
    assert below[1] == {"school": (2, 3), "district": (1, 2)}
    assert below[2] == {"school": (2, 2)}
    assert below[3] == {"school": (2, 1)}
    assert peer_levels_of(below[1]) == ["district", "school"]


def test_peer_levels_put_the_shallowest_then_the_most_numerous_first():
    kinds = {"school": (2, 10), "kindergarten": (2, 30), "district": (1, 3), "bureau": (1, 3)}
    assert peer_levels_of(kinds) == ["bureau", "district", "kindergarten", "school"]
