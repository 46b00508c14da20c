"""The maths of docs/domain.md, without a database."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.engine import Counts, VotesNeeded, competition_ranks, percent, rate, votes_to_target, wilson

EXAMPLE = Counts(satisfied=620, basic=200, dissatisfied=80, excluded=100)
counts_st = st.builds(
    Counts,
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
)


def test_worked_example_rate():
    assert rate(EXAMPLE) == Fraction(820, 900)
    assert percent(rate(EXAMPLE)) == Decimal("91.11")


def test_worked_example_interval():
    low, high = wilson(EXAMPLE)
    assert percent(Fraction(low)) == Decimal("89.07")
    assert percent(Fraction(high)) == Decimal("92.80")


def test_worked_example_votes_to_95_percent():
    assert votes_to_target(EXAMPLE, Decimal("95")) == VotesNeeded(convert=35, gain=700)


def test_no_valid_votes_is_no_data_not_zero():
    only_dont_know = Counts(excluded=12)
    assert rate(only_dont_know) is None
    assert percent(None) is None
    assert wilson(only_dont_know) is None
    assert votes_to_target(only_dont_know, 90) is None


def test_display_rounds_half_up():
    assert percent(Fraction(91105, 100000)) == Decimal("91.11")  # 91.105 %
    assert percent(Fraction(91104, 100000)) == Decimal("91.10")
    assert percent(Fraction(2, 3)) == Decimal("66.67")


def test_a_target_of_100_percent_cannot_be_reached_by_new_votes():
    assert votes_to_target(Counts(satisfied=9, dissatisfied=1), 100) == VotesNeeded(convert=1, gain=None)


def test_target_outside_0_100_is_refused():
    with pytest.raises(ValueError):
        votes_to_target(EXAMPLE, 101)


def test_ranks_share_on_equal_exact_rates_and_skip():
    ranks = competition_ranks(
        [("a", Fraction(9, 10)), ("b", Fraction(18, 20)), ("c", Fraction(19, 20)), ("d", None), ("e", Fraction(1, 2))]
    )
    assert ranks == {"c": 1, "a": 2, "b": 2, "e": 4}
    assert "d" not in ranks


def test_ranks_use_exact_rates_not_rounded_ones():
    # 91.111 % and 91.114 % both display as 91.11 %, but they are not equal.
    ranks = competition_ranks([("a", Fraction(91111, 100000)), ("b", Fraction(91114, 100000))])
    assert ranks == {"b": 1, "a": 2}


@given(counts_st)
def test_rate_is_between_0_and_1_and_ignores_excluded(counts):
    value = rate(counts)
    if counts.valid == 0:
        assert value is None
    else:
        assert 0 <= value <= 1
        assert value == rate(Counts(counts.satisfied, counts.basic, counts.dissatisfied, 0))


@given(counts_st)
def test_wilson_interval_contains_the_rate(counts):
    interval = wilson(counts)
    if counts.valid:
        low, high = interval
        assert 0 <= low <= float(rate(counts)) + 1e-12
        assert float(rate(counts)) - 1e-12 <= high <= 1


@given(counts_st, st.integers(1, 99))
def test_votes_to_target_are_the_least_that_reach_it(counts, target):
    needed = votes_to_target(counts, target)
    goal = Fraction(target, 100)
    if counts.valid == 0 or rate(counts) >= goal:
        assert needed is None
        return
    c = needed.convert
    assert c <= counts.dissatisfied
    assert Fraction(counts.positive + c, counts.valid) >= goal
    assert Fraction(counts.positive + c - 1, counts.valid) < goal
    g = needed.gain
    assert Fraction(counts.positive + g, counts.valid + g) >= goal
    assert Fraction(counts.positive + g - 1, counts.valid + g - 1) < goal


@given(counts_st, counts_st)
def test_pooling_adds_votes(a, b):
    pooled = a + b
    assert pooled.valid == a.valid + b.valid
    assert pooled.total == a.total + b.total
