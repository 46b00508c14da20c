"""The figures of one unit within a round: ranks, weakest indicators, gaps to the targets, trend."""

import datetime

import pytest

from reports.unit_report import unit_report_for
from surveys.figures import round_figures
from tests.factories import make_round
from tests.reports.helpers import link

pytestmark = pytest.mark.django_db


def report_of(round, unit, scope):
    figures = round_figures(round)
    return unit_report_for(round, figures.units[unit.id], figures.units[scope.id] if scope else None, figures)


def test_ranks_overall_and_per_indicator_among_the_peers(round, schools, tree, give):
    give(schools["s1"], 90, 0, 10, on=(0, 1))
    give(schools["s3"], 80, 0, 20, on=(0,))
    give(schools["s3"], 95, 0, 5, on=(1,))
    report = report_of(round, schools["s1"], tree["d1"])
    assert report.overall.rank == 1
    assert report.ranked == 2  # S4 has no data
    assert [line.figure.rank for line in report.lines[:2]] == [1, 2]
    assert report.lines[1].peers_average == pytest.approx(92.5)  # mean of 90 % and 95 %
    assert report.lines[0].option_counts == [90, 0, 10, 0]


def test_weakest_indicators_come_lowest_rate_first(round, schools, tree, give):
    give(schools["s1"], 90, 0, 10, on=(0,))
    give(schools["s1"], 70, 0, 30, on=(1,))
    give(schools["s1"], 80, 0, 20, on=(2,))
    give(schools["s1"], 99, 0, 1, on=(3,))
    report = report_of(round, schools["s1"], tree["d1"])
    indicators = round.ordered_indicators()
    assert [line.indicator for line in report.weakest] == [indicators[1], indicators[2], indicators[0]]


def test_gap_to_the_target_rate(round, schools, tree, give):
    give(schools["s1"], 620, 200, 80, excluded=100)  # 91.11 %
    round.target_rate = 95
    round.save()
    report = report_of(round, schools["s1"], tree["d1"])
    assert report.target_met is False
    assert (report.votes_needed.convert, report.votes_needed.gain) == (35, 700)


def test_gap_to_the_target_rank_names_the_unit_to_pass(round, schools, tree, give):
    round.target_rank = 1
    round.save()
    give(schools["s3"], 90, 0, 10)
    give(schools["s1"], 80, 0, 20)
    report = report_of(round, schools["s1"], tree["d1"])
    assert report.rank_met is False
    gap = report.rank_gap
    assert gap.rival.code == "S3"
    # (80 + c) / 100 > 90 %: c = 11; (80 + g) / (100 + g) > 90 %: g = 101
    assert (gap.convert, gap.gain) == (11, 101)


def test_no_rank_gap_within_the_target_rank(round, schools, tree, give):
    give(schools["s3"], 90, 0, 10)
    give(schools["s1"], 80, 0, 20)
    report = report_of(round, schools["s1"], tree["d1"])  # target rank 2
    assert report.rank_met is True
    assert report.rank_gap is None


def test_trend_over_every_linked_earlier_round_oldest_first(round, earlier_round, schools, tree, give):
    oldest = make_round(
        schools.values(), code="R2024", start=datetime.date(2024, 1, 1), end=datetime.date(2024, 12, 31)
    )
    link(earlier_round, oldest)
    link(round, earlier_round)
    give(schools["s1"], 50, 0, 50, round=oldest)
    give(schools["s1"], 60, 0, 40, round=earlier_round)
    give(schools["s3"], 70, 0, 30, round=earlier_round)
    give(schools["s1"], 75, 0, 25)
    report = report_of(round, schools["s1"], tree["d1"])
    assert [(p.round.code, p.figure.text, p.figure.rank) for p in report.trend] == [
        ("R2024", "50.00", 1),
        ("R2025", "60.00", 2),
        ("R2026", "75.00", 1),
    ]


def test_a_cycle_of_previous_rounds_does_not_loop(round, earlier_round, schools, tree, give):
    link(round, earlier_round)
    link(earlier_round, round)
    report = report_of(round, schools["s1"], tree["d1"])
    assert [p.round.code for p in report.trend] == ["R2025", "R2026"]


def test_units_below_are_listed_with_their_rates(round, schools, tree, give):
    give(schools["s1"], 3, 0, 1)
    report = report_of(round, tree["d1"], tree["city"])
    assert [(unit.code, figure.text) for unit, figure in report.children] == [
        ("S1", "75.00"),
        ("S3", "—"),
        ("S4", "—"),
    ]


def test_without_a_scope_there_is_no_rank(round, schools, tree, give):
    give(schools["s1"], 3, 0, 1)
    report = report_of(round, tree["d1"], None)
    assert report.overall.text == "75.00"
    assert report.overall.rank is None and report.rank_gap is None and report.rank_met is None
