"""The maths of docs/domain.md, without a database."""

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.engine import (
    FLOAT_EXACT_VALID,
    Counts,
    VotesNeeded,
    column_ranks,
    competition_ranks,
    interval_units,
    percent,
    percent_of,
    percent_units,
    points_units,
    rate,
    rate_keys,
    reaches,
    target_share,
    votes_to_pass,
    votes_to_share,
    votes_to_target,
    wilson,
)

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
    assert interval_units(EXAMPLE) == (8907, 9280)


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
    with pytest.raises(ValueError):
        target_share(Decimal("-0.01"))


def test_worked_example_target_met_or_not():
    assert reaches(EXAMPLE, target_share(Decimal("91.11"))) is True  # 91.111 %
    assert reaches(EXAMPLE, target_share(Decimal("91.12"))) is False
    assert reaches(Counts(excluded=3), target_share(90)) is None


def test_shares_of_other_things_round_like_rates_and_have_no_value_without_a_whole():
    assert percent_of(1, 3, places=1) == Decimal("33.3")
    assert percent_of(2, 3, places=1) == Decimal("66.7")
    assert percent_of(1, 8, places=2) == Decimal("12.50")
    assert percent_of(1, 8, places=1) == Decimal("12.5")
    assert percent_of(1, 16, places=1) == Decimal("6.3")  # 6.25 % half-up
    assert percent_of(5, 5, places=1) == Decimal("100.0")
    assert percent_of(0, 0) is None


def test_a_change_in_points_of_the_worked_example():
    # 91.11 % now, 80 % before: +11.11 points; and the other way round -11.11.
    assert points_units(820, 900, 80, 100) == 1111
    assert points_units(80, 100, 820, 900) == -1111


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


fractions = st.integers(min_value=1, max_value=10**7).flatmap(
    lambda d: st.tuples(st.integers(min_value=0, max_value=d), st.just(d))
)
big_counts_st = st.builds(
    Counts,
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=10**6),
)


@given(fractions, st.integers(0, 4))
def test_percent_units_round_the_exact_value_half_up(pair, places):
    numerator, denominator = pair
    exact = Fraction(numerator, denominator) * 100 * 10**places
    assert percent_units(numerator, denominator, places) == math.floor(exact + Fraction(1, 2))
    assert percent(Fraction(numerator, denominator), places) == Decimal(math.floor(exact + Fraction(1, 2))).scaleb(
        -places
    )


@given(st.lists(fractions, min_size=1, max_size=20))
def test_percent_units_of_a_numpy_column_are_those_of_each_rate(pairs):
    numerators = np.array([n for n, _ in pairs], dtype=np.int64)
    denominators = np.array([d for _, d in pairs], dtype=np.int64)
    assert percent_units(numerators, denominators).tolist() == [percent_units(n, d) for n, d in pairs]


@given(fractions, fractions)
def test_a_change_in_points_rounds_half_away_from_zero(now, before):
    difference = Fraction(*now) - Fraction(*before)
    expected = percent(abs(difference))
    expected = expected if difference >= 0 else -expected
    assert Decimal(points_units(now[0], now[1], before[0], before[1])).scaleb(-2) == expected
    assert percent(difference) == expected


@given(fractions)
def test_a_share_is_the_percent_of_its_fraction(pair):
    assert percent_of(*pair, places=1) == percent(Fraction(*pair), 1)


@given(counts_st)
def test_the_interval_is_rounded_like_a_rate(counts):
    bounds = wilson(counts)
    units = interval_units(counts)
    if bounds is None:
        assert units is None
    else:
        assert [Decimal(u).scaleb(-2) for u in units] == [percent(Fraction(b)) for b in bounds]


@given(st.lists(big_counts_st, min_size=2, max_size=8))
def test_rate_keys_order_and_tie_exactly_like_the_rates(values):
    keys = rate_keys([c.positive for c in values], [c.valid for c in values])
    rates = [rate(c) for c in values]
    for a in range(len(values)):
        for b in range(len(values)):
            if rates[a] is None or rates[b] is None:
                assert (keys[a] is None) == (rates[a] is None)
                continue
            assert (keys[a] < keys[b]) == (rates[a] < rates[b])
            assert (keys[a] == keys[b]) == (rates[a] == rates[b])


def _exact_ranks(values: list[Counts]) -> list[int | None]:
    ranks = competition_ranks(enumerate(rate(c) for c in values))
    return [ranks.get(i) for i in range(len(values))]


def _column(values: list[Counts]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([c.positive for c in values], dtype=np.int64), np.array([c.valid for c in values], dtype=np.int64)


# Near-equal rates on purpose: shares of a few denominators, so that ties and neighbours are frequent.
tied_counts_st = st.builds(
    lambda scale, p, d, excluded: Counts(p * scale, 0, d * scale, excluded),
    st.integers(1, 3_000),
    st.integers(0, 30),
    st.integers(0, 30),
    st.integers(0, 5),
)


@given(st.lists(st.one_of(big_counts_st, tied_counts_st), max_size=40))
def test_column_ranks_are_the_competition_ranks_of_the_exact_rates(values):
    assert column_ranks(*_column(values)) == _exact_ranks(values)


@given(st.lists(big_counts_st, min_size=1, max_size=10))
def test_column_ranks_beyond_float_exactness_are_still_exact(values):
    # One unit with more valid votes than floats keep apart: ranked on whole numbers instead.
    huge = [Counts(FLOAT_EXACT_VALID, 0, FLOAT_EXACT_VALID + 1), Counts(FLOAT_EXACT_VALID, 0, FLOAT_EXACT_VALID)]
    assert column_ranks(*_column(values + huge)) == _exact_ranks(values + huge)


def test_rates_that_floats_would_tie_are_ranked_apart():
    # Why the limit: with 2**28 valid votes, two rates 1 / (v * (v - 1)) apart are one float.
    v = FLOAT_EXACT_VALID * 4
    assert (v - 1) / v == (v - 2) / (v - 1)
    assert column_ranks(*_column([Counts(v - 2, 0, 1), Counts(v - 1, 0, 1), Counts(v - 2, 0, 1)])) == [2, 1, 2]


@given(big_counts_st, st.fractions(min_value=0, max_value=Fraction(999, 1000)))
def test_votes_to_pass_are_the_fewest_that_pass(mine, other):
    convert, gain = votes_to_pass(mine, other)
    if convert is not None and convert > 0:
        assert Fraction(mine.positive + convert, mine.valid) > other
        assert Fraction(mine.positive + convert - 1, mine.valid) <= other
    if convert is None and mine.valid:
        assert Fraction(mine.positive + mine.dissatisfied, mine.valid) <= other
    if gain:
        assert Fraction(mine.positive + gain, mine.valid + gain) > other
        assert mine.valid + gain - 1 == 0 or Fraction(mine.positive + gain - 1, mine.valid + gain - 1) <= other


@given(big_counts_st, st.integers(min_value=0, max_value=10_000))
def test_targets_in_hundredths_of_a_percent(mine, target_hundredths):
    target_percent = Decimal(target_hundredths).scaleb(-2)  # as a round stores it: 90.00
    share = target_share(target_percent)
    assert share == Fraction(target_hundredths, 10_000)
    met = reaches(mine, share)
    assert met == (None if mine.valid == 0 else rate(mine) >= share)
    needed = votes_to_target(mine, target_percent)
    assert needed == votes_to_share(mine, share)
    assert (needed is None) == (met is not False)
    if needed is not None:
        assert Fraction(mine.positive + needed.convert, mine.valid) >= share
        assert Fraction(mine.positive + needed.convert - 1, mine.valid) < share
        assert (needed.gain is None) == (share == 1)
