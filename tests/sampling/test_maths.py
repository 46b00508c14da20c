"""The sampling maths against hand computations, and its properties (hypothesis)."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sampling.maths import (
    Dispositions,
    final_disposition,
    margin_of_error,
    quota_counts,
    rate_percents,
    rr1,
    sample_size,
    z_for,
)

P90 = Fraction(9, 10)
E3 = Fraction(3, 100)


def test_sample_size_by_hand_without_a_population():
    # 1.96² · 0.9 · 0.1 / 0.03² = 3.8416 · 0.09 / 0.0009 = 384.16 -> 385
    assert sample_size(expected=P90, margin=E3) == 385
    # 0.5: 3.8416 · 0.25 / 0.0025 = 384.16 -> 385 (e = 5 points)
    assert sample_size(expected=Fraction(1, 2), margin=Fraction(5, 100)) == 385
    # 99 %: 2.576² · 0.25 / 0.0009 = 6.635776 · 277.77… = 1843.27… -> 1844
    assert sample_size(expected=Fraction(1, 2), margin=E3, confidence=99) == 1844
    # 90 %: 1.645² · 0.25 / 0.0009 = 2.706025 · 277.77… = 751.67… -> 752
    assert sample_size(expected=Fraction(1, 2), margin=E3, confidence=90) == 752


def test_the_finite_population_correction_by_hand():
    # 384.16 / (1 + 383.16 / 1000) = 384.16 / 1.38316 = 277.74… -> 278
    assert sample_size(expected=P90, margin=E3, population=1000) == 278
    # 384.16 / (1 + 383.16 / 200) = 384.16 / 2.9158 = 131.75… -> 132
    assert sample_size(expected=P90, margin=E3, population=200) == 132
    assert sample_size(expected=P90, margin=E3, population=0) == 0
    assert sample_size(expected=P90, margin=E3, population=1) == 1


def test_an_exact_whole_n0_is_not_rounded_up():
    # z = 1.96, p = 0.5, e = 0.0196 · 0.5 = 0.0098: n0 = 1.96² · 0.25 / 0.0098² = 0.9604 / 0.00009604 = 10000
    assert sample_size(expected=Fraction(1, 2), margin=Fraction(98, 10000)) == 10000


def test_z_of_the_three_levels_and_a_refusal_of_others():
    assert (z_for(90), z_for(95), z_for(99)) == (Fraction("1.645"), Fraction("1.96"), Fraction("2.576"))
    with pytest.raises(ValueError):
        z_for(80)


@pytest.mark.parametrize("bad", [{"margin": Fraction(0)}, {"expected": Fraction(3, 2)}, {"population": -1}])
def test_bad_inputs_are_refused(bad):
    with pytest.raises(ValueError):
        sample_size(**({"expected": P90, "margin": E3} | bad))


def test_margin_of_error_by_hand():
    # 1.96 · sqrt(0.09 / 385) = 1.96 · 0.0152894… = 0.029967… -> 3.00 points
    assert margin_of_error(achieved=385, expected=P90) == Decimal("3.00")
    # 1.96 · sqrt(0.25 / 100) = 1.96 · 0.05 = 0.098 -> 9.80 exactly
    assert margin_of_error(achieved=100, expected=Fraction(1, 2)) == Decimal("9.80")
    # with N = 1000: 0.098 · sqrt(900 / 999) = 0.098 · 0.949157… = 0.093017… -> 9.30
    assert margin_of_error(achieved=100, expected=Fraction(1, 2), population=1000) == Decimal("9.30")
    assert margin_of_error(achieved=0, expected=P90) is None
    assert margin_of_error(achieved=50, expected=P90, population=50) == Decimal("0.00")


def test_quotas_add_up_with_the_largest_remainder():
    # 385 · 60 % = 231, · 30 % = 115.5, · 10 % = 38.5: one left over goes to the first of the two halves
    assert quota_counts(385, {"parent": 60, "student": 30, "teacher": 10}) == {
        "parent": 231, "student": 116, "teacher": 38,
    }  # fmt: skip
    assert quota_counts(10, {"a": 1, "b": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}
    with pytest.raises(ValueError):
        quota_counts(10, {"a": 0})


@given(st.integers(0, 100_000), st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 100), min_size=1))
def test_quotas_always_add_up_to_n_and_stay_within_one_of_the_exact_share(n, shares):
    if sum(shares.values()) == 0:
        return
    parts = quota_counts(n, shares)
    assert sum(parts.values()) == n
    for key, share in shares.items():
        assert abs(parts[key] - Fraction(n * share, sum(shares.values()))) < 1


@given(
    st.fractions(0, 1),
    st.sampled_from([90, 95, 99]),
    st.integers(1, 10**6),
    st.integers(1, 20).map(lambda k: Fraction(k, 100)),
)
def test_the_correction_never_asks_more_than_the_population_nor_more_than_without_it(p, confidence, population, e):
    corrected = sample_size(expected=p, margin=e, confidence=confidence, population=population)
    plain = sample_size(expected=p, margin=e, confidence=confidence)
    assert 0 <= corrected <= min(population, plain)


@given(st.fractions(0, 1), st.integers(1, 20).map(lambda k: Fraction(k, 100)))
def test_the_sample_size_is_the_smallest_whole_number_reaching_n0(p, e):
    n = sample_size(expected=p, margin=e)
    n0 = Fraction("1.96") ** 2 * p * (1 - p) / e**2
    assert n >= n0 and (n == 0 or n - 1 < n0) and n == math.ceil(n0)


def test_aapor_rates_by_hand():
    d = Dispositions(I=40, P=10, R=20, NC=20, O=5, UO=5, ineligible=10)
    # eligible = 40 + 10 + 20 + 20 + 5 + 5 = 100 (the 10 ineligible count nowhere)
    assert rate_percents(d) == {
        "rr1": Decimal("40.00"),  # 40 / 100
        "rr2": Decimal("50.00"),  # 50 / 100
        "coop1": Decimal("53.33"),  # 40 / 75 = 53.333…
        "ref1": Decimal("20.00"),  # 20 / 100
        "con1": Decimal("75.00"),  # 75 / 100
    }


def test_rates_round_half_up_and_are_none_without_a_denominator():
    assert rate_percents(Dispositions(I=1, UO=799))["rr1"] == Decimal("0.13")  # 0.125 % -> 0.13
    assert rate_percents(Dispositions(I=2, UO=1))["rr1"] == Decimal("66.67")
    nothing = rate_percents(Dispositions(ineligible=7))
    assert set(nothing.values()) == {None}
    only_no_contact = rate_percents(Dispositions(NC=4))
    assert only_no_contact["rr1"] == Decimal("0.00") and only_no_contact["coop1"] is None


@given(st.lists(st.integers(0, 1000), min_size=7, max_size=7))
def test_rates_are_shares_and_rr2_is_at_least_rr1(counts):
    d = Dispositions(*counts)
    if d.eligible == 0:
        assert rr1(d) is None
        return
    values = rate_percents(d)
    assert all(Decimal(0) <= v <= Decimal(100) for v in values.values() if v is not None)
    assert values["rr2"] >= values["rr1"] and values["con1"] >= values["rr2"]
    assert rr1(d) == Fraction(d.I, d.I + d.P + d.R + d.NC + d.O + d.UO)


def test_the_final_disposition_is_the_last_attempt_unless_one_completed():
    assert final_disposition([]) == "UO"
    assert final_disposition(["NC", "NC", "R"]) == "R"
    assert final_disposition(["I", "NC"]) == "I"
    assert final_disposition(["NC", "ineligible"]) == "ineligible"
    assert final_disposition(["P", "NC"]) == "NC"
