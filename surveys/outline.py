"""Which units of a round a page needs, found by the database through its indexes.

A round's units are its participants and every unit above one. The units
above are few (a province of 100,000 schools has about 1,000 districts):
they, the kinds found below each of them and the units' names make the
round's *outline*, computed by one ``GROUP BY`` in the database and cached
until participants or the tree change (versions bumped by signals). Peers and children are read by key
(``(kind, path)`` and ``parent`` indexes, the participation's
``(round, unit)`` key), never by a loop over every unit of the round.
"""

import time
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from django.core.cache import cache
from django.db import connection

from config.routers import read_connection
from surveys.figures import UnitInfo
from surveys.models import Participation, Round
from units.models import Unit
from units.paths import ancestors_of, subtree_end

OUTLINE_CACHE_SECONDS = 600  # a unit renamed by a bulk update (no signal) shows its new name after this
TREE_VERSION_KEY = "units:tree-version"

_UNIT, _PARTICIPATION = Unit._meta.db_table, Participation._meta.db_table
_COLUMNS = "u.id, u.code, u.name, u.kind, u.parent_id, u.path, u.depth"


@dataclass(frozen=True)
class Outline:
    """The units above the round's participants (tree order) and, for each, the kinds of round units below it.

    A scope is found by code or id, its children and the scopes below it by
    key (indexes built once per process and outline, not pickled into the
    cache): a page's lookups cost the same for 11 scopes and for 1,001.
    """

    scopes: list[UnitInfo]
    below: dict[int, dict[str, tuple[int, int]]]  # scope id -> kind -> (smallest depth, number of units)

    def __getstate__(self) -> dict:
        return {"scopes": self.scopes, "below": self.below}

    @cached_property
    def _by_code(self) -> dict[str, UnitInfo]:
        return {unit.code: unit for unit in self.scopes}

    @cached_property
    def _by_id(self) -> dict[int, UnitInfo]:
        return {unit.id: unit for unit in self.scopes}

    @cached_property
    def _children(self) -> dict[int, list[UnitInfo]]:
        children: dict[int, list[UnitInfo]] = defaultdict(list)
        for unit in self.scopes:
            children[unit.parent_id].append(unit)
        return {parent: sorted(units, key=lambda unit: unit.code) for parent, units in children.items()}

    @cached_property
    def _paths(self) -> list[str]:
        return [unit.path for unit in self.scopes]

    @cached_property
    def ids(self) -> tuple[int, ...]:
        return tuple(self._by_id)

    def scope(self, code: str) -> UnitInfo | None:
        return self._by_code.get(code)

    def unit(self, unit_id: int) -> UnitInfo | None:
        return self._by_id.get(unit_id)

    def levels(self, scope: UnitInfo) -> list[str]:
        """Unit kinds found below ``scope`` in the round: the shallowest first, then the most numerous."""
        return peer_levels_of(self.below.get(scope.id, {}))

    def contains(self, unit_id: int) -> bool:
        return unit_id in self._by_id

    def ancestors(self, unit) -> list[UnitInfo]:
        """The scopes above ``unit`` (anything with a ``path``), from the top down."""
        return [self._by_id[pk] for pk in ancestors_of(unit.path) if pk in self._by_id]

    def children(self, unit) -> list[UnitInfo]:
        """The scopes directly below ``unit``, by code (the order people look them up in)."""
        return self._children.get(unit.id, [])

    def strictly_below(self, unit) -> list[UnitInfo]:
        """The scopes strictly below ``unit``, in tree order: one slice of the sorted paths (a subtree is a range)."""
        start = bisect_left(self._paths, unit.path)
        end = bisect_left(self._paths, subtree_end(unit.path), lo=start)
        return [scope for scope in self.scopes[start:end] if scope.id != unit.id]


def peer_levels_of(kinds: dict[str, tuple[int, int]]) -> list[str]:
    """Kinds ordered as the form offers them: smallest depth first, then the most units, then by name (pure)."""
    return sorted(kinds, key=lambda kind: (kinds[kind][0], -kinds[kind][1], kind))


def outline_build(participants: list[tuple[int, str, int, str]], scopes: list[UnitInfo]) -> dict:
    """The kinds below each scope: from the participants' (id, kind, depth, path) and the scopes themselves (pure).

    A participant counts once under each of its ancestors; a scope that does
    not take part counts once under each scope above it.
    """
    below: dict[int, dict[str, list[int]]] = defaultdict(dict)
    taking_part = {row[0] for row in participants}
    entries = [(kind, depth, path) for _, kind, depth, path in participants]
    entries += [(s.kind, s.depth, s.path) for s in scopes if s.id not in taking_part]
    for kind, depth, path in entries:
        for ancestor in ancestors_of(path):
            _count(below[ancestor], kind, depth, 1)
    return {scope: {kind: (d, n) for kind, (d, n) in kinds.items()} for scope, kinds in below.items()}


def _count(kinds: dict, kind: str, depth: int, n: int) -> None:
    known = kinds.get(kind)
    kinds[kind] = (depth, n) if known is None else (min(known[0], depth), known[1] + n)


def _fetch(sql: str, params: list) -> list[tuple]:
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _infos(sql: str, params: list) -> list[UnitInfo]:
    """UnitInfo rows from a query selecting ``_COLUMNS`` then whether the unit takes part."""
    return [UnitInfo(*row[:7], participating=bool(row[7])) for row in _fetch(sql, params)]


def _taking_part(round_id: int) -> str:
    """The SQL of whether ``u`` takes part in the round (one probe of the participation's key)."""
    return f"EXISTS (SELECT 1 FROM {_PARTICIPATION} p WHERE p.round_id = {int(round_id)} AND p.unit_id = u.id)"


def round_outline(round: Round) -> Outline:
    """The round's outline, from the cache while its participants and the tree are unchanged.

    The key is read from two small cache entries (no count over the round's
    participants); this process keeps the last outlines it read, so a page
    does not unpickle 1,000 scopes on every request while the cache holds them.
    """
    key = _outline_key(round)
    known = _recent.get(key)
    if known is not None and cache.has_key(key):
        return known
    outline = cache.get(key)
    if outline is None:
        outline = _outline(round.id)
        cache.set(key, outline, OUTLINE_CACHE_SECONDS)
    if len(_recent) >= RECENT_OUTLINES:
        _recent.clear()
    _recent[key] = outline
    return outline


RECENT_OUTLINES = 8
_recent: dict[str, Outline] = {}


def _outline_key(round: Round) -> str:
    # A new round has a new key (participants are bulk-created with it); later changes bump its version.
    versions = cache.get_many([TREE_VERSION_KEY, _participants_key(round.pk)])
    parts = [round.pk, round.created_at.timestamp(), versions.get(_participants_key(round.pk))]
    return "surveys:outline:" + ":".join(str(part) for part in [*parts, versions.get(TREE_VERSION_KEY)])


def _participants_key(round_id: int) -> str:
    return f"surveys:participants-version:{round_id}"


def tree_changed(**kwargs) -> None:
    """Receiver of unit saves and deletions: every cached outline is read afresh."""
    cache.set(TREE_VERSION_KEY, time.time_ns(), None)


def participants_changed(*, instance: Participation, **kwargs) -> None:
    """Receiver of participation saves and deletions: the round's outline is read afresh."""
    cache.set(_participants_key(instance.round_id), time.time_ns(), None)


def _outline(round_id: int) -> Outline:
    if connection.vendor == "postgresql":
        # Each participant's ancestors are the first ``depth`` ids of its path: grouped in the database,
        # the answer has a row per (unit above, kind), not per participant.
        rows = _fetch(
            f"SELECT a.id::bigint, u.kind, MIN(u.depth), COUNT(*) FROM {_PARTICIPATION} p "
            f"JOIN {_UNIT} u ON u.id = p.unit_id "
            "CROSS JOIN LATERAL unnest((string_to_array(btrim(u.path, '/'), '/'))[1:u.depth]) AS a(id) "
            "WHERE p.round_id = %s GROUP BY a.id, u.kind",
            [round_id],
        )
        scope_ids = sorted({int(row[0]) for row in rows})
        scopes = _scope_infos(round_id, scope_ids)
        below: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
        for scope_id, kind, depth, n in rows:
            _count(below[int(scope_id)], kind, depth, n)
        for extra, kinds in outline_build([], [s for s in scopes if not s.participating]).items():
            for kind, (depth, n) in kinds.items():
                _count(below[extra], kind, depth, n)
        return Outline(scopes, dict(below))
    participants = _fetch(
        f"SELECT u.id, u.kind, u.depth, u.path FROM {_PARTICIPATION} p JOIN {_UNIT} u ON u.id = p.unit_id "
        "WHERE p.round_id = %s",
        [round_id],
    )
    scopes = _scope_infos(round_id, sorted({a for row in participants for a in ancestors_of(row[3])}))
    return Outline(scopes, outline_build(participants, scopes))


def _scope_infos(round_id: int, ids: list[int]) -> list[UnitInfo]:
    if not ids:
        return []
    sql = f"SELECT {_COLUMNS}, {_taking_part(round_id)} FROM {_UNIT} u WHERE u.id IN ({','.join(map(str, ids))})"
    return sorted(_infos(sql, []), key=lambda u: u.path)


def round_unit(round: Round, unit_id: int) -> UnitInfo | None:
    """The unit as a unit of the round (taking part, or above a unit that does); None otherwise."""
    rows = _infos(f"SELECT {_COLUMNS}, {_taking_part(round.id)} FROM {_UNIT} u WHERE u.id = %s", [unit_id])
    if not rows:
        return None
    if rows[0].participating:
        return rows[0]
    return round_outline(round).unit(unit_id)


def round_unit_infos(round: Round, unit_ids: list[int]) -> list[UnitInfo]:
    """The units ``unit_ids`` as units of the round, in tree order, read by key."""
    return _scope_infos(round.id, sorted(set(unit_ids)))


def _taking_part_where(round_id: int, where: str, params: list) -> list[UnitInfo]:
    """The units matching ``where`` (on ``u``, found by an index) that take part in the round.

    Each unit is probed by the participation's ``(round, unit)`` key. On
    PostgreSQL the probe is a ``LATERAL ... LIMIT 1``, which the planner
    cannot turn into a join: as a join it read every participant of the round
    into a hash (100,000 rows for a district's 100 schools, 16-38 ms of the
    district's ranking at 101k units; docs/performance.md).
    """
    if connection.vendor == "postgresql":
        probe = (
            f"CROSS JOIN LATERAL (SELECT 1 FROM {_PARTICIPATION} p WHERE p.round_id = %s AND p.unit_id = u.id "
            "LIMIT 1) p"
        )
    else:  # SQLite probes the participation's key for each unit found by the index
        probe = f"JOIN {_PARTICIPATION} p ON p.unit_id = u.id AND p.round_id = %s"
    return _infos(f"SELECT {_COLUMNS}, 1 FROM {_UNIT} u {probe} WHERE {where}", [round_id, *params])


def round_peers(round: Round, scope: UnitInfo, level: str) -> list[UnitInfo]:
    """The round's units of kind ``level`` strictly below ``scope``, in tree order (the ``(kind, path)`` index)."""
    taking_part = _taking_part_where(
        round.id, "u.kind = %s AND u.path LIKE %s AND u.id <> %s", [level, scope.path + "%", scope.id]
    )
    above = [s for s in round_outline(round).strictly_below(scope) if s.kind == level and not s.participating]
    return sorted(taking_part + above, key=lambda u: u.path)


def round_children(round: Round, unit: UnitInfo) -> list[UnitInfo]:
    """The round's units directly below ``unit``, in tree order (the ``parent`` index)."""
    taking_part = _taking_part_where(round.id, "u.parent_id = %s", [unit.id])
    above = [s for s in round_outline(round).children(unit) if not s.participating]
    return sorted(taking_part + above, key=lambda u: u.path)
