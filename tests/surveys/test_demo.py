"""The demo's survey results: dated within the round and never after today."""

import datetime

from surveys.demo import answered_days
from surveys.models import Round

START, END = datetime.date(2026, 9, 1), datetime.date(2026, 12, 15)


def test_an_open_rounds_demo_questionnaires_are_dated_up_to_today_only():
    round = Round(start=START, end=END)
    assert answered_days(round, datetime.date(2026, 12, 2)) == 92  # 1 September + 92 days = 2 December
    assert answered_days(round, datetime.date(2027, 1, 10)) == (END - START).days  # a past round: all of it
    assert answered_days(round, datetime.date(2026, 8, 1)) == 0  # not started: the first day, not a negative span
