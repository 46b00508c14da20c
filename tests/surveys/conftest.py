import datetime

import pytest

from surveys.models import Option
from surveys.services import QuestionnaireData, questionnaire_create
from tests.factories import make_round


@pytest.fixture
def round(tree):
    return make_round([tree["s1"], tree["s2"]], target_rate=90, target_rank=1)


@pytest.fixture
def options(round):
    """Options of the round's scale by number: 1 满意, 2 基本满意, 3 不满意, 4 不了解."""
    return {o.number: o for o in Option.objects.filter(scale=round.scale)}


@pytest.fixture
def answer(round, options, users):
    """``answer(unit, {indicator_position: option_number})``: save one questionnaire."""
    indicators = round.ordered_indicators()

    def save(unit, picks, **fields):
        data = QuestionnaireData(
            unit=unit,
            respondent_type=fields.pop("respondent_type", "parent"),
            channel=fields.pop("channel", "paper"),
            date=fields.pop("date", datetime.date(2026, 5, 1)),
            answers={indicators[i].id: options[n].id for i, n in picks.items()},
            **fields,
        )
        return questionnaire_create(round=round, data=data, user=users["staff"])

    return save
