"""The satisfaction maths, on plain numbers (no database).

rate = (satisfied + basically satisfied) / (satisfied + basically satisfied + dissatisfied)

Excluded answers ("don't know") count in neither part. Rates are exact
fractions; they are rounded (half-up, two decimals of a percent) only for
display, so that ranking never depends on rounding.

Every rounding of a percent in Manyi, and every count of the votes that reach
a target or pass a rival, is here, once.
The functions a ranking calls for each of 1,000 peers work in whole numbers
(``percent_units``, ``column_ranks``, ``votes_to_share``): Fractions and Decimals
would cost more than the figures themselves.
"""

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np

Z_95 = 1.959963984540054  # two-sided 95 % normal quantile


@dataclass(frozen=True, slots=True)
class Counts:
    """Votes by category."""

    satisfied: int = 0
    basic: int = 0
    dissatisfied: int = 0
    excluded: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(
            self.satisfied + other.satisfied,
            self.basic + other.basic,
            self.dissatisfied + other.dissatisfied,
            self.excluded + other.excluded,
        )

    @property
    def positive(self) -> int:
        return self.satisfied + self.basic

    @property
    def valid(self) -> int:
        """The denominator of the rate: every vote but the excluded ones."""
        return self.positive + self.dissatisfied

    @property
    def total(self) -> int:
        return self.valid + self.excluded


def rate(counts: Counts) -> Fraction | None:
    """The exact rate, or None ("no data") when there is no valid vote."""
    if counts.valid == 0:
        return None
    return Fraction(counts.positive, counts.valid)


def percent_units(numerator: int, denominator: int, places: int = 2) -> int:
    """numerator / denominator as a percent in whole units of 10**-places, rounded half-up.

    For numerator >= 0 and denominator > 0. Written with plain operators only, so
    that it takes ints, or numpy integer arrays element-wise (a ranking rounds a
    column of 1,000 rates at once): floor(numerator * 100 * 10**places / denominator + 1/2).
    """
    return (numerator * (2 * 10 ** (places + 2)) + denominator) // (2 * denominator)


def _signed_units(numerator: int, denominator: int, places: int) -> int:
    """``percent_units`` of a value of either sign, rounded half away from zero."""
    units = percent_units(abs(numerator), denominator, places)
    return units if numerator >= 0 else -units


def percent(value: Fraction | None, places: int = 2) -> Decimal | None:
    """A rate (or a difference of rates) as a percent rounded half away from zero (91.105 % -> 91.11 %)."""
    if value is None:
        return None
    return Decimal(_signed_units(value.numerator, value.denominator, places)).scaleb(-places)


def percent_of(part: int, whole: int, places: int = 2) -> Decimal | None:
    """A share that is not a rate (visits done, concerns solved on time), rounded like a rate; None when whole is 0."""
    return percent(Fraction(part, whole), places) if whole else None


def points_units(now_positive: int, now_valid: int, before_positive: int, before_valid: int, places: int = 2) -> int:
    """The change of the exact rate (now - before) in percentage points, in units of 10**-places, rounded half
    away from zero; both valid counts > 0."""
    change = now_positive * before_valid - before_positive * now_valid
    return _signed_units(change, now_valid * before_valid, places)


def rate_keys(positive: list[int], valid: list[int]) -> list[int | None]:
    """Whole numbers in the same order as the exact rates, equal exactly when the rates are equal (None: no data).

    positive * 2**k // valid with 2**k >= (largest valid)**2: two different rates
    differ by at least 1 / (valid1 * valid2), which the shift turns into at least 1.
    Ranking on these is ranking on the exact rates, at the speed of integers.
    """
    shift = 2 * max(valid, default=0).bit_length()
    return [(p << shift) // v if v else None for p, v in zip(positive, valid, strict=True)]


FLOAT_EXACT_VALID = 2**26  # below this many valid votes, float quotients order and tie exactly like the rates


def column_ranks(positive: np.ndarray, valid: np.ndarray) -> list[int | None]:
    """``competition_ranks`` of the rates positive / valid of a whole column at once (None: no valid votes).

    With fewer than 2**26 valid votes the float quotients are the exact rates'
    order: division rounds correctly, so equal rates give equal quotients, and
    two different rates differ by at least 1 / (v1 * v2) > 2**-52, more than two
    roundings of at most 2**-54 each can close. Beyond, ``rate_keys`` rank them.
    """
    rated = valid > 0
    if valid.max(initial=0) >= FLOAT_EXACT_VALID:
        ranks = competition_ranks(enumerate(rate_keys(positive.tolist(), valid.tolist())))
        return [ranks.get(i) for i in range(len(valid))]
    keys = np.where(rated, positive / np.where(rated, valid, 1), -1.0)  # no data: below every rate, unranked
    order = np.argsort(-keys, kind="stable")
    ordered = keys[order]
    first_of_equals = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    ranks = np.empty(len(keys), dtype=np.int64)
    ranks[order] = np.maximum.accumulate(np.where(first_of_equals, np.arange(1, len(keys) + 1), 0))
    return [rank if ok else None for rank, ok in zip(ranks.tolist(), rated.tolist(), strict=True)]


def wilson(counts: Counts, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of the rate, as fractions of 1; None without data."""
    n = counts.valid
    if n == 0:
        return None
    p = counts.positive / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def interval_units(counts: Counts, places: int = 2) -> tuple[int, int] | None:
    """The Wilson interval in percent units of 10**-places, each bound rounded half-up like a rate."""
    bounds = wilson(counts)
    if bounds is None:
        return None
    # The exact value of each float, as percent(Fraction(bound)) would round it, without the Fraction.
    low, high = (percent_units(*bound.as_integer_ratio(), places) for bound in bounds)
    return low, high


@dataclass(frozen=True, slots=True)
class VotesNeeded:
    """How far a unit is from a target rate.

    ``convert``: dissatisfied votes that would have to become positive.
    ``gain``: new positive votes that would have to be added (None if no
    number of new votes can reach the target, i.e. a target of 100 %).
    """

    convert: int
    gain: int | None


def target_share(target_percent: Decimal | Fraction | int) -> Fraction:
    """A target rate given in percent (a round's 90.00) as an exact share of 1."""
    target = Fraction(target_percent) / 100
    if not 0 <= target <= 1:
        raise ValueError("target must be between 0 and 100 percent")
    return target


def reaches(counts: Counts, target: Fraction) -> bool | None:
    """Whether the rate is at least ``target`` (a share of 1); None without data."""
    if not counts.valid:
        return None
    return counts.positive * target.denominator >= target.numerator * counts.valid  # positive / valid >= target


def votes_to_target(counts: Counts, target_percent: Decimal | Fraction | int) -> VotesNeeded | None:
    """Votes needed to reach ``target_percent``; None when the target is already met (or no data)."""
    return votes_to_share(counts, target_share(target_percent))


def votes_to_share(counts: Counts, target: Fraction) -> VotesNeeded | None:
    """``votes_to_target`` for a target given as a share of 1, in whole numbers.

    shortfall = target * valid - positive; convert = ceil(shortfall);
    gain = ceil(shortfall / (1 - target)); here multiplied through by the target's denominator.
    """
    if reaches(counts, target) is not False:
        return None
    numerator, denominator = target.numerator, target.denominator
    short = numerator * counts.valid - counts.positive * denominator  # > 0 here
    gain = None if numerator == denominator else -(-short // (denominator - numerator))
    return VotesNeeded(convert=-(-short // denominator), gain=gain)


def votes_to_pass(counts: Counts, other: Fraction) -> tuple[int | None, int | None]:
    """(votes to convert, new positive votes) for a rate strictly above ``other``.

    Converting: the least c with (positive + c) / valid > other, at most the dissatisfied
    votes (None when even that is not enough). Gaining: the least g with
    (positive + g) / (valid + g) > other (None when ``other`` is 100 %).
    """
    shortfall = other * counts.valid - counts.positive
    if shortfall < 0:
        return 0, 0
    convert = math.floor(shortfall) + 1
    convert = convert if counts.valid and convert <= counts.dissatisfied else None
    gain = None if other >= 1 else math.floor(shortfall / (1 - other)) + 1
    return convert, gain


def competition_ranks(rates: Iterable[tuple[Hashable, Fraction | None]]) -> dict[Hashable, int | None]:
    """Ranks by exact rate, highest first: equal rates share a rank (1, 2, 2, 4); no data is unranked."""
    ranked = sorted(((value, key) for key, value in rates if value is not None), key=lambda item: -item[0])
    ranks: dict[Hashable, int | None] = {}
    previous = None
    for position, (value, key) in enumerate(ranked, start=1):
        if value != previous:
            current_rank, previous = position, value
        ranks[key] = current_rank
    return ranks
