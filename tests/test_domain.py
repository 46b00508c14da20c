"""The figures printed in docs/domain.md are what the engine computes."""

from fractions import Fraction
from pathlib import Path

import pytest
from django.conf import settings

from surveys.engine import Counts, competition_ranks, percent, rate, votes_to_target, wilson

PAGE = (Path(settings.BASE_DIR) / "docs" / "domain.md").read_text(encoding="utf-8")
EXAMPLE = Counts(satisfied=620, basic=200, dissatisfied=80, excluded=100)


def _shown(counts: Counts) -> str:
    return f"{percent(rate(counts))} %"


def test_the_worked_example_is_the_engines():
    low, high = wilson(EXAMPLE)
    needed = votes_to_target(EXAMPLE, 95)
    assert f"valid votes = 620 + 200 + 80 = {EXAMPLE.valid}" in PAGE
    assert f"rate = {EXAMPLE.positive} / {EXAMPLE.valid} = {_shown(EXAMPLE)}" in PAGE
    assert f"{low * 100:.2f} % to {high * 100:.2f} %" in PAGE
    assert f"convert {needed.convert} dissatisfied votes" in PAGE
    assert f"gain 35 / 0.05 = {needed.gain} more positive votes" in PAGE
    assert votes_to_target(EXAMPLE, 90) is None
    assert "a target of 90 % is already met" in PAGE


def test_the_pooling_example_is_the_engines():
    first, second = Counts(90, 0, 10, 0), Counts(5, 0, 5, 50)
    assert (_shown(first), _shown(second)) == ("90.00 %", "50.00 %")
    assert f"95 / 110 = **{_shown(first + second)}**" in PAGE
    averaged = (percent(rate(first)) + percent(rate(second))) / 2
    assert f"the {averaged:.2f} % that averaging" in PAGE


@pytest.mark.parametrize(
    ("value", "shown"),
    [(Fraction(91105, 100000), "91.11"), (Fraction(9111, 10000), "91.11"), (Fraction(820, 900), "91.11")],
)
def test_the_rounding_examples_are_the_engines(value, shown):
    assert str(percent(value)) == shown


def test_two_rates_shown_alike_are_ranked_apart_and_ties_skip():
    ranks = competition_ranks(
        [
            ("a", Fraction(820, 900)),
            ("b", Fraction(9111, 10000)),
            ("c", Fraction(9111, 10000)),
            ("d", Fraction(1, 2)),
            ("e", None),
        ]
    )
    assert ranks == {"a": 1, "b": 2, "c": 2, "d": 4}
    assert "1, 2, 2, 4" in PAGE
    assert "9,111 / 10,000 is below\n820 / 900" in PAGE
