# ruff: noqa: F811  (fixtures taken from the rankings tests are named as parameters)
"""Assessment fixtures: the rankings fixtures (four schools, exact counts) with a round that closed on 30 June.

city C > D1 > S1, S3, S4 and C > D2 > S2; target rate 90 %.
"""

import datetime

import pytest

from outreach.models import FollowUp, FollowUpCall
from surveys.models import Questionnaire
from tests.factories import ConcernFactory, make_round
from tests.reports.conftest import _empty_cache, _media_in_tmp, earlier_round, give, schools  # noqa: F401

CLOSE = datetime.date(2026, 6, 30)


@pytest.fixture
def round(schools):
    return make_round(schools.values(), target_rate=90, target_rank=2, min_valid_votes=30, end=CLOSE, status="closed")


@pytest.fixture
def concern():
    """``concern(unit, received, deadline, closed_on=None, status="received")``."""

    def make(unit, received, deadline, closed_on=None, status="received"):
        return ConcernFactory(unit=unit, received_on=received, deadline=deadline, closed_on=closed_on, status=status)

    return make


@pytest.fixture
def follow_ups(round, users):
    """``follow_ups(unit, total, called)``: follow-ups of dissatisfied respondents, the first ``called`` called."""

    def make(unit, total, called):
        made = []
        for n in range(total):
            q = Questionnaire.objects.create(
                round=round, unit=unit, respondent_type="parent", channel="phone", date=CLOSE, phone="13812345678"
            )
            follow_up = FollowUp.objects.create(questionnaire=q, unit=unit, round=round)
            if n < called:
                FollowUpCall.objects.create(
                    follow_up=follow_up, date=CLOSE, by=users["staff"], method="phone", notes="回访"
                )
            made.append(follow_up)
        return made

    return make


@pytest.fixture
def assessed(schools, give, concern, follow_ups):
    """The worked example of the README: four schools at 95, 90, 85 and 80 %, concerns and follow-ups."""
    give(schools["s1"], 95, 0, 5)
    give(schools["s3"], 90, 0, 10)
    give(schools["s2"], 85, 0, 15)
    give(schools["s4"], 80, 0, 20)
    march = datetime.date(2026, 3, 2)
    late = [concern(schools["s4"], march, datetime.date(2026, 3, 9)) for _ in range(2)]
    # closed after the round: it was overdue at the close
    late.append(concern(schools["s4"], march, datetime.date(2026, 3, 9), datetime.date(2026, 7, 3), "closed"))
    concern(schools["s4"], march, datetime.date(2026, 3, 9), datetime.date(2026, 3, 5), "closed")  # on time
    concern(schools["s4"], march, datetime.date(2026, 3, 9), status="withdrawn")  # never the unit's
    concern(schools["s4"], datetime.date(2026, 6, 29), datetime.date(2026, 7, 6))  # due after the close
    uncalled_s1 = follow_ups(schools["s1"], 8, 7)[7:]
    follow_ups(schools["s2"], 4, 3)
    return {"late": late, "uncalled_s1": uncalled_s1}
