"""The fast integer forms used by the ranking equal the engine's exact maths (no database)."""

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from reports.ranking import hundredths, points, rate_keys, votes_needed, votes_to_pass
from surveys.engine import Counts, percent, votes_to_target

fractions = st.integers(min_value=1, max_value=10**7).flatmap(
    lambda d: st.tuples(st.integers(min_value=0, max_value=d), st.just(d))
)


@given(fractions)
def test_printed_percent_is_the_engines_percent(pair):
    numerator, denominator = pair
    assert Decimal(hundredths(numerator, denominator)).scaleb(-2) == percent(Fraction(numerator, denominator))


@given(fractions, fractions)
def test_a_change_in_points_rounds_half_away_from_zero(now, before):
    difference = Fraction(*now) - Fraction(*before)
    expected = percent(abs(difference))
    expected = expected if difference >= 0 else -expected
    now_counts, before_counts = Counts(now[0], 0, now[1] - now[0]), Counts(before[0], 0, before[1] - before[0])
    assert points(now_counts, before_counts) == expected


counts = st.builds(
    Counts,
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=10**6),
)


@given(st.lists(counts, min_size=2, max_size=8))
def test_rate_keys_order_and_tie_exactly_like_the_rates(values):
    keys = rate_keys([c.positive for c in values], [c.valid for c in values])
    rates = [Fraction(c.positive, c.valid) if c.valid else None for c in values]
    for a in range(len(values)):
        for b in range(len(values)):
            if rates[a] is None or rates[b] is None:
                assert (keys[a] is None) == (rates[a] is None)
                continue
            assert (keys[a] < keys[b]) == (rates[a] < rates[b])
            assert (keys[a] == keys[b]) == (rates[a] == rates[b])


@given(counts, st.fractions(min_value=0, max_value=Fraction(999, 1000)))
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


@given(counts, st.integers(min_value=0, max_value=10_000))
def test_votes_needed_are_the_engines(mine, target_hundredths):
    target = Fraction(target_hundredths, 10_000)
    assert votes_needed(mine, target) == votes_to_target(mine, target * 100)
