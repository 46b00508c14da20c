"""Call lists, the seeded draw, callers, attempts and the AAPOR rates of a round's phone interviews.

The draw is reproducible: each unit and respondent type gets its own numpy
generator seeded with (draw seed, unit id, type), and draws from the numbers
of that group in id order. A second draw only tops up what the plan still
wants. The final disposition of a number is kept on it by ``attempts_record``,
the one writer of attempts, so rates are one ``GROUP BY`` over the numbers.
"""

import datetime
import secrets
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractHour
from django.utils import timezone
from django.utils.translation import gettext as _

from sampling import maths
from sampling.models import (
    CATEGORY,
    FINAL_RESULTS,
    AttemptResult,
    CallAttempt,
    CallDraw,
    CallNumber,
    CallReveal,
)
from sampling.plans import plan_of, plan_rows
from surveys.models import Channel, RespondentType, Round
from surveys.services import QuestionnaireData, questionnaire_create
from units.models import Unit
from units.paths import ancestors_of

TYPES = ["", *RespondentType.values]  # positions seed the generators: never reorder
# The times of day a caller tries a number not reached at (local time): 上午 before noon, 下午 to 18:00, 晚上 after.
BANDS = [("morning", 0, 12), ("afternoon", 12, 18), ("evening", 18, 24)]
UNANSWERED = [result for result, category in CATEGORY.items() if category == maths.NON_CONTACT]
UPDATE_CHUNK = 900  # ids per UPDATE where the database takes no array (SQLite's variable limit)


@dataclass(frozen=True)
class ListedNumber:
    unit: Unit
    phone: str
    respondent_type: str
    name: str = ""


@transaction.atomic
def call_numbers_add(*, round: Round, numbers: list[ListedNumber]) -> int:
    """Add checked numbers to the round's call list (the reader refused duplicates); all or nothing."""
    CallNumber.objects.bulk_create(
        [CallNumber(round=round, unit=n.unit, phone=n.phone, respondent_type=n.respondent_type, name=n.name)
         for n in numbers],
        batch_size=2000,
    )  # fmt: skip
    return len(numbers)


# ---------------------------------------------------------------- the draw


def _undrawn(round: Round) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ids, unit ids and type positions of the numbers not drawn yet, sorted by unit, type and id."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, unit_id, respondent_type FROM sampling_callnumber WHERE round_id = %s AND draw_id IS NULL",
            [round.pk],
        )
        rows = cursor.fetchall()
    if not rows:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    ids, units, kinds = zip(*rows, strict=True)
    position = {kind: p for p, kind in enumerate(TYPES)}
    ids, units = np.array(ids, np.int64), np.array(units, np.int64)
    kinds = np.array([position.get(k, 0) for k in kinds], np.int64)
    order = np.lexsort((ids, kinds, units))
    return ids[order], units[order], kinds[order]


def _wanted(round: Round) -> dict[int, dict[str, int]]:
    """Per unit, per respondent type ("" for any), the numbers the plan still wants drawn."""
    drawn = defaultdict(lambda: defaultdict(int))
    rows = CallNumber.objects.filter(round=round, draw__isnull=False).values("unit_id", "respondent_type")
    for unit_id, kind, count in rows.annotate(c=Count("id")).values_list("unit_id", "respondent_type", "c"):
        drawn[unit_id][kind] += count
    wanted = {}
    for row in plan_rows(round):
        parts, got = row.quotas or {"": row.n}, drawn[row.unit.pk]
        other = sum(c for kind, c in got.items() if kind not in parts or kind == "")
        wanted[row.unit.pk] = {kind: max(n - (other if kind == "" else got[kind]), 0) for kind, n in parts.items()}
    return wanted


def _chosen(seed: int, ids, units, kinds, wanted: dict[int, dict[str, int]]) -> list[np.ndarray]:
    chosen = []
    starts = np.flatnonzero(np.r_[True, (units[1:] != units[:-1]) | (kinds[1:] != kinds[:-1])])
    stops = np.r_[starts[1:], len(ids)]
    pools = defaultdict(list)  # (unit, quota key) -> slices; types without a quota pool together under ""
    for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
        unit_id, kind = int(units[start]), TYPES[kinds[start]]
        parts = wanted.get(unit_id, {})
        key = kind if kind in parts and kind != "" else ""
        pools[unit_id, key].append((start, stop))
    for (unit_id, key), slices in pools.items():
        count = wanted.get(unit_id, {}).get(key, 0)
        if not count:
            continue
        pool = np.concatenate([ids[a:b] for a, b in slices])
        generator = np.random.default_rng([seed, unit_id, TYPES.index(key)])
        chosen.append(pool if count >= len(pool) else generator.choice(pool, size=count, replace=False))
    return chosen


def _mark_drawn(draw_id: int, ids: np.ndarray) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("UPDATE sampling_callnumber SET draw_id = %s WHERE id = ANY(%s)", [draw_id, ids.tolist()])
        return
    for start in range(0, len(ids), UPDATE_CHUNK):
        CallNumber.objects.filter(id__in=ids[start : start + UPDATE_CHUNK].tolist()).update(draw_id=draw_id)


@transaction.atomic
def call_draw(*, round: Round, user, seed: int | None = None) -> CallDraw:
    """Draw what the plan still wants of each unit and quota from its undrawn numbers; the seed is recorded."""
    seed = secrets.randbits(48) if seed is None else seed
    wanted = _wanted(round)
    ids, units, kinds = _undrawn(round)
    chosen = _chosen(seed, ids, units, kinds, wanted)
    picked = np.concatenate(chosen) if chosen else np.empty(0, np.int64)
    detail = {"wanted": {str(u): parts for u, parts in wanted.items()}}
    draw = CallDraw.objects.create(round=round, seed=seed, drawn=len(picked), by=user, detail=detail)
    _mark_drawn(draw.pk, picked)
    return draw


@transaction.atomic
def callers_assign(*, round: Round, unit: Unit, caller, count: int) -> int:
    """Give ``caller`` up to ``count`` drawn, unassigned numbers of ``unit`` (lowest ids first)."""
    free = CallNumber.objects.filter(round=round, unit=unit, draw__isnull=False, caller__isnull=True)
    ids = list(free.order_by("id").values_list("id", flat=True)[:count])
    return CallNumber.objects.filter(id__in=ids).update(caller=caller)


# ---------------------------------------------------------------- the caller's screen


def time_band(at: datetime.datetime) -> tuple[str, int, int]:
    """The band of the day (name, first hour, hour after the last) that ``at`` falls in, in local time."""
    hour = timezone.localtime(at).hour
    return next(band for band in BANDS if band[1] <= hour < band[2])


def numbers_to_call(round: Round, user, now: datetime.datetime | None = None) -> QuerySet[CallNumber]:
    """The user's numbers still to call: not final, attempts left, not tried within the plan's ``retry_hours``.

    Fewest attempts first; among them, numbers never tried unanswered in the present band of the day
    (上午, 下午, 晚上) before those that were, so that a number is tried at different times of day.
    """
    plan = plan_of(round)
    now = now or timezone.now()
    waited = now - datetime.timedelta(hours=plan.retry_hours)
    _name, first, last = time_band(now)
    # ExtractHour reads the hour in the current time zone (USE_TZ), on PostgreSQL and SQLite alike.
    tried_now = (
        CallAttempt.objects.filter(number=OuterRef("pk"), result__in=UNANSWERED)
        .annotate(hour=ExtractHour("at"))
        .filter(hour__gte=first, hour__lt=last)
    )
    return (
        CallNumber.objects.filter(round=round, caller=user, draw__isnull=False, attempts__lt=plan.max_attempts)
        .exclude(last_result__in=FINAL_RESULTS)
        .exclude(disposition=maths.COMPLETE)
        .filter(Q(last_called_at__isnull=True) | Q(last_called_at__lte=waited))
        .annotate(tried_now=Exists(tried_now))
        .select_related("unit")
        .order_by("attempts", "tried_now", "last_called_at", "id")
    )


def number_reveal(*, number: CallNumber, user) -> str:
    """The whole number for its caller; every reveal is logged."""
    CallReveal.objects.create(number=number, user=user)
    return number.phone


@transaction.atomic
def attempt_record(*, number: CallNumber, result: str, user, at: datetime.datetime | None = None,
                   questionnaire_ref: int | None = None) -> CallAttempt:  # fmt: skip
    """One attempt of a caller; refused past the plan's attempts or after a final result."""
    number = CallNumber.objects.select_for_update().get(pk=number.pk)
    if number.attempts >= plan_of(number.round).max_attempts:
        raise ValidationError(_("This number has had every attempt the plan allows."))
    if number.last_result in FINAL_RESULTS or number.disposition == maths.COMPLETE:
        raise ValidationError(_("This number has a final result: it is not called again."))
    attempt = CallAttempt.objects.create(number=number, at=at or timezone.now(), result=result, caller=user,
                                         questionnaire_ref=questionnaire_ref)  # fmt: skip
    _dispositions_refresh([number.pk])
    return attempt


INTERVIEWED = {AttemptResult.COMPLETE, AttemptResult.PARTIAL}  # results whose interview gives a questionnaire


@transaction.atomic
def interview_save(*, number: CallNumber, result: str, data: QuestionnaireData, user) -> CallAttempt:
    """The questionnaire of a reached respondent, written by the one writer (``questionnaire_create``, source
    "phone"), and the attempt with its result linked to it: both or neither."""
    if result not in INTERVIEWED:
        raise ValidationError(_("Only a completed or partly completed interview gives a questionnaire."))
    if data.unit.pk != number.unit_id or data.channel != Channel.PHONE:
        raise ValidationError(_("A phone interview is a questionnaire of the number's unit, channel 电话."))
    questionnaire = questionnaire_create(round=number.round, data=data, user=user, source="phone")
    return attempt_record(number=number, result=result, user=user, questionnaire_ref=questionnaire.pk)


def _dispositions_refresh(number_ids: list[int]) -> None:
    """Set attempts, last result, time and final disposition of numbers from all their attempts, in time order."""
    history = defaultdict(list)
    attempts = CallAttempt.objects.filter(number_id__in=number_ids).order_by("number_id", "at", "id")
    for number_id, result, at in attempts.values_list("number_id", "result", "at"):
        history[number_id].append((result, at))
    numbers = []
    for number_id in number_ids:
        made = history[number_id]
        numbers.append(
            CallNumber(
                pk=number_id,
                attempts=len(made),
                last_result=made[-1][0] if made else "",
                last_called_at=made[-1][1] if made else None,
                disposition=maths.final_disposition([CATEGORY[r] for r, _at in made]) if made else "",
            )
        )
    CallNumber.objects.bulk_update(numbers, ["attempts", "last_result", "last_called_at", "disposition"], 1000)


@dataclass(frozen=True)
class CalledRow:
    unit: Unit
    phone: str
    at: datetime.datetime
    result: str


@transaction.atomic
def attempts_import(*, round: Round, rows: list[CalledRow], user, file_name: str) -> int:
    """A survey firm's call records (checked by the reader): a number dialled is in the sample, so numbers
    not on the list join it and listed numbers not drawn yet are drawn, by an "imported" draw."""
    listed = CallNumber.objects.filter(round=round)
    known = dict(listed.values_list("phone", "id"))
    undrawn = set(listed.filter(draw__isnull=True).values_list("phone", flat=True))
    new = {row.phone: row.unit for row in rows if row.phone not in known}
    joining = {row.phone for row in rows} & undrawn
    if new or joining:
        detail = {"imported": file_name}
        draw = CallDraw.objects.create(round=round, seed=0, drawn=len(new) + len(joining), by=user, detail=detail)
        listed.filter(phone__in=joining).update(draw=draw)
        created = CallNumber.objects.bulk_create(
            [CallNumber(round=round, unit=unit, phone=phone, draw=draw) for phone, unit in new.items()], 2000
        )
        known |= {n.phone: n.pk for n in created}
    CallAttempt.objects.bulk_create(
        [CallAttempt(number_id=known[r.phone], at=r.at, result=r.result, caller=None, imported=True) for r in rows],
        2000,
    )
    touched = sorted({known[r.phone] for r in rows})
    for start in range(0, len(touched), 5000):
        _dispositions_refresh(touched[start : start + 5000])
    return len(rows)


# ---------------------------------------------------------------- rates


def _disposition_counts(round: Round) -> list[tuple[int, int | None, str, int]]:
    """(unit id, caller id, disposition, numbers) over the drawn numbers: one GROUP BY."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT unit_id, caller_id, disposition, COUNT(*) FROM sampling_callnumber"
            " WHERE round_id = %s AND draw_id IS NOT NULL GROUP BY unit_id, caller_id, disposition",
            [round.pk],
        )
        return cursor.fetchall()


def _dispositions(counts: dict[str, int]) -> maths.Dispositions:
    return maths.Dispositions(**{k: counts.get(k, 0) for k in maths.DISPOSITIONS})


@dataclass
class CallRates:
    by_unit: dict[int, maths.Dispositions]  # every unit with drawn numbers, and every unit above them
    by_caller: dict[int | None, maths.Dispositions]
    units: dict[int, Unit]


def call_rates(round: Round, caller_units: set[int] | None = None) -> CallRates:
    """Final dispositions per unit (pooled up the tree) and per caller; a disposition "" (never dialled) is UO.

    ``caller_units``: count a caller's numbers of these units only (a page shows only what is in its scope).
    """
    own = defaultdict(lambda: defaultdict(int))
    callers = defaultdict(lambda: defaultdict(int))
    for unit_id, caller_id, disposition, count in _disposition_counts(round):
        key = disposition or maths.UNKNOWN
        own[unit_id][key] += count
        if caller_units is None or unit_id in caller_units:
            callers[caller_id][key] += count
    leaves = Unit.objects.filter(pk__in=list(own)).values_list("pk", "path")
    pooled = defaultdict(lambda: defaultdict(int))
    for unit_id, path in leaves:
        for above in {*ancestors_of(path), unit_id}:
            for key, count in own[unit_id].items():
                pooled[above][key] += count
    units = {u.pk: u for u in Unit.objects.filter(pk__in=list(pooled))}
    return CallRates(
        by_unit={u: _dispositions(c) for u, c in pooled.items()},
        by_caller={c: _dispositions(v) for c, v in callers.items()},
        units=units,
    )


def result_choices() -> list[tuple[str, str]]:
    return list(AttemptResult.choices)
