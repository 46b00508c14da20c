"""Entering results: questionnaires and reported counts, the tallies and the figures."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from surveys.engine import Counts
from surveys.figures import round_figures
from surveys.models import ChangeAction, Questionnaire, ResultChange, RoundStatus
from surveys.services import (
    QuestionnaireData,
    questionnaire_delete,
    questionnaire_update,
    reported_counts_set,
    round_set_status,
)
from surveys.tallies import tally_mismatches, tally_rebuild

pytestmark = pytest.mark.django_db


def test_questionnaires_and_counts_add_up_and_roll_up_the_tree(tree, round, options, answer, users):
    answer(tree["s1"], {0: 1, 1: 2, 2: 3, 3: 4})
    answer(tree["s1"], {0: 1})
    indicators = round.ordered_indicators()
    reported_counts_set(
        round=round,
        unit=tree["s2"],
        user=users["staff"],
        counts={(indicators[0].id, options[1].id): 10, (indicators[0].id, options[3].id): 5},
    )
    figures = round_figures(round)
    assert figures.counts(tree["s1"].id) == Counts(satisfied=2, basic=1, dissatisfied=1, excluded=1)
    assert figures.counts(tree["s1"].id, indicators[0].id) == Counts(satisfied=2)
    assert figures.counts(tree["s2"].id) == Counts(satisfied=10, dissatisfied=5)
    # The district pools its school; the city pools everything.
    assert figures.counts(tree["d1"].id) == figures.counts(tree["s1"].id)
    assert figures.counts(tree["city"].id) == Counts(satisfied=12, basic=1, dissatisfied=6, excluded=1)
    assert figures.option_counts(tree["city"].id, indicators[0].id) == [12, 0, 5, 0]


def test_an_unanswered_indicator_counts_nowhere(tree, round, answer):
    answer(tree["s1"], {0: 1})
    figures = round_figures(round)
    assert figures.counts(tree["s1"].id, round.ordered_indicators()[1].id) == Counts()
    assert figures.rate(tree["s1"].id, round.ordered_indicators()[1].id) is None


def test_editing_and_deleting_keep_tallies_equal_to_a_recount(tree, round, options, answer, users):
    q = answer(tree["s1"], {0: 1, 1: 1})
    answer(tree["s2"], {0: 3})
    data = QuestionnaireData(
        unit=tree["s2"],
        respondent_type="parent",
        channel="phone",
        date=datetime.date(2026, 6, 1),
        answers={round.ordered_indicators()[0].id: options[2].id},
    )
    questionnaire_update(questionnaire=q, data=data, user=users["staff"])
    assert tally_mismatches(round.id) == []
    assert round_figures(round).counts(tree["s1"].id) == Counts()
    questionnaire_delete(questionnaire=q, user=users["staff"])
    assert tally_mismatches(round.id) == []
    assert round_figures(round).counts(tree["city"].id) == Counts(dissatisfied=1)


def test_rebuild_restores_tallies_from_the_answers(tree, round, answer):
    for _ in range(3):
        answer(tree["s1"], {0: 1, 5: 3})
    round.tallies.update(count=99)
    assert tally_mismatches(round.id)
    tally_rebuild(round.id)
    assert tally_mismatches(round.id) == []
    assert round_figures(round).counts(tree["s1"].id) == Counts(satisfied=3, dissatisfied=3)
    round.tallies.all().delete()
    assert tally_rebuild(round.id) == 2
    assert tally_rebuild(round.id) == 0
    assert round_figures(round).counts(tree["s1"].id) == Counts(satisfied=3, dissatisfied=3)


def test_every_change_leaves_a_trace(tree, round, answer, users):
    q = answer(tree["s1"], {0: 1}, number="A-1")
    questionnaire_delete(questionnaire=q, user=users["staff"])
    round_set_status(round=round, status=RoundStatus.CLOSED, user=users["admin"])
    round_set_status(round=round, status=RoundStatus.OPEN, user=users["admin"], reason="录入遗漏")
    actions = list(ResultChange.objects.filter(round=round).order_by("id").values_list("action", flat=True))
    assert actions == [ChangeAction.CREATED, ChangeAction.DELETED, ChangeAction.CLOSED, ChangeAction.REOPENED]
    deleted = ResultChange.objects.get(action=ChangeAction.DELETED)
    assert deleted.user == users["staff"]
    assert deleted.detail["before"]["number"] == "A-1"
    assert ResultChange.objects.get(action=ChangeAction.REOPENED).detail["reason"] == "录入遗漏"


def test_reopening_needs_a_reason(round, users):
    round_set_status(round=round, status=RoundStatus.CLOSED, user=users["admin"])
    with pytest.raises(ValidationError) as error:
        round_set_status(round=round, status=RoundStatus.OPEN, user=users["admin"], reason=" ")
    assert "reason" in error.value.message_dict


@pytest.mark.parametrize("status", [RoundStatus.DRAFT, RoundStatus.CLOSED])
def test_no_entry_unless_the_round_is_open(tree, round, answer, status):
    round.status = status
    round.save()
    with pytest.raises(ValidationError):
        answer(tree["s1"], {0: 1})
    assert Questionnaire.objects.count() == 0


def test_entry_for_a_unit_not_taking_part_is_refused(tree, answer):
    with pytest.raises(ValidationError) as error:
        answer(tree["d1"], {0: 1})
    assert "unit" in error.value.message_dict


def test_duplicate_number_and_phone_are_refused(tree, round, answer):
    answer(tree["s1"], {0: 1}, number="N1", phone="13800000000")
    with pytest.raises(ValidationError) as error:
        answer(tree["s2"], {0: 1}, number="N1")
    assert "number" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        answer(tree["s2"], {0: 1}, phone="13800000000")
    assert "phone" in error.value.message_dict
    round.allow_repeat_phone = True
    round.save()
    answer(tree["s2"], {0: 1}, phone="13800000000")
    assert Questionnaire.objects.count() == 2


def test_date_outside_the_period_is_refused(tree, answer):
    with pytest.raises(ValidationError) as error:
        answer(tree["s1"], {0: 1}, date=datetime.date(2025, 12, 31))
    assert "date" in error.value.message_dict


def test_option_of_another_scale_is_refused(tree, round, answer):
    from surveys.models import Option

    safety = Option.objects.get(scale__code="safety", number=1)
    data = QuestionnaireData(
        unit=tree["s1"],
        respondent_type="parent",
        channel="paper",
        date=datetime.date(2026, 5, 1),
        answers={round.ordered_indicators()[0].id: safety.id},
    )
    from surveys.services import questionnaire_create

    with pytest.raises(ValidationError) as error:
        questionnaire_create(round=round, data=data, user=None)
    assert "answers" in error.value.message_dict


@pytest.mark.parametrize("value", [-1, 1.5, "3", True])
def test_counts_must_be_whole_and_not_negative(tree, round, options, users, value):
    key = (round.ordered_indicators()[0].id, options[1].id)
    with pytest.raises(ValidationError):
        reported_counts_set(round=round, unit=tree["s1"], counts={key: value}, user=users["staff"])
    assert not round.reported_counts.exists()


def test_changing_counts_replaces_them_and_logs_old_and_new(tree, round, options, users):
    key = (round.ordered_indicators()[0].id, options[1].id)
    reported_counts_set(round=round, unit=tree["s1"], counts={key: 7}, user=users["staff"])
    reported_counts_set(round=round, unit=tree["s1"], counts={key: 4}, user=users["staff"])
    assert round_figures(round).counts(tree["s1"].id) == Counts(satisfied=4)
    last = ResultChange.objects.filter(action=ChangeAction.COUNTS).first()
    assert last.detail["changes"] == {"EDU1/1": [7, 4]}


def test_a_dissatisfied_answer_with_a_phone_opens_a_follow_up(tree, round, answer, users):
    from outreach.models import FollowUp

    answer(tree["s1"], {0: 1}, phone="13800000001")
    q = answer(tree["s1"], {0: 3}, phone="13800000002")
    answer(tree["s1"], {0: 3})  # no phone: nobody to call back
    assert list(FollowUp.objects.values_list("questionnaire", flat=True)) == [q.id]
    # An unworked follow-up goes with its questionnaire; the answers were never touched by it.
    questionnaire_delete(questionnaire=q, user=users["staff"])
    assert not FollowUp.objects.exists()
