"""The satisfaction maths, on plain numbers (no database).

rate = (satisfied + basically satisfied) / (satisfied + basically satisfied + dissatisfied)

Excluded answers ("don't know") count in neither part. Rates are exact
fractions; they are rounded (half-up, two decimals of a percent) only for
display, so that ranking never depends on rounding.
"""

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

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


def percent(value: Fraction | None, places: int = 2) -> Decimal | None:
    """A rate as a percent rounded half-up (91.105 % -> 91.11 %)."""
    if value is None:
        return None
    scale = 10**places
    scaled = value * 100 * scale
    rounded = math.floor(scaled + Fraction(1, 2))
    return (Decimal(rounded) / scale).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


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


@dataclass(frozen=True, slots=True)
class VotesNeeded:
    """How far a unit is from a target rate.

    ``convert``: dissatisfied votes that would have to become positive.
    ``gain``: new positive votes that would have to be added (None if no
    number of new votes can reach the target, i.e. a target of 100 %).
    """

    convert: int
    gain: int | None


def votes_to_target(counts: Counts, target_percent: Decimal | Fraction | int) -> VotesNeeded | None:
    """Votes needed to reach ``target_percent``; None when the target is already met (or no data)."""
    target = Fraction(target_percent) / 100
    if not 0 <= target <= 1:
        raise ValueError("target must be between 0 and 100 percent")
    current = rate(counts)
    if current is None or current >= target:
        return None
    shortfall = target * counts.valid - counts.positive  # > 0 here
    convert = math.ceil(shortfall)
    gain = None if target == 1 else math.ceil(shortfall / (1 - target))
    return VotesNeeded(convert=convert, gain=gain)


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
