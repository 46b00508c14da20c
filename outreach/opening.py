"""The one rule that opens follow-ups: a saved questionnaire with a dissatisfied answer and a phone.

``surveys`` announces saved and deleted questionnaires (``surveys.hooks``);
``OutreachConfig.ready()`` connects the listeners below. A few questionnaires
(keyboard entry, an edit, an online answer) get their follow-ups in the same
transaction; a large import gets them from a task after its commit, so that a
million rows are not held up by 30 s of follow-ups.
"""

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from outreach.models import FollowUp, FollowUpStatus
from surveys.models import Answer, Category, Questionnaire

IN_LIST_LIMIT = 900  # ids per INSERT ... SELECT: SQLite's limit on parameters, and short statements
INLINE_LIMIT = 1_000  # above this many questionnaires, follow-ups open in a task after the commit
ANALYZE_AFTER_ROWS = 10_000

IdRanges = list[tuple[int, int]]  # inclusive (first, last) runs of ids: an import's ids come as a few runs


def follow_ups_open_for(questionnaire_ids: list[int]) -> int:
    """Open a follow-up for each questionnaire that has a dissatisfied answer and a phone, unless it has one.

    One ``INSERT ... SELECT`` per 900 ids, nothing loaded into Python (a
    million imported questionnaires took 55 s as Python objects). Returns how
    many follow-ups were opened.
    """
    ids = sorted(set(questionnaire_ids))
    return sum(_open_for_batch(ids[start : start + IN_LIST_LIMIT]) for start in range(0, len(ids), IN_LIST_LIMIT))


def _open_for_batch(ids: list[int]) -> int:
    dissatisfied = Answer.objects.filter(questionnaire=OuterRef("pk"), option__category=Category.DISSATISFIED)
    candidates = Questionnaire.objects.filter(pk__in=ids).exclude(phone="")
    candidates = candidates.filter(Exists(dissatisfied), follow_up__isnull=True)
    select, params = candidates.values_list("pk", "unit_id", "round_id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FollowUp._meta.db_table} (questionnaire_id, unit_id, round_id, status, opened_at, "
            f"closing_note) SELECT q.*, %s, %s, '' FROM ({select}) q",
            [FollowUpStatus.OPEN, timezone.now(), *params],
        )
        return cursor.rowcount


def id_ranges(ids: np.ndarray) -> IdRanges:
    """Sorted ids as inclusive runs of consecutive values, small enough to travel as a task's argument."""
    ids = np.unique(ids)
    if not len(ids):
        return []
    breaks = np.flatnonzero(np.diff(ids) != 1)
    firsts, lasts = np.r_[ids[0], ids[breaks + 1]], np.r_[ids[breaks], ids[-1]]
    return list(zip(firsts.tolist(), lasts.tolist(), strict=True))


def follow_ups_open_in_ranges(ranges: IdRanges) -> int:
    """``follow_ups_open_for`` the ids of ``ranges``, after fresh statistics when the batch was large."""
    total = sum(last - first + 1 for first, last in ranges)
    if connection.vendor == "postgresql" and total >= ANALYZE_AFTER_ROWS:
        # Statistics from before a large load make PostgreSQL pick the phone index over the primary key
        # for the follow-up lookups (280 ms instead of 10 ms per batch of ids).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Questionnaire._meta.db_table}")
    return sum(follow_ups_open_for(list(range(first, last + 1))) for first, last in ranges)


def on_questionnaires_saved(sender, *, round_id: int, ids: np.ndarray, phones: np.ndarray, **kwargs) -> None:
    ids = ids[phones != ""]  # no phone, no follow-up: most paper forms cost no query here
    if not len(ids):
        return
    if len(ids) <= INLINE_LIMIT:
        follow_ups_open_for(ids.tolist())
        return
    from outreach.tasks import open_follow_ups  # the tasks module imports this one

    ranges = id_ranges(ids)
    transaction.on_commit(lambda: open_follow_ups.delay(ranges))


def on_questionnaire_deleting(sender, *, questionnaire: Questionnaire, **kwargs) -> None:
    follow_up = FollowUp.objects.filter(questionnaire=questionnaire).first()
    if follow_up is None:
        return
    # A follow-up someone has already worked on is a record of its own: it is never lost silently.
    if follow_up.calls.exists():
        raise ValidationError(
            _("This questionnaire has a follow-up with recorded contacts: close the follow-up instead of deleting.")
        )
    follow_up.delete()
