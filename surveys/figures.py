"""All figures of a round, computed by the database in a fixed number of queries.

The database returns the votes per unit x indicator x option (maintained
tallies plus reported counts, a few thousand rows); numpy pools them up the
tree, so that every ancestor of a participating unit gets the votes of
everything below it. Rates are then read from plain numbers with the pure
``surveys.engine``.
"""

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from django.db import connection

from config.routers import read_connection
from surveys.engine import Counts, percent, rate
from surveys.models import (
    Category,
    Indicator,
    Option,
    Participation,
    PooledDelta,
    PooledTally,
    ReportedCount,
    Round,
    Tally,
)
from units.models import Unit
from units.paths import common_path, ids_of, is_strictly_under, parent_path

CATEGORIES = [Category.SATISFIED, Category.BASIC, Category.DISSATISFIED, Category.EXCLUDED]


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    path: str
    depth: int
    participating: bool


class RoundFigures:
    """Votes of every participating unit and every unit above them, per indicator and overall."""

    def __init__(self, round: Round, indicators: list[Indicator], options: list[Option], units: list[UnitInfo], votes):
        self.round = round
        self.indicators = indicators
        self.options = options
        self.units = {u.id: u for u in units}
        self._row = {u.id: row for row, u in enumerate(units)}
        self._column = {indicator.id: column for column, indicator in enumerate(indicators)}
        self.votes = votes  # units x indicators x options, pooled up the tree
        category_of = np.zeros((len(options), len(CATEGORIES)), dtype=np.int64)
        for o, option in enumerate(options):
            category_of[o, CATEGORIES.index(option.category)] = 1
        by_category = votes @ category_of  # units x indicators x categories
        # The overall figure pools every indicator's votes: it goes in the last column.
        self._categories = np.concatenate([by_category, by_category.sum(axis=1, keepdims=True)], axis=1)

    def __contains__(self, unit_id: int) -> bool:
        return unit_id in self._row

    def counts(self, unit_id: int, indicator_id: int | None = None) -> Counts:
        """Votes by category of a unit (pooled with its subtree); overall when ``indicator_id`` is None."""
        column = -1 if indicator_id is None else self._column[indicator_id]
        return Counts(*self._categories[self._row[unit_id], column].tolist())

    def category_cube(self, unit_ids: list[int]) -> np.ndarray:
        """Votes by category of many units at once: units x (indicators in order, then overall) x 4 categories."""
        return self._categories[[self._row[unit_id] for unit_id in unit_ids]]

    def rate(self, unit_id: int, indicator_id: int | None = None) -> Fraction | None:
        return rate(self.counts(unit_id, indicator_id))

    def option_counts(self, unit_id: int, indicator_id: int | None = None) -> list[int]:
        """Votes per option of the scale, in scale order."""
        cube = self.votes[self._row[unit_id]]
        values = cube.sum(axis=0) if indicator_id is None else cube[self._column[indicator_id]]
        return [int(v) for v in values]

    def participants(self) -> list[UnitInfo]:
        return [u for u in self.units.values() if u.participating]

    def peers(self, scope: Unit | UnitInfo, kind: str) -> list[UnitInfo]:
        """Units of ``kind`` below ``scope`` that have figures in this round."""
        return [u for u in self.units.values() if u.kind == kind and is_strictly_under(u.path, scope.path)]


_UNIT_COLUMNS = "u.id, u.code, u.name, u.kind, u.parent_id, u.path, u.depth"


def _fetch(sql: str, params: list) -> list[tuple]:
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _unit_infos(round_id: int) -> list[UnitInfo]:
    """Participating units and every unit above them (two queries, no ORM objects: this is on the hot path).

    The participants' units are read by primary key (``= ANY(ARRAY(...))``):
    as a join the planner read every unit of the database to find a round's
    1,000 (42 ms against 2 ms, with 100,000 units of other rounds beside).
    """
    unit, participation = Unit._meta.db_table, Participation._meta.db_table
    if connection.vendor == "postgresql":
        taking_part = f"u.id = ANY(ARRAY(SELECT unit_id FROM {participation} WHERE round_id = %s))"
    else:
        taking_part = f"u.id IN (SELECT unit_id FROM {participation} WHERE round_id = %s)"
    participants = _fetch(f"SELECT {_UNIT_COLUMNS} FROM {unit} u WHERE {taking_part}", [round_id])
    known = {row[0] for row in participants}
    # Units above: those on the paths of the participants' parents, of which there are few.
    parents = {parent_path(row[5]) for row in participants}
    above = {pk for path in parents for pk in ids_of(path)} - known
    ancestors = _fetch(
        f"SELECT {_UNIT_COLUMNS} FROM {unit} u WHERE u.id IN ({','.join(map(str, above)) or 'NULL'})", []
    )
    infos = [UnitInfo(*row, participating=True) for row in participants]
    infos += [UnitInfo(*row, participating=False) for row in ancestors]
    return sorted(infos, key=lambda u: u.path)


def _vote_rows(round_id: int) -> np.ndarray:
    """(unit, indicator, option, votes) rows: questionnaire tallies and reported counts."""
    tally, reported = Tally._meta.db_table, ReportedCount._meta.db_table
    rows = (
        f"SELECT unit_id, indicator_id, option_id, count FROM {tally} WHERE round_id = %s AND count <> 0 UNION ALL "
        f"SELECT unit_id, indicator_id, option_id, count FROM {reported} WHERE round_id = %s AND count <> 0"
    )
    return _int_rows(rows, [round_id, round_id])


def _int_rows(sql: str, params: list) -> np.ndarray:
    """The (unit_id, indicator_id, option_id, count) rows that ``sql`` selects, as an n x 4 array.

    On PostgreSQL they travel as one text of numbers that numpy parses in C:
    measured on 24,000 and 2.1 million rows, half the time of as many row
    tuples and less than four arrays (``array_agg``), which psycopg converts
    number by number (docs/performance.md).
    """
    if connection.vendor == "postgresql":
        text = _fetch(
            f"SELECT string_agg(concat_ws(',', v.unit_id, v.indicator_id, v.option_id, v.count), ',') FROM ({sql}) v",
            params,
        )[0][0]
        return np.fromstring(text or "", dtype=np.int64, sep=",").reshape(-1, 4)
    return np.array(_fetch(sql, params), dtype=np.int64).reshape(-1, 4)


def _positions(ids: np.ndarray, position: dict[int, int]) -> np.ndarray:
    """``position[id]`` for each id, or -1 where missing (a lookup table: no per-row Python)."""
    table = np.full(max(int(ids.max(initial=0)), max(position, default=0)) + 1, -1, dtype=np.int64)
    table[np.fromiter(position.keys(), dtype=np.int64)] = np.fromiter(position.values(), dtype=np.int64)
    return table[ids]


def round_figures(round: Round) -> RoundFigures:
    indicators = round.ordered_indicators()
    options = list(Option.objects.filter(scale_id=round.scale_id).order_by("number"))
    units = _unit_infos(round.id)
    shape = (len(units), len(indicators), len(options))
    leaf = np.zeros(shape, dtype=np.int64)
    rows = _vote_rows(round.id)
    if len(rows):
        u = _positions(rows[:, 0], {x.id: r for r, x in enumerate(units) if x.participating})
        i = _positions(rows[:, 1], {x.id: c for c, x in enumerate(indicators)})
        o = _positions(rows[:, 2], {x.id: c for c, x in enumerate(options)})
        # Votes of units no longer taking part, or of indicators removed, are not figures of this round.
        keep = (u >= 0) & (i >= 0) & (o >= 0)
        flat = np.ravel_multi_index((u[keep], i[keep], o[keep]), shape)
        leaf = np.bincount(flat, weights=rows[keep, 3], minlength=leaf.size).astype(np.int64).reshape(shape)
    return RoundFigures(round, indicators, options, units, _pool_up(units, leaf))


def figures_of(round: Round, units: list[UnitInfo]) -> RoundFigures:
    """The figures of ``units`` only, each pooled with its whole subtree: what a page of a scope shows.

    Read by key, whatever the round's size: a unit's own tally (when it takes
    part) plus its pooled tally (everything below it), plus the reported
    counts of its subtree. The same numbers as ``round_figures`` gives those
    units (a test holds them equal).
    """
    indicators, options = _vocabulary(round)
    units = sorted({u.id: u for u in units}.values(), key=lambda u: u.path)
    shape = (len(units), len(indicators), len(options))
    row_of = {u.id: r for r, u in enumerate(units)}
    rows = np.concatenate([_keyed_rows(round.id, units), _reported_rows(round.id, units, row_of)])
    votes = np.zeros(shape, dtype=np.int64)
    if len(rows):
        u = _positions(rows[:, 0], row_of)
        i = _positions(rows[:, 1], {x.id: c for c, x in enumerate(indicators)})
        o = _positions(rows[:, 2], {x.id: c for c, x in enumerate(options)})
        keep = (u >= 0) & (i >= 0) & (o >= 0)
        flat = np.ravel_multi_index((u[keep], i[keep], o[keep]), shape)
        votes = np.bincount(flat, weights=rows[keep, 3], minlength=votes.size).astype(np.int64).reshape(shape)
    return RoundFigures(round, indicators, options, units, votes)


def _vocabulary(round: Round) -> tuple[list, list]:
    """The round's indicators and options, read once per ``Round`` object: a page reads the figures of
    several scopes of one round (the unit, its peers, the units below target)."""
    if not hasattr(round, "_figures_vocabulary"):
        options = list(Option.objects.filter(scale_id=round.scale_id).order_by("number"))
        round._figures_vocabulary = (round.ordered_indicators(), options)
    return round._figures_vocabulary


def _keyed_rows(round_id: int, units: list[UnitInfo]) -> np.ndarray:
    """(unit, indicator, option, votes): own tallies of the units taking part, pooled tallies of all of them
    and their deltas not folded yet (one statement: one snapshot, so a fold meanwhile changes nothing)."""
    own = ",".join(str(u.id) for u in units if u.participating) or "NULL"
    every = ",".join(str(u.id) for u in units) or "NULL"
    sql = (
        f"SELECT unit_id, indicator_id, option_id, count FROM {Tally._meta.db_table} "
        f"WHERE round_id = %s AND unit_id IN ({own}) AND count <> 0 UNION ALL "
        f"SELECT unit_id, indicator_id, option_id, count FROM {PooledTally._meta.db_table} "
        f"WHERE round_id = %s AND unit_id IN ({every}) AND count <> 0 UNION ALL "
        f"SELECT unit_id, indicator_id, option_id, count FROM {PooledDelta._meta.db_table} "
        f"WHERE round_id = %s AND unit_id IN ({every})"
    )
    return _int_rows(sql, [round_id] * 3)


def _reported_rows(round_id: int, units: list[UnitInfo], row_of: dict[int, int]) -> np.ndarray:
    """Reported counts of the units' subtrees (participants only), each row once for every unit above it.

    Reported counts are not pooled by the writer (they are few: totals per
    unit), so they are read below the units' common ancestor and pooled here.
    """
    if not units:
        return np.zeros((0, 4), dtype=np.int64)
    unit, reported, participation = Unit._meta.db_table, ReportedCount._meta.db_table, Participation._meta.db_table
    found = _fetch(
        f"SELECT u.path, r.indicator_id, r.option_id, r.count FROM {reported} r "
        f"JOIN {participation} p ON p.round_id = r.round_id AND p.unit_id = r.unit_id "
        f"JOIN {unit} u ON u.id = r.unit_id WHERE r.round_id = %s AND r.count <> 0 AND u.path LIKE %s",
        [round_id, common_path([u.path for u in units]) + "%"],
    )
    rows = [(pk, i, o, n) for path, i, o, n in found for pk in ids_of(path) if pk in row_of]
    return np.array(rows, dtype=np.int64).reshape(-1, 4)


def _pool_up(units: list[UnitInfo], leaf: np.ndarray) -> np.ndarray:
    """Each unit's votes plus those of every unit below it: add each level into its parents, deepest first."""
    row = {u.id: r for r, u in enumerate(units)}
    parent = np.fromiter((row.get(u.parent_id, -1) for u in units), dtype=np.int64, count=len(units))
    depth = np.fromiter((u.depth for u in units), dtype=np.int64, count=len(units))
    pooled = leaf.copy()
    for level in np.unique(depth)[::-1]:
        child = np.flatnonzero((depth == level) & (parent >= 0))
        if len(child):
            np.add.at(pooled, parent[child], pooled[child])
    return pooled


def counts_json(counts: Counts) -> dict:
    """Votes by category and the rate (percent, two decimals; null without data), with English keys."""
    value = percent(rate(counts))
    return {
        "satisfied": counts.satisfied,
        "basically_satisfied": counts.basic,
        "dissatisfied": counts.dissatisfied,
        "excluded": counts.excluded,
        "valid": counts.valid,
        "rate": None if value is None else float(value),
    }
