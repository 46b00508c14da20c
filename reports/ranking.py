"""Rankings of a round's peers, and the figures of one unit among them.

One source of truth: the ranking page, the JSON API and the Excel workbook all
show what these functions return. Votes come from ``round_figures`` (a fixed
number of queries per round), the maths from ``surveys.engine``; display
strings are made here once, so that a page of 1,000 rows only prints them.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from surveys.engine import Counts, VotesNeeded, competition_ranks, percent, rate, votes_to_target, wilson
from surveys.figures import CATEGORIES, RoundFigures, UnitInfo, round_figures
from surveys.models import Indicator, Option, Participation, ResultChange, Round, RoundIndicator, RoundStatus

OVERALL = "overall"  # the sort key of the overall rate; other sort keys are indicator codes
NO_DATA = "—"
# Worst to best: Excel's red-yellow-green colour scale in eleven steps. The page
# and the workbook use the same steps, so both show the same colours.
PALETTE = [
    "#f8696b",
    "#f98370",
    "#fa9d75",
    "#fcb77a",
    "#fdd17f",
    "#ffeb84",
    "#e0e383",
    "#c1da81",
    "#a2d07f",
    "#83c77d",
    "#63be7b",
]
EARLIER_ROUNDS_SHOWN = 20  # also a guard against a cycle of "previous round" links
FIGURES_CACHE_SECONDS = 600  # the longest a closed round's cached figures are trusted


@dataclass(slots=True)
class Figure:
    """A rate with its votes, rank among peers and colour, and how it is printed.

    Only the printed rate is made up front; the interval and the exact rate are
    computed when asked for (a table of 1,000 peers shows the interval of one
    column, not of seven).
    """

    votes: list[int]  # satisfied, basically satisfied, dissatisfied, excluded
    hundredths: int | None  # the rate shown, in hundredths of a percent (None: no data)
    text: str = NO_DATA
    rank: int | None = None
    colour: str = ""
    _interval: tuple | None = field(default=(), repr=False, compare=False)  # () until computed

    @classmethod
    def of(cls, votes: list[int]) -> "Figure":
        positive = votes[0] + votes[1]
        valid = positive + votes[2]
        if not valid:
            return cls(votes, None)
        shown = (positive * 20_000 + valid) // (2 * valid)  # hundredths(positive, valid), inlined: 7,000 calls a page
        return cls(votes, shown, f"{shown // 100}.{shown % 100:02d}")

    @classmethod
    def of_counts(cls, counts: Counts) -> "Figure":
        return cls.of([counts.satisfied, counts.basic, counts.dissatisfied, counts.excluded])

    @property
    def counts(self) -> Counts:
        return Counts(*self.votes)

    @property
    def valid(self) -> int:
        return self.votes[0] + self.votes[1] + self.votes[2]

    @property
    def rate(self) -> Fraction | None:
        """The exact rate (figures are ranked and compared on it, never on the rounded percent)."""
        return rate(self.counts)

    @property
    def percent(self) -> Decimal | None:
        """The rate shown: a percent rounded half-up to two decimals (equal to ``engine.percent``)."""
        return None if self.hundredths is None else Decimal(self.hundredths).scaleb(-2)

    @property
    def interval(self) -> tuple[float, float] | None:
        """The 95 % Wilson interval in percents, rounded to two decimals."""
        if self._interval == ():
            bounds = wilson(self.counts)
            self._interval = None if bounds is None else (round(bounds[0] * 100, 2), round(bounds[1] * 100, 2))
        return self._interval

    @property
    def interval_text(self) -> str:
        interval = self.interval
        return "" if interval is None else f"{interval[0]:.2f}–{interval[1]:.2f}"


def hundredths(numerator: int, denominator: int) -> int:
    """numerator / denominator as a percent in hundredths, rounded half away from zero.

    The same rounding as ``surveys.engine.percent`` (a test holds them equal), in
    integers: a page of 1,000 peers prints 7,000 rates and Fractions would cost more
    than the figures themselves.
    """
    size = abs(numerator) * 20_000 + denominator
    value = size // (2 * denominator)
    return value if numerator >= 0 else -value


@dataclass(slots=True)
class Row:
    """One peer in a ranking. ``cells[0]`` is the overall figure, then one per indicator."""

    unit: UnitInfo
    cells: list[Figure]
    target_met: bool | None = None
    votes_needed: VotesNeeded | None = None
    previous: Figure | None = None  # overall figure in the previous round, ranked among the same peers
    rate_change: Decimal | None = None  # percentage points
    rank_change: int | None = None  # places gained (negative: lost)
    sort_rank: int | None = None
    low_votes: bool = False
    not_clearly_different: bool = False
    line_below: bool = False
    rate_change_text: str = ""
    rank_change_text: str = ""

    @property
    def overall(self) -> Figure:
        return self.cells[0]

    @property
    def indicators(self) -> list[Figure]:
        return self.cells[1:]


@dataclass
class Ranking:
    figures: RoundFigures
    round: Round
    scope: UnitInfo
    level: str
    sort: str
    indicators: list[Indicator]
    rows: list[Row]
    previous_round: Round | None
    target_line_after: int | None  # rows above the target-rank line, None when no line is drawn

    @property
    def ranked(self) -> int:
        return sum(1 for row in self.rows if row.overall.rank is not None)

    @property
    def sort_column(self) -> int:
        """0 for the overall rate, n for the n-th indicator."""
        return sort_keys(self.figures).index(self.sort)

    def row_for(self, unit_id: int) -> Row | None:
        return next((row for row in self.rows if row.unit.id == unit_id), None)


# ---------------------------------------------------------------- choices


def ranking_scopes(figures: RoundFigures, visible: Callable[[UnitInfo], bool]) -> list[UnitInfo]:
    """Units that have units of the round below them and pass ``visible(unit)``, in tree order."""
    above = {int(part) for u in figures.units.values() for part in u.path.strip("/").split("/")[:-1]}
    return [u for u in figures.units.values() if u.id in above and visible(u)]


def peer_levels(figures: RoundFigures, scope: UnitInfo) -> list[str]:
    """Unit kinds found below ``scope`` in the round: the shallowest first, then the most numerous."""
    depth: dict[str, int] = {}
    count: dict[str, int] = {}
    for u in figures.units.values():
        if u.id != scope.id and u.path.startswith(scope.path):
            depth[u.kind] = min(depth.get(u.kind, u.depth), u.depth)
            count[u.kind] = count.get(u.kind, 0) + 1
    return sorted(depth, key=lambda kind: (depth[kind], -count[kind], kind))


def sort_keys(figures: RoundFigures) -> list[str]:
    return [OVERALL] + [indicator.code for indicator in figures.indicators]


# ---------------------------------------------------------------- the ranking


def ranking_for(round: Round, scope_code: str, level: str, sort: str = OVERALL) -> Ranking:
    """The ranking as the export command and the report task build it (checked parameters)."""
    figures = round_figures(round)
    scope = next((u for u in figures.units.values() if u.code == scope_code), None)
    if scope is None or not peer_levels(figures, scope):
        raise ValueError(
            _("No unit of round %(round)s lies below %(scope)s.") % {"round": round.code, "scope": scope_code}
        )
    if level not in peer_levels(figures, scope):
        raise ValueError(
            _("No unit of kind %(level)s lies below %(scope)s in round %(round)s.")
            % {"level": level, "scope": scope_code, "round": round.code}
        )
    return ranking_build(figures, scope, level, sort, previous_figures(round))


def previous_figures(round: Round) -> RoundFigures | None:
    return earlier_round_figures(round.previous) if round.previous_id else None


def earlier_round_figures(round: Round) -> RoundFigures:
    """The figures of an earlier round, from the cache while it stays closed and unchanged.

    Comparing with the previous round would otherwise read two rounds' figures
    for every ranking. A closed round's results cannot change (surveys.services
    refuses) until it is reopened, which is logged; participants and indicators
    are counted into the key; what the key cannot see (a unit moved in the
    tree) is read afresh after FIGURES_CACHE_SECONDS.
    """
    if round.status != RoundStatus.CLOSED:
        return round_figures(round)
    key = _figures_key(round)
    figures = cache.get(key)
    if figures is None:
        figures = round_figures(round)
        cache.set(key, figures, FIGURES_CACHE_SECONDS)
    return figures


def _figures_key(round: Round) -> str:
    """What identifies a closed round's figures, read from indexes in about a millisecond.

    Results change only in an open round, so reopening (a ResultChange without
    a unit, like opening, closing and imports) marks every change; MAX(id) over
    all of the round's changes would scan them.
    """
    marks = ResultChange.objects.filter(round=round, unit__isnull=True).order_by("-at", "-id")
    last_mark = marks.values_list("id", flat=True).first()
    units = Participation.objects.filter(round=round).aggregate(n=Count("id"), last=Max("id"))
    indicators = RoundIndicator.objects.filter(round=round).aggregate(n=Count("id"), last=Max("id"))
    # created_at too: SQLite may give a deleted round's id to a new one.
    parts = [round.pk, round.created_at.timestamp(), last_mark, units["n"], units["last"], indicators["n"]]
    return "reports:figures:" + ":".join(str(part) for part in parts + [indicators["last"]])


def ranking_build(
    figures: RoundFigures, scope: UnitInfo, level: str, sort: str = OVERALL, previous: RoundFigures | None = None
) -> Ranking:
    """The peers of ``level`` below ``scope``, ordered by the rate named by ``sort``, with every flag."""
    round = figures.round
    peers = figures.peers(scope, level)
    columns = [column_figures(votes, coloured=n > 0) for n, votes in enumerate(category_columns(figures, peers))]
    rows = [Row(unit, list(cells)) for unit, cells in zip(peers, zip(*columns, strict=True), strict=True)]
    _compare_with_previous(rows, previous, scope, level)
    _target_rate(rows, round.target_rate)
    column = sort_keys(figures).index(sort)
    rows.sort(key=lambda row: (row.cells[column].rank is None, row.cells[column].rank or 0, row.unit.code))
    _flag(rows, column, round.min_valid_votes)
    line = _target_line(rows, round.target_rank)
    previous_round = previous.round if previous else None
    return Ranking(figures, round, scope, level, sort, figures.indicators, rows, previous_round, line)


def category_columns(figures: RoundFigures, units: list[UnitInfo]) -> list[np.ndarray]:
    """Votes by category (satisfied, basic, dissatisfied, excluded) of ``units``: one units x 4 array
    for the overall figure, then one per indicator.

    The same numbers as ``figures.counts(unit, indicator)`` (a test holds them
    equal), read from the figures' per-unit rows at once: 7,000 method calls
    were a third of the time of a ranking of 1,000 peers.
    """
    cube = figures.category_cube([unit.id for unit in units]).reshape(
        len(units), len(figures.indicators) + 1, len(CATEGORIES)
    )
    return [cube[:, -1]] + [cube[:, i] for i in range(len(figures.indicators))]


def column_figures(votes: np.ndarray, coloured: bool) -> list[Figure]:
    """The figures of one column (units x 4 votes): printed rate, rank on the exact rate, colour."""
    positive = votes[:, 0] + votes[:, 1]
    valid = positive + votes[:, 2]
    # hundredths(positive, valid) for the whole column at once (valid > 0 where it is used)
    shown = ((positive * 20_000 + valid) // np.maximum(2 * valid, 1)).tolist()
    positives, valids = positive.tolist(), valid.tolist()
    ranks = competition_ranks(enumerate(rate_keys(positives, valids)))
    colours = _colours(positive, valid) if coloured else [""] * len(valids)
    return [
        Figure(cell, shown[i], f"{shown[i] // 100}.{shown[i] % 100:02d}", ranks[i], colours[i])
        if valids[i]
        else Figure(cell, None)
        for i, cell in enumerate(votes.tolist())
    ]


def rate_keys(positive: list[int], valid: list[int]) -> list[int | None]:
    """Whole numbers in the same order as the exact rates, equal exactly when the rates are equal.

    positive * 2**k // valid with 2**k >= (largest valid)**2: two different rates
    differ by at least 1 / (valid1 * valid2), which the shift turns into at least 1.
    Ranking on these is ranking on the exact rates, at the speed of integers.
    """
    shift = 2 * max(valid, default=0).bit_length()
    return [(p << shift) // v if v else None for p, v in zip(positive, valid, strict=True)]


def _colours(positive: np.ndarray, valid: np.ndarray) -> list[str]:
    """The palette step of each rate between the worst and best of the column (the middle when all are equal).

    Colours need no exact arithmetic: they are read from float rates.
    """
    rated = valid > 0
    if not rated.any():
        return [""] * len(valid)
    rates = positive / np.where(rated, valid, 1)
    worst, best = rates[rated].min(), rates[rated].max()
    middle = len(PALETTE) // 2
    share = (rates - worst) / (best - worst) if best > worst else np.full(len(rates), middle / (len(PALETTE) - 1))
    steps = np.rint(share * (len(PALETTE) - 1)).astype(int).tolist()
    return [PALETTE[step] if ok else "" for step, ok in zip(steps, rated.tolist(), strict=True)]


def _compare_with_previous(rows: list[Row], previous: RoundFigures | None, scope: UnitInfo, level: str) -> None:
    if previous is None:
        return
    # The previous round is ranked among its own peers of the same scope and level.
    peers = previous.peers(scope, level)
    overall = column_figures(category_columns(previous, peers)[0], coloured=False)
    before = {unit.id: figure for unit, figure in zip(peers, overall, strict=True)}
    for row in rows:
        old = before.get(row.unit.id)
        if old is None:
            continue
        row.previous = old
        if row.overall.valid and old.valid:
            change = points_hundredths(row.overall.votes, old.votes)
            row.rate_change = Decimal(change).scaleb(-2)
            row.rate_change_text = f"{'-' if change < 0 else '+'}{abs(change) // 100}.{abs(change) % 100:02d}"
        if row.overall.rank is not None and old.rank is not None:
            row.rank_change = old.rank - row.overall.rank
            row.rank_change_text = _rank_change_text(row.rank_change)


def points(now: Counts, before: Counts) -> Decimal:
    """The change of the exact rate in percentage points, rounded half away from zero."""
    votes = [[c.satisfied, c.basic, c.dissatisfied, c.excluded] for c in (now, before)]
    return Decimal(points_hundredths(*votes)).scaleb(-2)


def points_hundredths(now: list[int], before: list[int]) -> int:
    """``points`` in hundredths of a point, from votes by category."""
    now_positive, before_positive = now[0] + now[1], before[0] + before[1]
    now_valid, before_valid = now_positive + now[2], before_positive + before[2]
    return hundredths(now_positive * before_valid - before_positive * now_valid, now_valid * before_valid)


def _rank_change_text(change: int) -> str:
    if change > 0:
        return f"↑{change}"
    if change < 0:
        return f"↓{-change}"
    return "="


def _target_rate(rows: list[Row], target_rate: Decimal | None) -> None:
    if target_rate is None:
        return
    target = Fraction(target_rate) / 100
    for row in rows:
        counts = row.overall.counts
        if counts.valid:
            # positive / valid >= target, in whole numbers
            row.target_met = counts.positive * target.denominator >= target.numerator * counts.valid
            row.votes_needed = None if row.target_met else votes_needed(counts, target)


def votes_needed(counts: Counts, target: Fraction) -> VotesNeeded | None:
    """``surveys.engine.votes_to_target`` in whole numbers (a test holds them equal); ``target`` as a share of 1.

    shortfall = target * valid - positive; convert = ceil(shortfall);
    gain = ceil(shortfall / (1 - target)); here multiplied through by the denominator.
    """
    positive, valid = counts.positive, counts.valid
    numerator, denominator = target.numerator, target.denominator
    if not valid or positive * denominator >= numerator * valid:
        return None
    short = numerator * valid - positive * denominator
    gain = None if numerator == denominator else -(-short // (denominator - numerator))
    return VotesNeeded(convert=-(-short // denominator), gain=gain)


def _flag(rows: list[Row], column: int, min_valid_votes: int) -> None:
    """Sort rank, low-vote flag and "not clearly different" (the interval overlaps the one of the row above)."""
    above = None
    for row in rows:
        cell = row.cells[column]
        row.sort_rank = cell.rank
        row.low_votes = cell.valid < min_valid_votes
        interval = cell.interval
        if above and interval:
            row.not_clearly_different = interval[0] <= above[1] and above[0] <= interval[1]
        above = interval


def _target_line(rows: list[Row], target_rank: int | None) -> int | None:
    """Mark the last row within the target rank, unless every row is within it."""
    if not target_rank:
        return None
    within = [i for i, row in enumerate(rows) if row.sort_rank is not None and row.sort_rank <= target_rank]
    if not within or within[-1] == len(rows) - 1:
        return None
    rows[within[-1]].line_below = True
    return within[-1] + 1


# ---------------------------------------------------------------- one unit


@dataclass(frozen=True, slots=True)
class IndicatorLine:
    indicator: Indicator
    figure: Figure  # ranked among the peers when there are peers
    option_counts: list[int]
    peers_average: Decimal | None  # the mean of the peers' rates (each peer weighs the same), percent

    @property
    def peers_average_text(self) -> str:
        return NO_DATA if self.peers_average is None else str(self.peers_average)


@dataclass(frozen=True, slots=True)
class RankGap:
    """What it takes to pass ``rival``, the peer now at the target rank."""

    rival: UnitInfo
    rival_figure: Figure
    convert: int | None  # None: converting every dissatisfied vote is not enough
    gain: int | None  # None: no number of new positive votes is enough (the rival is at 100 %)


@dataclass(frozen=True, slots=True)
class TrendPoint:
    round: Round
    figure: Figure  # ranked among the same scope and level in that round
    ranked: int


@dataclass
class UnitReport:
    round: Round
    unit: UnitInfo
    scope: UnitInfo | None
    options: list[Option]
    overall: Figure
    row: Row | None  # the unit's row among its peers (None without a scope)
    ranked: int  # peers with a rank, the unit included
    lines: list[IndicatorLine]
    weakest: list[IndicatorLine]
    rank_gap: RankGap | None
    trend: list[TrendPoint]
    children: list[tuple[UnitInfo, Figure]] = field(default_factory=list)

    @property
    def target_met(self) -> bool | None:
        return _met(self.overall, self.round.target_rate)

    @property
    def votes_needed(self) -> VotesNeeded | None:
        if self.round.target_rate is None:
            return None
        return votes_to_target(self.overall.counts, self.round.target_rate)

    @property
    def rank_met(self) -> bool | None:
        if not self.round.target_rank or self.overall.rank is None:
            return None
        return self.overall.rank <= self.round.target_rank


def _met(figure: Figure, target_rate: Decimal | None) -> bool | None:
    if target_rate is None or figure.rate is None:
        return None
    return figure.rate >= Fraction(target_rate) / 100


WEAKEST_SHOWN = 3


def unit_report_for(round: Round, unit: UnitInfo, scope: UnitInfo | None, figures: RoundFigures) -> UnitReport:
    """The unit page: its figures among its peers below ``scope``, and its trend over the earlier rounds."""
    history = [earlier_round_figures(earlier) for earlier in earlier_rounds(round)]
    return unit_report_build(figures, unit, scope, history)


def earlier_rounds(round: Round) -> list[Round]:
    """The chain of previous rounds, the latest first."""
    chain, seen, earlier = [], {round.id}, round.previous
    while earlier is not None and earlier.id not in seen and len(chain) < EARLIER_ROUNDS_SHOWN:
        chain.append(earlier)
        seen.add(earlier.id)
        earlier = earlier.previous
    return chain


def unit_report_build(
    figures: RoundFigures, unit: UnitInfo, scope: UnitInfo | None, history: list[RoundFigures]
) -> UnitReport:
    ranking = ranking_build(figures, scope, unit.kind, OVERALL, history[0] if history else None) if scope else None
    row = ranking.row_for(unit.id) if ranking else None
    cells = row.cells if row else [Figure.of_counts(figures.counts(unit.id, i)) for i in [None] + _ids(figures)]
    lines = [
        IndicatorLine(indicator, cells[n + 1], figures.option_counts(unit.id, indicator.id), _average(ranking, n + 1))
        for n, indicator in enumerate(figures.indicators)
    ]
    rated = sorted((line for line in lines if line.figure.rate is not None), key=lambda line: line.figure.rate)
    return UnitReport(
        round=figures.round,
        unit=unit,
        scope=scope,
        options=figures.options,
        overall=cells[0],
        row=row,
        ranked=ranking.ranked if ranking else 0,
        lines=lines,
        weakest=rated[:WEAKEST_SHOWN],
        rank_gap=_rank_gap(ranking, row),
        trend=_trend(history[::-1] + [figures], unit, scope),
        children=[
            (u, Figure.of_counts(figures.counts(u.id))) for u in figures.units.values() if u.parent_id == unit.id
        ],
    )


def _ids(figures: RoundFigures) -> list[int]:
    return [indicator.id for indicator in figures.indicators]


def _average(ranking: Ranking | None, column: int) -> Decimal | None:
    if ranking is None:
        return None
    rates = [row.cells[column].rate for row in ranking.rows if row.cells[column].rate is not None]
    return percent(sum(rates, Fraction(0)) / len(rates)) if rates else None


def _rank_gap(ranking: Ranking | None, row: Row | None) -> RankGap | None:
    """Votes to pass the peer now at the target rank; None when there is no such peer or the unit is within it."""
    target_rank = ranking.round.target_rank if ranking else None
    if not target_rank or row is None:
        return None
    if row.overall.rank is not None and row.overall.rank <= target_rank:
        return None
    others = [r for r in ranking.rows if r is not row and r.overall.rank is not None]  # in rank order
    if len(others) < target_rank:
        return None
    rival = others[target_rank - 1]
    convert, gain = votes_to_pass(row.overall.counts, rival.overall.rate)
    return RankGap(rival.unit, rival.overall, convert, gain)


def votes_to_pass(counts: Counts, other: Fraction) -> tuple[int | None, int | None]:
    """(votes to convert, new positive votes) for a rate strictly above ``other``.

    Converting: the least c with (positive + c) / valid > other, at most the dissatisfied votes.
    Gaining: the least g with (positive + g) / (valid + g) > other.
    """
    shortfall = other * counts.valid - counts.positive
    if shortfall < 0:
        return 0, 0
    convert = math.floor(shortfall) + 1
    convert = convert if counts.valid and convert <= counts.dissatisfied else None
    gain = None if other >= 1 else math.floor(shortfall / (1 - other)) + 1
    return convert, gain


def _trend(rounds: list[RoundFigures], unit: UnitInfo, scope: UnitInfo | None) -> list[TrendPoint]:
    """The unit's overall rate in each round where it has figures, the oldest first."""
    points_ = []
    for figures in rounds:
        if unit.id not in figures:
            continue
        figure = Figure.of_counts(figures.counts(unit.id))
        ranked = 0
        if scope is not None:
            peers = {u.id: figures.rate(u.id) for u in figures.peers(scope, unit.kind)}
            ranks = competition_ranks(peers.items())
            figure.rank, ranked = ranks.get(unit.id), len(ranks)
        points_.append(TrendPoint(figures.round, figure, ranked))
    return points_
