"""The one writer of results: questionnaires in batches, reported counts, tallies, trail and announcements."""

import datetime

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from surveys.figures import round_figures
from surveys.hooks import questionnaires_saved
from surveys.models import Answer, ChangeAction, Questionnaire, ReportedCount, ResultChange, RoundStatus
from surveys.tallies import tally_mismatches
from surveys.writing import (
    CHANNEL_VALUES,
    COPY_MIN_ROWS,
    RESPONDENT_VALUES,
    Batch,
    QuestionnaireRows,
    questionnaires_add,
    reported_counts_set_many,
)

pytestmark = pytest.mark.django_db


def rows_for(round, unit_ids: list[int], answers: list[list[int]]) -> QuestionnaireRows:
    """Questionnaires of ``unit_ids``; ``answers`` per questionnaire: option numbers (0: unanswered)."""
    indicator_ids = [i.id for i in round.ordered_indicators()]
    option_ids = [o.id for o in round.scale.options.order_by("number")]
    n = len(unit_ids)
    part = {
        "rows": np.arange(1, n + 1),
        "unit_ids": np.array(unit_ids),
        "respondent_types": np.full(n, RESPONDENT_VALUES.index("parent")),
        "channels": np.full(n, CHANNEL_VALUES.index("online")),
        "dates": np.full(n, datetime.date(2026, 5, 1).toordinal()),
        "numbers": np.array([f"W{k}" for k in range(n)], dtype=object),
        "phones": np.array([f"139{k:08d}" for k in range(n)], dtype=object),
        "answers": np.array([row + [0] * (len(indicator_ids) - len(row)) for row in answers], dtype=np.int8),
    }
    return QuestionnaireRows.concatenate(indicator_ids, option_ids, [part])


def test_a_batch_writes_questionnaires_answers_and_tallies_equal_to_a_recount(round, tree, users):
    rows = rows_for(round, [tree["s1"].id, tree["s1"].id, tree["s2"].id], [[1, 3], [2], [3, 4]])
    ids = questionnaires_add(round=round, rows=rows, user=users["staff"], source="online")
    assert len(ids) == 3 and Questionnaire.objects.filter(pk__in=ids.tolist()).count() == 3
    assert Answer.objects.filter(questionnaire_id__in=ids.tolist()).count() == 5
    assert tally_mismatches(round.id) == []
    figures = round_figures(round)
    assert figures.option_counts(tree["s1"].id, round.ordered_indicators()[0].id) == [1, 1, 0, 0]
    assert figures.option_counts(tree["city"].id, round.ordered_indicators()[1].id) == [0, 0, 1, 1]


def test_each_questionnaire_outside_an_import_leaves_its_own_created_entry(round, tree, users):
    rows = rows_for(round, [tree["s1"].id, tree["s2"].id], [[1], [3, 2]])
    ids = questionnaires_add(round=round, rows=rows, user=users["staff"], source="online").tolist()
    changes = ResultChange.objects.filter(action=ChangeAction.CREATED).order_by("questionnaire_id_ref")
    assert [c.questionnaire_id_ref for c in changes] == ids
    codes = [i.code for i in round.ordered_indicators()]
    second = changes[1].detail
    assert second["source"] == "online" and changes[1].user == users["staff"]
    assert second["after"]["unit"] == "S2" and second["after"]["phone"] == "13900000001"
    assert second["after"]["answers"] == {codes[0]: 3, codes[1]: 2}


def test_an_import_is_traced_once(round, tree, users):
    rows = rows_for(round, [tree["s1"].id] * 4, [[1]] * 4)
    questionnaires_add(round=round, rows=rows, user=users["staff"], source="import",
                       batch=Batch(job_id=7, file_name="a.xlsx", rows=4))  # fmt: skip
    assert list(ResultChange.objects.values_list("action", "detail")) == [
        (ChangeAction.IMPORTED, {"job": 7, "file": "a.xlsx", "rows": 4, "kind": "questionnaires", "source": "import"})
    ]
    assert set(Questionnaire.objects.values_list("import_job", flat=True)) == {7}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_a_large_batch_goes_in_by_copy_with_the_same_result(round, tree, users):
    n = COPY_MIN_ROWS + 2
    rows = rows_for(round, [tree["s1"].id, tree["s2"].id] * (n // 2), [[1, 2], [3, 4]] * (n // 2))
    ids = questionnaires_add(round=round, rows=rows, user=None, source="import", batch=Batch(None, "big.csv", n))
    assert Questionnaire.objects.filter(pk__in=ids.tolist()).count() == len(rows)
    assert tally_mismatches(round.id) == []
    assert set(Questionnaire.objects.values_list("number", flat=True)) == {f"W{k}" for k in range(len(rows))}


def test_saved_questionnaires_are_announced_once_with_their_ids(round, tree, users):
    heard = []

    def listener(sender, *, round_id, ids, phones, **kwargs):
        heard.append((round_id, sorted(ids.tolist())))

    questionnaires_saved.connect(listener)
    try:
        ids = questionnaires_add(round=round, rows=rows_for(round, [tree["s1"].id] * 2, [[1], [2]]), user=None,
                                 source="online")  # fmt: skip
    finally:
        questionnaires_saved.disconnect(listener)
    assert heard == [(round.id, sorted(ids.tolist()))]


def test_nothing_is_written_to_a_round_that_is_not_open(round, tree, users):
    round.status = RoundStatus.CLOSED
    round.save()
    with pytest.raises(ValidationError):
        questionnaires_add(round=round, rows=rows_for(round, [tree["s1"].id], [[1]]), user=None, source="online")
    with pytest.raises(ValidationError):
        reported_counts_set_many(round=round, counts={tree["s1"].id: {}}, user=None)
    assert not Questionnaire.objects.exists()


def test_counts_of_many_units_replace_what_was_there_and_trace_each_unit(round, tree, options, users):
    first = round.ordered_indicators()[0]
    key = (first.id, options[1].id)
    reported_counts_set_many(round=round, counts={tree["s1"].id: {key: 5}}, user=users["staff"])
    changed = reported_counts_set_many(
        round=round, counts={tree["s1"].id: {key: 7}, tree["s2"].id: {key: 2, (first.id, options[3].id): 0}},
        user=users["staff"], batch=Batch(job_id=3, file_name="counts.csv", rows=2),
    )  # fmt: skip
    assert changed == 2  # S1 5 -> 7, S2 0 -> 2; the zero is no change
    assert dict(ReportedCount.objects.values_list("unit__code", "count")) == {"S1": 7, "S2": 2}
    trail = list(ResultChange.objects.order_by("id").values_list("action", "unit__code", "detail"))
    assert trail[1:] == [
        (ChangeAction.COUNTS, "S1", {"changes": {f"{first.code}/1": [5, 7]}, "job": 3}),
        (ChangeAction.COUNTS, "S2", {"changes": {f"{first.code}/1": [0, 2]}, "job": 3}),
        (ChangeAction.IMPORTED, None, {"job": 3, "file": "counts.csv", "rows": 2, "kind": "counts"}),
    ]


@pytest.mark.parametrize(
    "cells, message",
    [
        ({(0, 99_999): 1}, "outside this round"),
        ({(0, 1): -1}, "whole numbers"),
        ({(0, 1): 1.5}, "whole numbers"),
    ],
)
def test_bad_counts_are_refused_and_nothing_is_written(round, tree, options, cells, message):
    first = round.ordered_indicators()[0].id
    counts = {(first, options[o].id if o in options else o): n for (_, o), n in cells.items()}
    with translation.override("en"), pytest.raises(ValidationError, match=message):
        reported_counts_set_many(round=round, counts={tree["s1"].id: counts}, user=None)
    assert not ReportedCount.objects.exists() and not ResultChange.objects.exists()


def test_counts_for_a_unit_outside_the_round_are_refused(round, tree, options):
    key = (round.ordered_indicators()[0].id, options[1].id)
    with translation.override("en"), pytest.raises(ValidationError, match="does not take part"):
        reported_counts_set_many(round=round, counts={tree["d1"].id: {key: 1}}, user=None)
    assert not ReportedCount.objects.exists()
