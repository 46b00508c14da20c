"""The ranking rules of docs/domain.md, on exact counts."""

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports.ranking import PALETTE, category_columns, colour_ends, column_figures
from surveys.engine import Counts
from surveys.figures import round_figures
from tests.reports.helpers import codes, link, rank_of

pytestmark = pytest.mark.django_db


def test_equal_rates_share_a_rank_and_the_next_rank_skips(round, schools, give):
    give(schools["s1"], 90, 0, 10)
    give(schools["s3"], 80, 0, 20)
    give(schools["s4"], 40, 0, 10)  # 80 %, like S3
    give(schools["s2"], 70, 0, 30)
    ranking = rank_of(round)
    assert codes(ranking) == ["S1", "S3", "S4", "S2"]
    assert [row.overall.rank for row in ranking.rows] == [1, 2, 2, 4]


def test_ranks_follow_the_exact_rate_not_the_rounded_percent(round, schools, give):
    give(schools["s1"], 2, 0, 1)  # 66.666... %
    give(schools["s3"], 6667, 0, 3333)  # 66.67 % exactly: higher
    ranking = rank_of(round)
    assert [(row.unit.code, row.overall.text, row.overall.rank) for row in ranking.rows[:2]] == [
        ("S3", "66.67", 1),
        ("S1", "66.67", 2),
    ]


def test_units_without_data_are_listed_last_without_a_rank(round, schools, give):
    give(schools["s1"], 0, 0, 0, excluded=12)  # only "don't know": no valid vote
    give(schools["s3"], 5, 0, 5)
    ranking = rank_of(round)
    assert codes(ranking) == ["S3", "S1", "S2", "S4"]
    assert [row.overall.rank for row in ranking.rows] == [1, None, None, None]
    assert ranking.rows[1].overall.text == "—"
    assert ranking.rows[1].overall.counts.excluded == 12
    assert ranking.ranked == 1


def test_the_worked_example_of_the_domain(round, schools, give):
    give(schools["s1"], 620, 200, 80, excluded=100)
    row = rank_of(round).rows[0]
    assert row.overall.text == "91.11"
    assert row.overall.interval_text == "89.07–92.80"
    assert row.target_met is True  # the round's target is 90 %
    round.target_rate = 95
    round.save()
    row = rank_of(round).rows[0]
    assert (row.votes_needed.convert, row.votes_needed.gain) == (35, 700)


def test_target_rate_met_or_not_and_the_votes_needed(round, schools, give):
    give(schools["s1"], 90, 0, 10)  # exactly 90 %: met
    give(schools["s3"], 89, 0, 11)
    rows = {row.unit.code: row for row in rank_of(round).rows}
    assert rows["S1"].target_met is True and rows["S1"].votes_needed is None
    assert rows["S3"].target_met is False
    assert rows["S3"].votes_needed.convert == 1
    assert rows["S2"].target_met is None  # no data


def test_sorting_by_an_indicator_gives_that_indicators_ranking(round, schools, give):
    give(schools["s1"], 190, 0, 10, on=(0,))  # overall 200 / 300: second overall
    give(schools["s1"], 10, 0, 90, on=(1,))  # but last on the second indicator
    give(schools["s3"], 60, 0, 40, on=(0, 1))
    give(schools["s4"], 80, 0, 20, on=(1,))
    code = round.ordered_indicators()[1].code
    ranking = rank_of(round, sort=code)
    assert codes(ranking) == ["S4", "S3", "S1", "S2"]
    assert [row.sort_rank for row in ranking.rows] == [1, 2, 3, None]
    # The overall ranks stay what they are; the indicator's ranks are those of its column.
    assert [row.overall.rank for row in ranking.rows] == [1, 3, 2, None]
    assert [row.indicators[1].rank for row in ranking.rows] == [1, 2, 3, None]


def test_indicator_cells_are_coloured_from_worst_to_best(round, schools, give):
    give(schools["s1"], 90, 0, 10)
    give(schools["s3"], 50, 0, 50)
    give(schools["s4"], 70, 0, 30)
    rows = {row.unit.code: row for row in rank_of(round).rows}
    assert rows["S1"].indicators[0].colour == PALETTE[-1]
    assert rows["S3"].indicators[0].colour == PALETTE[0]
    assert rows["S4"].indicators[0].colour == PALETTE[5]
    assert rows["S2"].indicators[0].colour == ""  # no data, no colour


def test_one_outlier_does_not_paint_the_other_peers_one_colour():
    # 79 schools between 88 % and 96 %, one at 50 %: the others still run from red to green.
    rates = np.array([88 + 8 * k / 78 for k in range(79)] + [50.0])
    votes = np.rint(np.stack([rates * 10, np.zeros(80), (100 - rates) * 10, np.zeros(80)], axis=1)).astype(int)
    colours = [figure.colour for figure in column_figures(votes, coloured=True)]
    assert colours[-1] == PALETTE[0]  # the outlier takes the worst colour ...
    assert colours[0] == PALETTE[0] and colours[78] == PALETTE[-1]  # ... and so does the worst of the others
    assert len(set(colours[:79])) == len(PALETTE)  # every step used, not 79 greens


@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=60))
def test_the_colour_ends_lie_within_the_rates(rates):
    worst, best = colour_ends(np.array(rates))
    assert min(rates) <= worst <= best <= max(rates)


def test_the_target_rank_is_drawn_as_a_line_below_the_last_unit_within_it(round, schools, give):
    give(schools["s1"], 90, 0, 10)
    give(schools["s3"], 80, 0, 20)
    give(schools["s4"], 40, 0, 10)
    give(schools["s2"], 70, 0, 30)
    ranking = rank_of(round)  # target rank 2; ranks 1, 2, 2, 4
    assert [row.line_below for row in ranking.rows] == [False, False, True, False]
    assert ranking.target_line_after == 3


def test_no_line_when_every_peer_is_within_the_target_rank(round, schools, give):
    round.target_rank = 10
    round.save()
    give(schools["s1"], 90, 0, 10)
    ranking = rank_of(round)
    # S1 is ranked; the others have no data, so the line goes below S1.
    assert ranking.target_line_after == 1
    give(schools["s2"], 1, 0, 0)
    give(schools["s3"], 1, 0, 0)
    give(schools["s4"], 1, 0, 0)
    assert rank_of(round).target_line_after is None


def test_a_unit_whose_interval_overlaps_the_one_above_is_not_clearly_different(round, schools, give):
    give(schools["s1"], 900, 0, 100)  # 90 %, 89.10-91.83 roughly: n = 1000
    give(schools["s4"], 89, 0, 11)  # 89 % on 100 votes: wide, overlaps S1
    give(schools["s3"], 500, 0, 500)  # 50 %: clearly below
    ranking = rank_of(round)
    assert codes(ranking)[:3] == ["S1", "S4", "S3"]
    assert [row.not_clearly_different for row in ranking.rows[:3]] == [False, True, False]


def test_units_with_fewer_valid_votes_than_the_rounds_threshold_are_flagged(round, schools, give):
    give(schools["s1"], 20, 0, 9)  # 29 valid votes
    give(schools["s3"], 20, 0, 10, excluded=50)  # 30 valid votes: enough
    rows = {row.unit.code: row for row in rank_of(round).rows}
    assert rows["S1"].low_votes is True
    assert rows["S3"].low_votes is False
    assert rows["S1"].overall.rank == 1  # flagged, still ranked


def test_change_of_rate_and_rank_since_the_previous_round(round, earlier_round, schools, give):
    link(round, earlier_round)
    give(schools["s1"], 80, 0, 20, round=earlier_round)  # was 2nd
    give(schools["s3"], 90, 0, 10, round=earlier_round)  # was 1st
    give(schools["s1"], 2, 0, 1)  # 66.67 %, now 1st: -13.33 points, up one
    give(schools["s3"], 1, 0, 1)  # 50 %, now 2nd
    give(schools["s4"], 1, 0, 3)  # no data in the earlier round
    ranking = rank_of(round)
    rows = {row.unit.code: row for row in ranking.rows}
    assert ranking.previous_round == earlier_round
    assert rows["S1"].rate_change == Decimal("-13.33")
    assert rows["S1"].rate_change_text == "-13.33"
    assert (rows["S1"].previous.rank, rows["S1"].rank_change, rows["S1"].rank_change_text) == (2, 1, "↑1")
    assert (rows["S3"].rate_change, rows["S3"].rank_change_text) == (Decimal("-40.00"), "↓1")
    assert rows["S4"].previous.rank is None
    assert (rows["S4"].rate_change, rows["S4"].rank_change, rows["S4"].rank_change_text) == (None, None, "")


def test_district_peers_pool_their_schools(round, schools, give):
    give(schools["s1"], 50, 0, 50)
    give(schools["s3"], 100, 0, 0)
    give(schools["s2"], 80, 0, 20)
    ranking = rank_of(round, level="district")
    assert codes(ranking) == ["D2", "D1"]
    assert ranking.rows[1].overall.counts == Counts(satisfied=150, dissatisfied=50)
    assert ranking.rows[1].overall.text == "75.00"


def test_peers_are_only_those_below_the_scope(round, schools, give):
    assert codes(rank_of(round, scope="D1")) == ["S1", "S3", "S4"]


def test_the_ranking_reads_the_same_votes_as_the_figures(round, schools, tree, give):
    give(schools["s1"], 9, 8, 7, excluded=6, on=(0, 2))
    give(schools["s3"], 5, 4, 3, excluded=2, on=(1, 5))
    figures = round_figures(round)
    units = list(figures.units.values())
    indicators = [None] + [indicator.id for indicator in figures.indicators]
    columns = category_columns(figures, units)
    assert [[Counts(*column[n].tolist()) for column in columns] for n in range(len(units))] == [
        [figures.counts(u.id, i) for i in indicators] for u in units
    ]


def test_a_closed_previous_rounds_figures_are_cached_until_they_change(round, earlier_round, schools, give, users):
    from reports.ranking import earlier_round_figures
    from surveys.models import RoundStatus
    from surveys.services import reported_counts_set, round_set_status

    give(schools["s1"], 80, 0, 20, round=earlier_round)
    assert earlier_round_figures(earlier_round).counts(schools["s1"].id) == Counts(satisfied=80, dissatisfied=20)
    # Written behind the services' back, the change is not seen: the cache answers.
    give(schools["s3"], 1, 0, 0, round=earlier_round)
    assert earlier_round_figures(earlier_round).counts(schools["s3"].id) == Counts()
    # Reopening and changing counts are logged: the figures are read again.
    earlier_round = round_set_status(round=earlier_round, status=RoundStatus.OPEN, user=users["admin"], reason="补录")
    option = earlier_round.scale.options.get(number=1)
    indicator = earlier_round.ordered_indicators()[0]
    reported_counts_set(round=earlier_round, unit=schools["s4"], counts={(indicator.id, option.id): 5}, user=None)
    earlier_round = round_set_status(round=earlier_round, status=RoundStatus.CLOSED, user=users["admin"])
    figures = earlier_round_figures(earlier_round)
    assert figures.counts(schools["s3"].id) == Counts(satisfied=1)
    assert figures.counts(schools["s4"].id) == Counts(satisfied=5)
