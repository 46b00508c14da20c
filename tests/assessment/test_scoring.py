"""The points of an assessment, computed by hand from the county rule, and properties that hold for any input."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.scoring import (
    below_target,
    count_deduction,
    half_up,
    rank_points,
    rate_points,
    shortfall_deduction,
    shortfall_points,
    total,
)

D = Decimal


# ---------------------------------------------------------------- by hand


def test_half_up_rounds_halves_away_from_zero():
    assert half_up(Fraction(1, 8)) == D("0.13")
    assert half_up(Fraction(-1, 8)) == D("-0.13")
    assert half_up(D("4.795")) == D("4.80")
    assert half_up(D("4.794999")) == D("4.79")


def test_rate_points_of_the_worked_example():
    # 820 / 900 = 91.11 % against a target of 95 %: 5 × 0.91111… / 0.95 = 4.7953… -> 4.80
    assert rate_points(Fraction(820, 900), D("95")) == D("4.80")


def test_rate_points_are_the_whole_worth_at_or_above_the_target():
    assert rate_points(Fraction(95, 100), D("95")) == D("5.00")
    assert rate_points(Fraction(99, 100), D("95")) == D("5.00")
    assert rate_points(Fraction(9499, 10000), D("95")) == D("5.00")  # 4.99947… rounds up to the worth


def test_rate_points_without_data_are_zero_and_without_target_ask_for_all():
    assert rate_points(None, D("95")) == D("0.00")
    assert rate_points(Fraction(9, 10), None) == D("4.50")
    assert rate_points(Fraction(9, 10), D("90"), worth=D("10")) == D("10.00")


@pytest.mark.parametrize(
    ("rank", "points"),
    [(1, "3.00"), (2, "1.50"), (3, "0.00"), (4, "-0.50"), (5, "-1.00"), (10, "-3.50")],
)
def test_rank_points_of_the_county_rule(rank, points):
    assert rank_points(rank) == D(points)


def test_tied_ranks_take_the_same_points_and_the_next_skips():
    # ranks 1, 2, 2, 4 as the ranking gives them
    assert [rank_points(r) for r in (1, 2, 2, 4)] == [D("3.00"), D("1.50"), D("1.50"), D("-0.50")]


def test_an_unranked_unit_gets_no_rank_points():
    assert rank_points(None) is None


def test_rank_zero_is_refused():
    with pytest.raises(ValueError):
        rank_points(0)


def test_overdue_concerns_cost_a_fifth_each_up_to_two_points():
    assert count_deduction(0) == D("0.00")
    assert count_deduction(3) == D("-0.60")
    assert count_deduction(10) == D("-2.00")
    assert count_deduction(11) == D("-2.00")


def test_callback_shortfall_costs_a_tenth_per_point():
    assert shortfall_deduction(10, 10) == D("0.00")
    assert shortfall_deduction(9, 10) == D("-1.00")  # 10 points short
    assert shortfall_deduction(197, 200) == D("-0.15")  # 1.5 points short
    assert shortfall_deduction(2, 3) == D("-2.00")  # 33.33 points short, capped
    assert shortfall_deduction(0, 0) == D("0.00")  # nobody to call back


def test_shortfall_of_two_thirds_rounds_once_at_the_end():
    # 599 of 600: 0.1666… points short -> -0.0166… -> -0.02
    assert shortfall_deduction(599, 600) == D("-0.02")


def test_bad_counts_are_refused():
    with pytest.raises(ValueError):
        count_deduction(-1)
    with pytest.raises(ValueError):
        shortfall_deduction(3, 2)


def test_proportional_points():
    assert shortfall_points(15, 20, D("2")) == D("1.50")
    assert shortfall_points(30, 20, D("2")) == D("2.00")
    assert shortfall_points(0, 0, D("2")) == D("0.00")
    assert shortfall_points(20, 20, D("3"), cap=D("2")) == D("2.00")


def test_total_of_a_unit():
    # 4.80 rate points, rank 4 (-0.50), 3 overdue concerns (-0.60), 1.5 points short of full callback (-0.15)
    parts = [
        rate_points(Fraction(820, 900), D("95")),
        rank_points(4),
        count_deduction(3),
        shortfall_deduction(197, 200),
    ]
    assert total(parts) == D("3.55")
    assert total([D("5.00"), None]) == D("5.00")


def test_below_target():
    assert below_target(Fraction(94, 100), D("95")) is True
    assert below_target(Fraction(95, 100), D("95")) is False
    assert below_target(None, D("95")) is True  # no data: nothing shows the target was reached
    assert below_target(Fraction(1, 2), None) is False  # a round without a target marks nobody


# ---------------------------------------------------------------- properties

rates = st.fractions(min_value=0, max_value=1)
targets = st.decimals(min_value=D("1"), max_value=D("100"), places=2)


@given(rates, targets)
def test_rate_points_lie_between_zero_and_the_worth(rate, target):
    assert D(0) <= rate_points(rate, target) <= D(5)


@given(rates, rates, targets)
def test_a_higher_rate_never_earns_fewer_rate_points(a, b, target):
    low, high = sorted([a, b])
    assert rate_points(low, target) <= rate_points(high, target)


@given(st.integers(min_value=1, max_value=500), st.integers(min_value=1, max_value=500))
def test_a_lower_rank_never_earns_more(a, b):
    better, worse = sorted([a, b])
    assert rank_points(better) >= rank_points(worse)


@given(st.integers(min_value=0, max_value=10_000))
def test_deductions_never_exceed_the_cap_and_are_never_positive(n):
    assert D("-2") <= count_deduction(n) <= 0


@given(st.integers(min_value=0, max_value=1000), st.integers(min_value=0, max_value=1000))
def test_callback_deduction_never_exceeds_the_cap(a, b):
    done, whole = sorted([a, b])
    assert D("-2") <= shortfall_deduction(done, whole) <= 0


@given(st.lists(st.decimals(min_value=-10, max_value=10, places=2), max_size=6))
def test_total_of_two_decimal_parts_is_their_sum(parts):
    assert total(parts) == sum(parts, D(0))


@given(st.fractions(min_value=-100, max_value=100))
def test_half_up_is_within_half_a_cent_and_symmetric(value):
    rounded = half_up(value)
    assert abs(Fraction(rounded) - value) <= Fraction(1, 200)
    assert half_up(-value) == -rounded or rounded == 0
