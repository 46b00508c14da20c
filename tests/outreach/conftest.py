"""Fixtures for outreach: a round with questionnaires made directly, households, visitors."""

import datetime

import pytest
from django.utils import translation

from surveys.models import Answer, Indicator, Option, Participation, Questionnaire, Round, Scale
from tests.factories import RoleFactory, UserFactory
from units.models import RoleKind


@pytest.fixture(autouse=True)
def _english(client):
    """Messages are asserted on their English msgids, whatever the state of the Chinese catalogue."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def survey_round(tree):
    scale = Scale.objects.get(code="default")
    round = Round.objects.create(
        code="R1", name="2026 教育满意度", start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31), scale=scale
    )
    for unit in (tree["s1"], tree["s2"]):
        Participation.objects.create(round=round, unit=unit)
    return round


@pytest.fixture
def questionnaire(survey_round):
    """``questionnaire(unit, [option numbers per indicator EDU1..], phone=...)``: 1 满意 ... 3 不满意 4 不了解."""
    options = {o.number: o for o in Option.objects.filter(scale=survey_round.scale)}
    indicators = list(Indicator.objects.filter(code__startswith="EDU").order_by("order"))

    def make(unit, picks: list[int], phone: str = "13812345678", date=datetime.date(2026, 5, 1)) -> Questionnaire:
        q = Questionnaire.objects.create(
            round=survey_round, unit=unit, respondent_type="parent", channel="phone", date=date, phone=phone
        )
        Answer.objects.bulk_create(
            Answer(questionnaire=q, round=survey_round, unit=unit, indicator=indicators[i], option=options[n])
            for i, n in enumerate(picks)
        )
        return q

    return make


@pytest.fixture
def visitor(tree):
    """A teacher of S1 with a staff role there, who visits families."""
    user = UserFactory(username="visitor", first_name="张老师")
    RoleFactory(user=user, unit=tree["s1"], kind=RoleKind.STAFF)
    return user
