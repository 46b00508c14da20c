"""The maths of samples and phone interviews, on plain numbers (no database).

Sample size for a margin of error ``e`` at confidence ``z``, expected rate ``p``:

    n0 = z² · p · (1 − p) / e²,   n = n0 / (1 + (n0 − 1) / N)  (when the population N is known), rounded up.

Response rates as the AAPOR Standard Definitions give them, from the final
dispositions of the numbers drawn: I complete, P partial, R refusal, NC
non-contact, O other, UO unknown (drawn, never dialled); not-eligible numbers
count in no rate. Everything is exact (Fraction); percents are rounded once,
half-up, by ``surveys.engine.percent``.
"""

import math
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from surveys.engine import percent

Z = {90: Fraction("1.645"), 95: Fraction("1.96"), 99: Fraction("2.576")}
DEFAULT_EXPECTED = Fraction(9, 10)  # a unit without a previous rate
DEFAULT_MARGIN = Fraction(3, 100)  # 3 percentage points


def z_for(confidence: int) -> Fraction:
    """z of a two-sided confidence level in percent (90, 95, 99); ValueError for any other."""
    try:
        return Z[int(confidence)]
    except (KeyError, ValueError):
        raise ValueError(f"confidence must be one of {sorted(Z)}, not {confidence!r}") from None


def sample_size(*, expected: Fraction, margin: Fraction, confidence: int = 95, population: int | None = None) -> int:
    """Questionnaires needed for ``margin`` (a share, 3 points = 3/100) at ``confidence``, rounded up.

    ``population`` None: unknown, no correction. A population of 0 needs no sample; a sample never
    exceeds its population (the correction holds n <= N for N >= 1).
    """
    if not 0 <= expected <= 1:
        raise ValueError("the expected rate is a share between 0 and 1")
    if margin <= 0:
        raise ValueError("the margin must be more than 0")
    if population is not None and population < 0:
        raise ValueError("a population cannot be negative")
    n0 = z_for(confidence) ** 2 * expected * (1 - expected) / margin**2
    if population is None:
        return math.ceil(n0)
    if population == 0 or n0 == 0:
        return 0
    return math.ceil(n0 / (1 + (n0 - 1) / population))


def margin_of_error(*, achieved: int, expected: Fraction, confidence: int = 95,
                    population: int | None = None) -> Decimal | None:  # fmt: skip
    """The margin (percentage points, 2 decimals half-up) of a rate from ``achieved`` questionnaires.

    e = z · sqrt(p (1 − p) / n · (N − n) / (N − 1)); None without a questionnaire. The square root is
    taken with 40 digits, then rounded once; a census (n = N) has no sampling error.
    """
    if achieved <= 0:
        return None
    variance = expected * (1 - expected) / achieved
    if population is not None and population > 1:
        variance *= Fraction(max(population - achieved, 0), population - 1)
    with localcontext() as context:
        context.prec = 40
        root = (Decimal(variance.numerator) / Decimal(variance.denominator)).sqrt()
        error = Fraction(root) * z_for(confidence)
    return percent(error)


def margin_beside(*, achieved: int, rate: Fraction | None, expected: Fraction, confidence: int = 95,
                  population: int | None = None) -> Decimal | None:  # fmt: skip
    """THE margin of error shown beside a rate, on every page (sample plan, ranking, unit page, workbook).

    p is the rate it is printed beside (the observed rate at the sample achieved), not the plan's expected rate:
    a margin printed beside 82 % is read as the margin of 82 %, and the expected rate (last round's, or 0.9)
    served only to size the sample before any questionnaire came in. Without an observed rate (no valid vote
    yet) the expected rate stands in. An observed 0 % or 100 % has a margin of 0 by this (Wald) formula: the
    ranking's Wilson interval beside it stays honest at the ends.
    """
    return margin_of_error(achieved=achieved, expected=expected if rate is None else rate, confidence=confidence,
                           population=population)  # fmt: skip


def quota_counts(n: int, shares: dict[str, int | Fraction]) -> dict[str, int]:
    """``n`` split by ``shares`` (any positive weights) with the largest remainder, so the parts add up to n.

    Ties of remainders go to the first key, so the split is the same every time.
    """
    total = sum(shares.values())
    if n < 0 or total <= 0 or any(s < 0 for s in shares.values()):
        raise ValueError("n >= 0 and shares that are not negative and not all 0")
    exact = {key: Fraction(n) * Fraction(share) / Fraction(total) for key, share in shares.items()}
    parts = {key: math.floor(value) for key, value in exact.items()}
    left = n - sum(parts.values())
    by_remainder = sorted(exact, key=lambda key: -(exact[key] - parts[key]))  # sorted() is stable: ties keep order
    for key in by_remainder[:left]:
        parts[key] += 1
    return parts


# ---------------------------------------------------------------- AAPOR dispositions and rates

COMPLETE, PARTIAL, REFUSAL, NON_CONTACT, OTHER, UNKNOWN, INELIGIBLE = "I", "P", "R", "NC", "O", "UO", "ineligible"
DISPOSITIONS = [COMPLETE, PARTIAL, REFUSAL, NON_CONTACT, OTHER, UNKNOWN, INELIGIBLE]


def final_disposition(categories: list[str]) -> str:
    """The disposition of a number from its attempts' categories in time order.

    The last attempt decides, except that any complete makes a complete; never dialled: UO.
    """
    if not categories:
        return UNKNOWN
    return COMPLETE if COMPLETE in categories else categories[-1]


@dataclass(frozen=True, slots=True)
class Dispositions:
    """Final dispositions of the numbers drawn, counted."""

    I: int = 0  # noqa: E741 (AAPOR's letter)
    P: int = 0
    R: int = 0
    NC: int = 0
    O: int = 0  # noqa: E741
    UO: int = 0
    ineligible: int = 0

    def __add__(self, other: "Dispositions") -> "Dispositions":
        return Dispositions(*(getattr(self, k) + getattr(other, k) for k in DISPOSITIONS))

    @property
    def eligible(self) -> int:
        """Eligible and of unknown eligibility: the denominator of RR1, RR2, REF1 and CON1."""
        return self.I + self.P + self.R + self.NC + self.O + self.UO

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in DISPOSITIONS}


def _share(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


def rr1(d: Dispositions) -> Fraction | None:
    return _share(d.I, d.eligible)


def rr2(d: Dispositions) -> Fraction | None:
    return _share(d.I + d.P, d.eligible)


def coop1(d: Dispositions) -> Fraction | None:
    return _share(d.I, d.I + d.P + d.R + d.O)


def ref1(d: Dispositions) -> Fraction | None:
    return _share(d.R, d.eligible)


def con1(d: Dispositions) -> Fraction | None:
    return _share(d.I + d.P + d.R + d.O, d.eligible)


RATES = {"rr1": rr1, "rr2": rr2, "coop1": coop1, "ref1": ref1, "con1": con1}


def rate_percents(d: Dispositions) -> dict[str, Decimal | None]:
    """Every rate as a percent with two decimals, half-up; None without a denominator."""
    return {name: percent(function(d)) for name, function in RATES.items()}
