"""Visit periods, without a database."""

import datetime

import pytest

from outreach.periods import period_start, previous_start

D = datetime.date


@pytest.mark.parametrize(
    ("day", "period", "start", "previous"),
    [
        (D(2026, 3, 12), "week", D(2026, 3, 9), D(2026, 3, 2)),
        (D(2026, 3, 9), "week", D(2026, 3, 9), D(2026, 3, 2)),
        (D(2026, 3, 12), "month", D(2026, 3, 1), D(2026, 2, 1)),
        (D(2026, 1, 5), "month", D(2026, 1, 1), D(2025, 12, 1)),
        (D(2026, 3, 12), "term", D(2026, 2, 1), D(2025, 8, 1)),
        (D(2026, 9, 1), "term", D(2026, 8, 1), D(2026, 2, 1)),
        (D(2026, 1, 20), "term", D(2025, 8, 1), D(2025, 2, 1)),
    ],
)
def test_period_starts(day, period, start, previous):
    assert period_start(day, period) == start
    assert previous_start(day, period) == previous


def test_an_unknown_period_is_an_error():
    with pytest.raises(ValueError):
        period_start(D(2026, 1, 1), "year")
