"""Rankings of a round's peers (the figures of one unit among them: ``reports.unit_report``).

One source of truth: the ranking page, the JSON API and the Excel workbook all
show what these functions return. Votes come from ``figures_of`` (the peers'
figures only, read by key: ``surveys.figures``), the units from
``surveys.outline``, the maths from ``surveys.engine``; display
strings are made here once, so that a page of 1,000 rows only prints them.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from sampling.checks import PageChecks, SampleCheck, page_checks
from surveys.engine import (
    Counts,
    VotesNeeded,
    column_ranks,
    interval_units,
    percent_units,
    points_units,
    rate,
    reaches,
    target_share,
    votes_to_share,
)
from surveys.figures import CATEGORIES, RoundFigures, UnitInfo, figures_of, round_figures
from surveys.models import Indicator, Participation, ResultChange, Round, RoundIndicator, RoundStatus
from surveys.outline import round_outline, round_peers, round_unit

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
FIGURES_CACHE_SECONDS = 600  # the longest a closed round's cached figures are trusted
ROWS_PER_PAGE = 100  # rows of the ranking page's table (the API and the workbook keep every row)


@dataclass(slots=True)
class Figure:
    """A rate with its votes, rank among peers and colour, and how it is printed.

    The printed rate, the interval and the exact rate are computed when asked
    for: a ranking of 1,000 peers ranks all of them, but its page prints 100
    rows, and the interval of one column, not of seven.
    """

    votes: list[int]  # satisfied, basically satisfied, dissatisfied, excluded
    hundredths: int | None  # the rate shown, in hundredths of a percent (None: no data)
    rank: int | None = None
    colour: str = ""
    _interval: tuple | None = field(default=(), repr=False, compare=False)  # () until computed

    @classmethod
    def of(cls, votes: list[int]) -> "Figure":
        positive = votes[0] + votes[1]
        valid = positive + votes[2]
        if not valid:
            return cls(votes, None)
        return cls(votes, percent_units(positive, valid))

    @classmethod
    def of_counts(cls, counts: Counts) -> "Figure":
        return cls.of([counts.satisfied, counts.basic, counts.dissatisfied, counts.excluded])

    @property
    def text(self) -> str:
        """The rate as printed ("91.11"), or "—" without data."""
        return NO_DATA if self.hundredths is None else hundredths_text(self.hundredths)

    @property
    def counts(self) -> Counts:
        return Counts(*self.votes)

    @property
    def positive(self) -> int:
        return self.votes[0] + self.votes[1]

    @property
    def valid(self) -> int:
        return self.positive + self.votes[2]

    @property
    def rate(self) -> Fraction | None:
        """The exact rate (figures are ranked and compared on it, never on the rounded percent)."""
        return rate(self.counts)

    @property
    def percent(self) -> Decimal | None:
        """The rate shown: a percent rounded half-up to two decimals (equal to ``engine.percent``)."""
        return None if self.hundredths is None else Decimal(self.hundredths).scaleb(-2)

    @property
    def interval_hundredths(self) -> tuple[int, int] | None:
        """The 95 % Wilson interval in hundredths of a percent, rounded as the engine rounds."""
        if self._interval == ():
            self._interval = interval_units(self.counts)
        return self._interval

    @property
    def interval(self) -> tuple[float, float] | None:
        """The 95 % Wilson interval in percents, two decimals."""
        units = self.interval_hundredths
        return None if units is None else (units[0] / 100, units[1] / 100)

    @property
    def interval_text(self) -> str:
        units = self.interval_hundredths
        return "" if units is None else f"{hundredths_text(units[0])}–{hundredths_text(units[1])}"


def hundredths_text(value: int) -> str:
    """Hundredths of a percent (or of a point) as printed: 9111 -> "91.11", -1333 -> "-13.33"."""
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value) // 100}.{abs(value) % 100:02d}"


@dataclass(slots=True)
class Column:
    """One column of a ranking (the overall rate, or one indicator's) for every peer: votes, printed rate,
    rank on the exact rate, colour. A peer's ``Figure`` is made when its row is printed or read."""

    votes: np.ndarray  # peers x (satisfied, basically satisfied, dissatisfied, excluded)
    valid: list[int]
    shown: list[int]  # the printed rates, in hundredths of a percent
    ranks: list[int | None]  # None: no valid votes, no rank
    colours: list[str]

    def figure(self, peer: int) -> Figure:
        votes = self.votes[peer].tolist()
        if not self.valid[peer]:
            return Figure(votes, None)
        return Figure(votes, self.shown[peer], self.ranks[peer], self.colours[peer])


@dataclass(slots=True)
class Row:
    """One peer in a ranking. ``cells[0]`` is the overall figure, then one per indicator."""

    unit: UnitInfo
    peer: int  # the peer's place in the columns
    columns: list[Column]
    target: Fraction | None = None  # the round's target rate as a share of 1 (None: it sets none)
    previous: Figure | None = None  # overall figure in the previous round, ranked among the same peers
    rate_change: Decimal | None = None  # percentage points
    rank_change: int | None = None  # places gained (negative: lost)
    low_votes: bool = False
    sorted: int = 0  # the column sorted on
    row_above: "Row | None" = None
    line_below: bool = False
    rate_change_text: str = ""
    rank_change_text: str = ""
    # With ``ranking_checked``: the sample (a plan only), the margin of the overall rate, 数据存疑's rate.
    sample: SampleCheck | None = None
    margin: Decimal | None = None
    doubtful: Decimal | None = None
    _cells: list[Figure | None] | None = field(default=None, repr=False, compare=False)

    # What follows is worked out when asked for: a ranking of 1,000 peers prints 100 of them on its page.

    def cell(self, column: int) -> Figure:
        """The figure of ``column`` (0: overall), made the first time it is asked for."""
        if self._cells is None:
            self._cells = [None] * len(self.columns)
        if self._cells[column] is None:
            self._cells[column] = self.columns[column].figure(self.peer)
        return self._cells[column]

    @property
    def cells(self) -> list[Figure]:
        return [self.cell(column) for column in range(len(self.columns))]

    def rank(self, column: int) -> int | None:
        """The rank in ``column`` (0: overall), without making the row's figures."""
        return self.columns[column].ranks[self.peer]

    @property
    def sort_rank(self) -> int | None:
        """The rank in the column sorted on."""
        return self.rank(self.sorted)

    @property
    def sorted_cell(self) -> Figure:
        return self.cell(self.sorted)

    @property
    def above(self) -> Figure | None:
        """The figure of the column sorted on in the row above."""
        return None if self.row_above is None else self.row_above.sorted_cell

    @property
    def target_met(self) -> bool | None:
        """Whether the overall rate reaches the round's target (None: no target, or no data)."""
        return None if self.target is None else reaches(self.overall.counts, self.target)

    @property
    def votes_needed(self) -> VotesNeeded | None:
        return None if self.target is None else votes_to_share(self.overall.counts, self.target)

    @property
    def not_clearly_different(self) -> bool:
        """The 95 % interval of the sorted column overlaps the one of the row above."""
        if self.row_above is None:
            return False
        interval, above = self.sorted_cell.interval_hundredths, self.above.interval_hundredths
        return bool(interval and above and interval[0] <= above[1] and above[0] <= interval[1])

    @property
    def below_plan(self) -> bool | None:
        return None if self.sample is None else self.sample.below_plan

    @property
    def margin_text(self) -> str:
        return "" if self.margin is None else f"±{self.margin}"

    @property
    def overall(self) -> Figure:
        return self.cell(0)

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
    checks: PageChecks | None = None  # set by ``ranking_checked``

    @property
    def planned(self) -> bool:
        """The round has a sample plan: the margin column and the below-plan flag are shown."""
        return self.checks is not None and self.checks.planned

    @property
    def ranked(self) -> int:
        return sum(1 for row in self.rows if row.rank(0) is not None)

    @property
    def sort_column(self) -> int:
        """0 for the overall rate, n for the n-th indicator."""
        return sort_keys(self.figures).index(self.sort)

    def row_for(self, unit_id: int) -> Row | None:
        return next((row for row in self.rows if row.unit.id == unit_id), None)


@dataclass(frozen=True)
class RankingPage:
    """The rows of one page of the ranking table: ranked among every peer, shown 100 at a time."""

    rows: list[Row]
    number: int
    pages: int
    first: int  # position of the first row shown, from 1 (0 when there is none)
    last: int
    total: int
    marked: int | None = None  # id of the unit whose row is asked for (``unit=CODE``)

    @property
    def numbers(self) -> list[int]:
        """The page numbers to link to: the first, the last and those around this one."""
        near = range(max(1, self.number - 3), min(self.pages, self.number + 3) + 1)
        return sorted({1, self.pages, *near}) if self.pages > 1 else []


def ranking_page(ranking: Ranking, number: str | None = None, unit_code: str | None = None) -> RankingPage:
    """One page of the ranking's rows: page ``number`` (a bad number is the nearest page), or the page
    holding the row of the unit ``unit_code`` when it is a peer of this ranking."""
    total, size = len(ranking.rows), ROWS_PER_PAGE
    pages = max(1, -(-total // size))
    position = (
        next((i for i, row in enumerate(ranking.rows) if row.unit.code == unit_code), None) if unit_code else None
    )
    if position is not None:
        page = position // size + 1
    else:
        page = int(number) if number and number.isdigit() else 1
        page = min(max(page, 1), pages)
    start = (page - 1) * size
    rows = ranking.rows[start : start + size]
    marked = ranking.rows[position].unit.id if position is not None else None
    return RankingPage(rows, page, pages, start + 1 if rows else 0, start + len(rows), total, marked)


# ---------------------------------------------------------------- choices


def sort_keys(figures: RoundFigures) -> list[str]:
    return sort_keys_of(figures.indicators)


def sort_keys_of(indicators: list[Indicator]) -> list[str]:
    return [OVERALL] + [indicator.code for indicator in indicators]


# ---------------------------------------------------------------- the ranking


def ranking_for(round: Round, scope_code: str, level: str, sort: str = OVERALL) -> Ranking:
    """The ranking as the export command and the report task build it (checked parameters)."""
    outline = round_outline(round)
    scope = outline.scope(scope_code)
    if scope is None or not outline.levels(scope):
        raise ValueError(
            _("No unit of round %(round)s lies below %(scope)s.") % {"round": round.code, "scope": scope_code}
        )
    if level not in outline.levels(scope):
        raise ValueError(
            _("No unit of kind %(level)s lies below %(scope)s in round %(round)s.")
            % {"level": level, "scope": scope_code, "round": round.code}
        )
    return ranking_of(round, scope, level, sort)


def ranking_of(round: Round, scope: UnitInfo, level: str, sort: str = OVERALL) -> Ranking:
    """The ranking of the peers of ``level`` below ``scope``: reads those peers' figures and nothing else."""
    figures = figures_of(round, [scope, *round_peers(round, scope, level)])
    previous = earlier_scope_figures(round.previous, scope, level) if round.previous_id else None
    return ranking_build(figures, scope, level, sort, previous)


def ranking_checked(ranking: Ranking) -> Ranking:
    """The ranking with its sample checks (``sampling.checks``): the margin of each overall rate at the sample
    achieved and the below-plan flag when the round has a sample plan, 数据存疑 from the call-backs.

    Apart from ``ranking_of``, because the dashboard, the assessment and peer standings rank without them."""
    checks = page_checks(ranking.round, ranking.scope.path, [(row.unit.id, row.unit.path) for row in ranking.rows])
    ranking.checks = checks
    for row in ranking.rows:
        row.doubtful = checks.doubtful.get(row.unit.id)
        row.sample = checks.samples.get(row.unit.id)
        if row.sample is not None:
            row.margin = row.sample.margin(row.overall.rate)
    return ranking


def earlier_scope_figures(round: Round, scope: UnitInfo | None, level: str, unit_id: int | None = None):
    """The figures of an earlier round for the peers of ``level`` below ``scope`` (and unit ``unit_id``).

    From the cache while the round stays closed and unchanged (see ``earlier_round_figures``).
    """

    def build() -> RoundFigures:
        units = round_peers(round, scope, level) if scope else []
        unit = round_unit(round, unit_id) if unit_id else None
        return figures_of(round, units + ([unit] if unit else []))

    if round.status != RoundStatus.CLOSED:
        return build()
    key = f"{_figures_key(round)}:{scope.id if scope else ''}:{level}:{unit_id or ''}"
    figures = cache.get(key)
    if figures is None:
        figures = build()
        cache.set(key, figures, FIGURES_CACHE_SECONDS)
    return figures


def previous_figures(round: Round) -> RoundFigures | None:
    """The previous round's whole figures (whole-round exports; pages use ``earlier_scope_figures``)."""
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
    columns = [ranked_column(votes, coloured=n > 0) for n, votes in enumerate(category_columns(figures, peers))]
    rows = [Row(unit, peer, columns) for peer, unit in enumerate(peers)]
    _compare_with_previous(rows, previous, scope, level)
    _target_rate(rows, round.target_rate)
    column = sort_keys(figures).index(sort)
    ranks = columns[column].ranks
    rows.sort(key=lambda row: (ranks[row.peer] is None, ranks[row.peer] or 0, row.unit.code))
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


def ranked_column(votes: np.ndarray, coloured: bool) -> Column:
    """One column (units x 4 votes) ranked on the exact rate, its rates rounded and coloured at once."""
    positive = votes[:, 0] + votes[:, 1]
    valid = positive + votes[:, 2]
    # A unit without valid votes gets no figure, so its 0 / 1 is never shown.
    shown = percent_units(positive, np.maximum(valid, 1)).tolist()
    colours = _colours(positive, valid) if coloured else [""] * len(valid)
    return Column(votes, valid.tolist(), shown, column_ranks(positive, valid), colours)


def column_figures(votes: np.ndarray, coloured: bool) -> list[Figure]:
    """The figures of one column, every one of them."""
    column = ranked_column(votes, coloured)
    return [column.figure(peer) for peer in range(len(column.valid))]


def colour_ends(rates: np.ndarray) -> tuple[float, float]:
    """The worst and best rates that are not outliers (inside Tukey's fences)."""
    low, high = np.percentile(rates, [25, 75])
    spread = 1.5 * (high - low)
    inside = rates[(rates >= low - spread) & (rates <= high + spread)]
    return float(inside.min()), float(inside.max())


def _colours(positive: np.ndarray, valid: np.ndarray) -> list[str]:
    """The palette step of each rate between the worst and best of the column (the middle when all are equal).

    The ends are the column's worst and best rates within Tukey's fences (1.5 interquartile ranges beyond the
    quartiles): one school at 50 % would otherwise turn the 79 others uniformly green. A rate beyond a fence
    takes the end colour. Colours need no exact arithmetic: they are read from float rates.
    """
    rated = valid > 0
    if not rated.any():
        return [""] * len(valid)
    rates = positive / np.where(rated, valid, 1)
    worst, best = colour_ends(rates[rated])
    middle = len(PALETTE) // 2
    if best > worst:
        share = np.clip((rates - worst) / (best - worst), 0, 1)
    else:
        share = np.full(len(rates), middle / (len(PALETTE) - 1))
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
            change = points_units(row.overall.positive, row.overall.valid, old.positive, old.valid)
            row.rate_change = Decimal(change).scaleb(-2)
            row.rate_change_text = ("+" if change >= 0 else "") + hundredths_text(change)
        if row.overall.rank is not None and old.rank is not None:
            row.rank_change = old.rank - row.overall.rank
            row.rank_change_text = _rank_change_text(row.rank_change)


def _rank_change_text(change: int) -> str:
    if change > 0:
        return f"↑{change}"
    if change < 0:
        return f"↓{-change}"
    return "="


def _target_rate(rows: list[Row], target_rate: Decimal | None) -> None:
    if target_rate is None:
        return
    target = target_share(target_rate)  # once, not per row
    for row in rows:
        row.target = target


def _flag(rows: list[Row], column: int, min_valid_votes: int) -> None:
    """The column sorted on (sort rank, "not clearly different": ``Row``) and the low-vote flag."""
    above = None
    for row in rows:
        row.low_votes = row.columns[column].valid[row.peer] < min_valid_votes
        row.sorted, row.row_above = column, above
        above = row


def _target_line(rows: list[Row], target_rank: int | None) -> int | None:
    """Mark the last row within the target rank, unless every row is within it."""
    if not target_rank:
        return None
    within = [i for i, row in enumerate(rows) if row.sort_rank is not None and row.sort_rank <= target_rank]
    if not within or within[-1] == len(rows) - 1:
        return None
    rows[within[-1]].line_below = True
    return within[-1] + 1
