"""The figures of one unit within a round: its unit page and the JSON behind it.

Its rank overall and per indicator among its peers below a scope (from the
ranking of ``reports.ranking``), the weakest indicators, the gaps to the target
rate and rank, option shares, the peers' averages, the trend over the earlier
rounds and the units below it. The maths is ``surveys.engine``'s.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from reports.ranking import (
    NO_DATA,
    OVERALL,
    Figure,
    Ranking,
    Row,
    earlier_round_figures,
    earlier_scope_figures,
    ranking_build,
)
from sampling.checks import PageChecks, SampleCheck, page_checks
from surveys.engine import (
    VotesNeeded,
    competition_ranks,
    percent,
    percent_of,
    reaches,
    target_share,
    votes_to_pass,
    votes_to_target,
)
from surveys.figures import RoundFigures, UnitInfo, figures_of
from surveys.models import Indicator, Option, Round
from surveys.outline import round_children, round_peers

EARLIER_ROUNDS_SHOWN = 20  # also a guard against a cycle of "previous round" links
WEAKEST_SHOWN = 3


@dataclass(frozen=True, slots=True)
class IndicatorLine:
    indicator: Indicator
    figure: Figure  # ranked among the peers when there are peers
    option_counts: list[int]
    peers_average: Decimal | None  # the mean of the peers' rates (each peer weighs the same), percent

    @property
    def peers_average_text(self) -> str:
        return NO_DATA if self.peers_average is None else str(self.peers_average)

    @property
    def option_shares(self) -> list[Decimal | None]:
        """Each option's share of the indicator's answers (excluded ones included), percent; None without answers."""
        total = sum(self.option_counts)
        return [percent_of(count, total) for count in self.option_counts]


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
    # With ``unit_report_checked``: the sample against the plan, the margins of the rates, 数据存疑's rate.
    checks: PageChecks | None = None
    sample: SampleCheck | None = None
    margin: Decimal | None = None  # of the overall rate
    line_margins: list[Decimal | None] = field(default_factory=list)  # of each indicator's rate, in line order
    doubtful: Decimal | None = None

    @property
    def planned(self) -> bool:
        return self.checks is not None and self.checks.planned

    @property
    def margin_lines(self) -> list[tuple["IndicatorLine", Decimal | None]]:
        return list(zip(self.lines, self.line_margins or [None] * len(self.lines), strict=True))

    @property
    def target_met(self) -> bool | None:
        if self.round.target_rate is None:
            return None
        return reaches(self.overall.counts, target_share(self.round.target_rate))

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


def unit_report_of(round: Round, unit: UnitInfo, scope: UnitInfo | None) -> UnitReport:
    """The unit page: reads the unit, its peers below ``scope`` and its children, in this round and the earlier ones."""
    peers = round_peers(round, scope, unit.kind) if scope else []
    figures = figures_of(round, [unit, *peers, *round_children(round, unit)])
    history = [earlier_scope_figures(earlier, scope, unit.kind, unit.id) for earlier in earlier_rounds(round)]
    return unit_report_build(figures, unit, scope, history)


def unit_report_checked(report: UnitReport) -> UnitReport:
    """The report with its sample checks (``sampling.checks``, the rule of the ranking too): the margin of each
    rate at the questionnaires achieved and below plan with a sample plan, 数据存疑 from the call-backs."""
    unit = report.unit
    checks = page_checks(report.round, unit.path, [(unit.id, unit.path)])
    report.checks, report.doubtful = checks, checks.doubtful.get(unit.id)
    report.sample = checks.samples.get(unit.id)
    if report.sample is not None:
        report.margin = report.sample.margin(report.overall.rate)
        report.line_margins = [report.sample.margin(line.figure.rate) for line in report.lines]
    return report


def unit_report_for(round: Round, unit: UnitInfo, scope: UnitInfo | None, figures: RoundFigures) -> UnitReport:
    """The unit page from the figures of the whole round (and of the earlier rounds): the same as ``unit_report_of``."""
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
    lines = _lines(figures, unit, cells, ranking)
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
        children=_children(figures, unit),
    )


def _ids(figures: RoundFigures) -> list[int]:
    return [indicator.id for indicator in figures.indicators]


def _lines(figures: RoundFigures, unit: UnitInfo, cells: list[Figure], ranking: Ranking | None) -> list[IndicatorLine]:
    """One line per indicator: ``cells[n + 1]`` is the n-th indicator's figure."""
    return [
        IndicatorLine(indicator, cells[n + 1], figures.option_counts(unit.id, indicator.id), _average(ranking, n + 1))
        for n, indicator in enumerate(figures.indicators)
    ]


def _children(figures: RoundFigures, unit: UnitInfo) -> list[tuple[UnitInfo, Figure]]:
    return [(u, Figure.of_counts(figures.counts(u.id))) for u in figures.units.values() if u.parent_id == unit.id]


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


def _trend(rounds: list[RoundFigures], unit: UnitInfo, scope: UnitInfo | None) -> list[TrendPoint]:
    """The unit's overall rate in each round where it has figures, the oldest first."""
    return [_trend_point(figures, unit, scope) for figures in rounds if unit.id in figures]


def _trend_point(figures: RoundFigures, unit: UnitInfo, scope: UnitInfo | None) -> TrendPoint:
    """The unit's overall figure in one round, ranked among the peers of its kind below ``scope`` there."""
    figure = Figure.of_counts(figures.counts(unit.id))
    ranked = 0
    if scope is not None:
        peers = {u.id: figures.rate(u.id) for u in figures.peers(scope, unit.kind)}
        ranks = competition_ranks(peers.items())
        figure.rank, ranked = ranks.get(unit.id), len(ranks)
    return TrendPoint(figures.round, figure, ranked)
