import datetime

import pytest
from django.utils import timezone

from sampling.calls import ListedNumber, call_numbers_add
from tests.factories import make_round


@pytest.fixture
def round(tree):
    today = timezone.localdate()
    return make_round(
        [tree["s1"], tree["s2"]], start=today - datetime.timedelta(days=10), end=today + datetime.timedelta(days=10)
    )


def phones(start: int, count: int) -> list[str]:
    return [f"139{n:08d}" for n in range(start, start + count)]


@pytest.fixture
def listed(round, tree):
    """A call list: 30 parents and 20 students in S1, 10 parents in S2."""
    numbers = [ListedNumber(tree["s1"], p, "parent") for p in phones(0, 30)]
    numbers += [ListedNumber(tree["s1"], p, "student") for p in phones(100, 20)]
    numbers += [ListedNumber(tree["s2"], p, "parent") for p in phones(200, 10)]
    call_numbers_add(round=round, numbers=numbers)
    return numbers
