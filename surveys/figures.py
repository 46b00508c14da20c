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

from surveys.engine import Counts, percent, rate
from surveys.models import Category, Indicator, Option, ReportedCount, Round, Tally
from units.models import Unit

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
        self._categories = np.concatenate([by_category, by_category.sum(axis=1, keepdims=True)], axis=1).tolist()

    def __contains__(self, unit_id: int) -> bool:
        return unit_id in self._row

    def counts(self, unit_id: int, indicator_id: int | None = None) -> Counts:
        """Votes by category of a unit (pooled with its subtree); overall when ``indicator_id`` is None."""
        row = self._categories[self._row[unit_id]]
        return Counts(*row[-1 if indicator_id is None else self._column[indicator_id]])

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
        return [u for u in self.units.values() if u.kind == kind and u.path.startswith(scope.path) and u.id != scope.id]


def _unit_infos(round_id: int) -> list[UnitInfo]:
    fields = ["id", "code", "name", "kind", "parent_id", "path", "depth"]
    participants = list(Unit.objects.filter(participations__round_id=round_id).values_list(*fields))
    participant_ids = {row[0] for row in participants}
    ancestor_ids = {int(part) for row in participants for part in row[5].strip("/").split("/")[:-1]}
    ancestors = Unit.objects.filter(pk__in=ancestor_ids - participant_ids).values_list(*fields)
    infos = [UnitInfo(*row, participating=True) for row in participants]
    infos += [UnitInfo(*row, participating=False) for row in ancestors]
    return sorted(infos, key=lambda u: u.path)


def _vote_rows(round_id: int) -> np.ndarray:
    """(unit, indicator, option, votes) rows: questionnaire tallies and reported counts."""
    tally, reported = Tally._meta.db_table, ReportedCount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT unit_id, indicator_id, option_id, count FROM {tally} WHERE round_id = %s AND count <> 0 "
            f"UNION ALL SELECT unit_id, indicator_id, option_id, count FROM {reported} WHERE round_id = %s AND count <> 0",
            [round_id, round_id],
        )
        rows = cursor.fetchall()
    return np.array(rows, dtype=np.int64).reshape(-1, 4)


def _positions(ids: np.ndarray, known: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``ids`` in the sorted ``known`` ids, and a mask of those found."""
    order = np.array(sorted(known), dtype=np.int64)
    rank = np.argsort(np.array(known, dtype=np.int64))
    if len(order) == 0:
        return np.zeros(len(ids), dtype=np.int64), np.zeros(len(ids), dtype=bool)
    at = np.clip(np.searchsorted(order, ids), 0, len(order) - 1)
    found = order[at] == ids
    return rank[at], found


def round_figures(round: Round) -> RoundFigures:
    indicators = round.ordered_indicators()
    options = list(Option.objects.filter(scale_id=round.scale_id).order_by("number"))
    units = _unit_infos(round.id)
    rows = _vote_rows(round.id)
    leaf = np.zeros((len(units), len(indicators), len(options)), dtype=np.int64)
    if len(rows):
        u, u_ok = _positions(rows[:, 0], [x.id for x in units])
        i, i_ok = _positions(rows[:, 1], [x.id for x in indicators])
        o, o_ok = _positions(rows[:, 2], [x.id for x in options])
        # Votes of units no longer taking part, or of indicators removed, are not figures of this round.
        keep = u_ok & i_ok & o_ok & np.isin(rows[:, 0], [x.id for x in units if x.participating])
        np.add.at(leaf, (u[keep], i[keep], o[keep]), rows[keep, 3])
    return RoundFigures(round, indicators, options, units, _pool_up(units, leaf))


def _pool_up(units: list[UnitInfo], leaf: np.ndarray) -> np.ndarray:
    """Each unit's votes plus those of every unit below it."""
    row = {u.id: r for r, u in enumerate(units)}
    source, target = [], []
    for r, unit in enumerate(units):
        if not unit.participating:
            continue
        for part in unit.path.strip("/").split("/"):
            if int(part) in row:
                source.append(r)
                target.append(row[int(part)])
    pooled = np.zeros_like(leaf)
    np.add.at(pooled, np.array(target, dtype=np.int64), leaf[np.array(source, dtype=np.int64)])
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
