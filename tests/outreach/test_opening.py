"""Follow-ups open as surveys announces saved questionnaires: inline for a few, by a task after a large batch."""

import datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import outreach.demo
from outreach import opening
from outreach.models import FollowUp
from surveys.models import Option, RoundStatus
from surveys.services import QuestionnaireData, questionnaire_create, questionnaire_delete, questionnaire_update
from surveys.writing import CHANNEL_VALUES, RESPONDENT_VALUES, QuestionnaireRows, questionnaires_add
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_round(survey_round):
    survey_round.status = RoundStatus.OPEN
    survey_round.save()
    return survey_round


def entered(round, unit, option_number: int, phone="13812345678", **fields):
    option = Option.objects.get(scale=round.scale, number=option_number)
    indicator = round.ordered_indicators()[0]
    data = QuestionnaireData(unit=unit, respondent_type="parent", channel="phone", date=datetime.date(2026, 5, 1),
                             phone=phone, answers={indicator.id: option.id}, **fields)  # fmt: skip
    return data


@pytest.fixture
def indicators(open_round):
    from surveys.models import Indicator, RoundIndicator

    for order, indicator in enumerate(Indicator.objects.filter(code__startswith="EDU").order_by("order")[:2]):
        RoundIndicator.objects.create(round=open_round, indicator=indicator, order=order)
    return open_round.ordered_indicators()


def test_an_entered_dissatisfied_answer_with_a_phone_opens_a_follow_up_in_the_same_transaction(
    open_round, indicators, tree, users
):
    q = questionnaire_create(round=open_round, data=entered(open_round, tree["s1"], 3), user=users["staff"])
    satisfied = questionnaire_create(round=open_round, data=entered(open_round, tree["s1"], 1, phone="13900000000"),
                                     user=users["staff"])  # fmt: skip
    assert list(FollowUp.objects.values_list("questionnaire_id", flat=True)) == [q.pk]
    # An edit that makes the satisfied answer dissatisfied opens its follow-up too.
    questionnaire_update(questionnaire=satisfied, data=entered(open_round, tree["s1"], 3, phone="13900000000"),
                         user=users["staff"])  # fmt: skip
    assert FollowUp.objects.filter(questionnaire=satisfied).exists()


def test_deleting_a_questionnaire_deletes_its_untouched_follow_up(open_round, indicators, tree, users):
    q = questionnaire_create(round=open_round, data=entered(open_round, tree["s1"], 3), user=users["staff"])
    questionnaire_delete(questionnaire=q, user=users["staff"])
    assert not FollowUp.objects.exists()


def _large_batch(open_round, indicators, tree, monkeypatch) -> QuestionnaireRows:
    """Five questionnaires, two of them (the 1st and 4th) dissatisfied with a phone; "large" above 2."""
    monkeypatch.setattr(opening, "INLINE_LIMIT", 2)
    n = 5
    part = {
        "rows": np.arange(1, n + 1), "unit_ids": np.full(n, tree["s1"].id),
        "respondent_types": np.full(n, RESPONDENT_VALUES.index("parent")),
        "channels": np.full(n, CHANNEL_VALUES.index("online")),
        "dates": np.full(n, datetime.date(2026, 5, 1).toordinal()),
        "numbers": np.array([""] * n, dtype=object),
        "phones": np.array(["13800000001", "", "13800000003", "13800000004", "13800000005"], dtype=object),
        "answers": np.array([[3, 0], [3, 3], [1, 2], [0, 3], [4, 0]], dtype=np.int8),
    }  # fmt: skip
    option_ids = [o.id for o in open_round.scale.options.order_by("number")]
    return QuestionnaireRows.concatenate([i.id for i in indicators], option_ids, [part])


def test_a_large_batch_opens_its_follow_ups_by_a_task_after_the_commit(
    open_round, indicators, tree, monkeypatch, django_capture_on_commit_callbacks
):
    rows = _large_batch(open_round, indicators, tree, monkeypatch)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ids = questionnaires_add(round=open_round, rows=rows, user=None, source="import").tolist()
    assert not FollowUp.objects.exists() and len(callbacks) == 1  # nothing opened before the commit
    callbacks[0]()  # the commit: the task runs (in-process here, on a worker in production)
    assert sorted(FollowUp.objects.values_list("questionnaire_id", flat=True)) == [ids[0], ids[3]]


def test_the_demo_opens_follow_ups_whose_task_has_not_run(
    open_round, indicators, tree, monkeypatch, django_capture_on_commit_callbacks
):
    """Seeded with a broker and no worker, the task opening a large batch's follow-ups waits: the demo opens them."""
    rows = _large_batch(open_round, indicators, tree, monkeypatch)
    with django_capture_on_commit_callbacks(execute=False):  # the task is never run
        ids = questionnaires_add(round=open_round, rows=rows, user=None, source="demo").tolist()
    assert not FollowUp.objects.exists()
    UnitFactory(code="LY", name="临沂市")  # the demo seeds only the demo city's data
    outreach.demo.seed()
    assert sorted(FollowUp.objects.values_list("questionnaire_id", flat=True)) == [ids[0], ids[3]]
    outreach.demo.seed()  # again: nothing opened twice
    assert FollowUp.objects.count() == 2


@given(st.sets(st.integers(min_value=1, max_value=10_000), max_size=200))
def test_id_ranges_cover_exactly_the_ids(ids):
    ranges = opening.id_ranges(np.array(sorted(ids), dtype=np.int64))
    expanded = [i for first, last in ranges for i in range(first, last + 1)]
    assert expanded == sorted(ids)
    # Runs are maximal: the next run never starts right after the previous one ends.
    assert all(b[0] > a[1] + 1 for a, b in zip(ranges, ranges[1:], strict=False))
