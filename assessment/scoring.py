"""The points of an assessment (考核), as plain numbers: no database.

Every figure is a ``Decimal`` rounded half-up to two decimals, once, at the
end of each component (a published county rule: "四舍五入保留两位小数").
Rates come in exact (a ``Fraction`` share of 1, as ``surveys.engine.rate``
gives them), so that a unit exactly at the target is never pushed below it by
an earlier rounding.
"""

import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
NO_AWARDS = "不得评先评优"  # the words of the rule, kept in Chinese in every language

# The default scheme (a published county rule): rank 1 +3, 2 +1.5, 3 0, then -0.5 for each place below 3rd.
DEFAULT_RATE_WORTH = Decimal(5)
DEFAULT_RANK_POINTS = (Decimal(3), Decimal("1.5"), Decimal(0))
DEFAULT_RANK_STEP = Decimal("0.5")
DEFAULT_OVERDUE_EACH = Decimal("0.2")
DEFAULT_CALLBACK_EACH = Decimal("0.1")  # per percentage point short of 100 %
DEFAULT_CAP = Decimal(2)


def half_up(value: Decimal | Fraction | int) -> Decimal:
    """Two decimals, halves away from zero (-0.125 -> -0.13), from an exact value."""
    exact = Fraction(value)
    cents = math.floor(abs(exact) * 100 + Fraction(1, 2))
    return (Decimal(cents if exact >= 0 else -cents) / 100).quantize(CENT)


def _exact(value: Decimal | int) -> Fraction:
    return Fraction(Decimal(value))


def rate_points(rate: Fraction | None, target_percent: Decimal | None, worth: Decimal = DEFAULT_RATE_WORTH) -> Decimal:
    """``worth`` when the rate reaches the target, otherwise ``worth × rate / target``; 0 without data.

    Without a target rate the round asks for 100 %, so the points are ``worth × rate``.
    """
    if rate is None:
        return ZERO
    target = _exact(target_percent) / 100 if target_percent else Fraction(1)
    if rate >= target:
        return half_up(worth)
    return half_up(_exact(worth) * rate / target)


def rank_points(
    rank: int | None, top: Sequence[Decimal] = DEFAULT_RANK_POINTS, step: Decimal = DEFAULT_RANK_STEP
) -> Decimal | None:
    """Points for a rank among peers (ties share a rank: 1, 2, 2, 4); None for a unit without data (unranked).

    ``top[i]`` is for rank i + 1; each place below the last of ``top`` takes ``step`` off that last value.
    """
    if rank is None:
        return None
    if rank < 1:
        raise ValueError("ranks start at 1")
    if rank <= len(top):
        return half_up(top[rank - 1])
    last = top[-1] if top else ZERO
    return half_up(Decimal(last) - Decimal(step) * (rank - len(top)))


def count_deduction(count: int, each: Decimal = DEFAULT_OVERDUE_EACH, cap: Decimal | None = DEFAULT_CAP) -> Decimal:
    """``-each`` per item (a concern overdue at the round's close), at most ``-cap``; never positive."""
    if count < 0:
        raise ValueError("a count is never negative")
    return _capped(_exact(each) * count, cap)


def shortfall_deduction(
    done: int, total: int, each: Decimal = DEFAULT_CALLBACK_EACH, cap: Decimal | None = DEFAULT_CAP
) -> Decimal:
    """``-each`` per percentage point by which ``done / total`` falls short of 100 %, at most ``-cap``.

    The share of dissatisfied respondents called back: nobody to call (total 0) costs nothing.
    The shortfall is exact (2 of 3 called: 33.33… points short), rounded once at the end.
    """
    if not 0 <= done <= total:
        raise ValueError("done must lie between 0 and total")
    if not total:
        return ZERO
    short_points = 100 * Fraction(total - done, total)
    return _capped(_exact(each) * short_points, cap)


def shortfall_points(done: int, total: int, points: Decimal, cap: Decimal | None = None) -> Decimal:
    """Points earned in proportion: ``points × done / total`` (visits against quotas), at most ``cap``; 0 for 0."""
    if total <= 0:
        return ZERO
    earned = _exact(points) * Fraction(min(done, total), total)
    if cap is not None:
        earned = min(earned, _exact(cap))
    return half_up(earned)


def _capped(loss: Fraction, cap: Decimal | None) -> Decimal:
    if cap is not None:
        loss = min(loss, _exact(cap))
    points = -half_up(loss)
    return points if points else ZERO  # never "-0.00"


def total(parts: Iterable[Decimal | None]) -> Decimal:
    """The sum of the components (a missing one counts 0), two decimals."""
    return half_up(sum((part for part in parts if part is not None), ZERO))


def below_target(rate: Fraction | None, target_percent: Decimal | None) -> bool:
    """Whether the unit is marked 不得评先评优: below the target rate, or without data to show it reached it.

    A round without a target rate marks nobody.
    """
    if target_percent is None:
        return False
    return rate is None or rate < _exact(target_percent) / 100
