"""Writes to rounds and results. Each is one transaction and leaves a trace in ``ResultChange``."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from outreach.services import followups_open_for
from surveys.models import (
    Answer,
    Category,
    ChangeAction,
    Indicator,
    Option,
    Participation,
    Questionnaire,
    ReportedCount,
    ResultChange,
    Round,
    RoundIndicator,
    RoundStatus,
    Scale,
)
from surveys.tallies import tally_add
from units.models import Unit


def _actor(user):
    """The user to record, or None for commands and scripts."""
    return user if user is not None and user.is_authenticated else None


def _log(round: Round, user, action: str, unit: Unit | None = None, questionnaire_id=None, **detail) -> None:
    ResultChange.objects.create(
        round=round,
        unit=unit,
        user=_actor(user),
        action=action,
        questionnaire_id_ref=questionnaire_id,
        detail=detail,
    )


# ---------------------------------------------------------------- rounds


@dataclass(frozen=True)
class RoundSpec:
    code: str
    name: str
    start: datetime.date
    end: datetime.date
    scale: Scale
    indicators: list[Indicator]
    target_rate: Decimal | None = None
    target_rank: int | None = None
    previous: Round | None = None
    min_valid_votes: int = 30
    allow_repeat_phone: bool = False


def participants_under(under: Unit, kinds: list[str]) -> list[Unit]:
    """The active units of ``kinds`` in the subtree of ``under``."""
    return list(Unit.objects.under(under).filter(kind__in=kinds, active=True))


@transaction.atomic
def round_create(*, spec: RoundSpec, units: list[Unit], under: Unit | None = None, kinds: list[str] = ()) -> Round:
    if spec.end < spec.start:
        raise ValidationError({"end": _("The end date must not be before the start date.")})
    if Round.objects.filter(code=spec.code).exists():
        raise ValidationError({"code": _("A round with code %(code)s already exists.") % {"code": spec.code}})
    if not spec.indicators:
        raise ValidationError({"indicators": _("A round needs at least one indicator.")})
    round = Round.objects.create(
        code=spec.code,
        name=spec.name,
        start=spec.start,
        end=spec.end,
        scale=spec.scale,
        target_rate=spec.target_rate,
        target_rank=spec.target_rank,
        previous=spec.previous,
        min_valid_votes=spec.min_valid_votes,
        allow_repeat_phone=spec.allow_repeat_phone,
        under=under,
        kinds=",".join(kinds),
    )
    RoundIndicator.objects.bulk_create(
        RoundIndicator(round=round, indicator=indicator, order=i) for i, indicator in enumerate(spec.indicators)
    )
    Participation.objects.bulk_create(Participation(round=round, unit=unit) for unit in units)
    return round


@transaction.atomic
def round_copy(*, source: Round, code: str, name: str, start: datetime.date, end: datetime.date) -> Round:
    """A new round like ``source`` (scale, indicators, units, targets), linked to it as its previous round."""
    spec = RoundSpec(
        code=code,
        name=name,
        start=start,
        end=end,
        scale=source.scale,
        indicators=source.ordered_indicators(),
        target_rate=source.target_rate,
        target_rank=source.target_rank,
        previous=source,
        min_valid_votes=source.min_valid_votes,
        allow_repeat_phone=source.allow_repeat_phone,
    )
    units = list(Unit.objects.filter(participations__round=source))
    kinds = [k for k in source.kinds.split(",") if k]
    return round_create(spec=spec, units=units, under=source.under, kinds=kinds)


_TRANSITIONS = {
    RoundStatus.OPEN: ({RoundStatus.DRAFT}, ChangeAction.OPENED),
    RoundStatus.CLOSED: ({RoundStatus.OPEN}, ChangeAction.CLOSED),
}


@transaction.atomic
def round_set_status(*, round: Round, status: str, user, reason: str = "") -> Round:
    """draft -> open -> closed; closed -> open only by reopening with a reason."""
    round = Round.objects.select_for_update().get(pk=round.pk)
    if round.status == RoundStatus.CLOSED and status == RoundStatus.OPEN:
        if not reason.strip():
            raise ValidationError({"reason": _("Give the reason for reopening the round.")})
        action = ChangeAction.REOPENED
    else:
        allowed_from, action = _TRANSITIONS.get(status, (set(), None))
        if round.status not in allowed_from:
            raise ValidationError(
                {
                    "status": _("A %(old)s round cannot become %(new)s.")
                    % {"old": round.get_status_display(), "new": RoundStatus(status).label}
                }
            )
    round.status = status
    round.save(update_fields=["status"])
    _log(round, user, action, reason=reason.strip())
    return round


def check_results_can_change(round: Round) -> None:
    if round.status != RoundStatus.OPEN:
        raise ValidationError(
            _("The round “%(round)s” is not open: results cannot be changed.") % {"round": round.name}
        )


def check_participates(round: Round, unit: Unit) -> None:
    if not Participation.objects.filter(round=round, unit=unit).exists():
        raise ValidationError({"unit": _("%(unit)s does not take part in this round.") % {"unit": unit.name}})


# ---------------------------------------------------------------- questionnaires


@dataclass
class QuestionnaireData:
    unit: Unit
    respondent_type: str
    channel: str
    date: datetime.date
    number: str = ""
    phone: str = ""
    answers: dict[int, int] | None = None  # indicator id -> option id; unanswered indicators are left out


@dataclass(frozen=True)
class _Checked:
    """What validation loaded, kept to write the answers and the trace without reading again."""

    indicator_codes: dict[int, str]
    options: dict[int, Option]


def _validate_questionnaire(round: Round, data: QuestionnaireData, exclude_id: int | None = None) -> _Checked:
    check_results_can_change(round)
    check_participates(round, data.unit)
    errors = {}
    if not round.start <= data.date <= round.end:
        errors["date"] = _("The date must be within the round's period (%(start)s to %(end)s).") % {
            "start": round.start,
            "end": round.end,
        }
    taken = Questionnaire.objects.filter(round=round).exclude(pk=exclude_id)
    if data.number and taken.filter(number=data.number).exists():
        errors["number"] = _("Questionnaire number %(number)s is already used in this round.") % {"number": data.number}
    if data.phone and not round.allow_repeat_phone and taken.filter(phone=data.phone).exists():
        errors["phone"] = _("This phone number has already answered in this round.")
    codes = dict(round.round_indicators.values_list("indicator_id", "indicator__code"))
    options = {o.id: o for o in Option.objects.filter(scale_id=round.scale_id)}
    answers = data.answers or {}
    if set(answers) - set(codes):
        errors["answers"] = _("An answer was given for an indicator that is not part of this round.")
    elif any(option_id not in options for option_id in answers.values()):
        errors["answers"] = _("An answer is not an option of this round's scale.")
    if errors:
        raise ValidationError(errors)
    return _Checked(codes, options)


def _removal(questionnaire: Questionnaire) -> dict[tuple[int, int, int], int]:
    """Tally deltas that take the questionnaire's stored answers away (one answer per indicator)."""
    return {
        (questionnaire.unit_id, i, o): -1 for i, o in questionnaire.answers.values_list("indicator_id", "option_id")
    }


def _snapshot(q: Questionnaire) -> dict:
    return {
        "unit": q.unit.code,
        "respondent_type": q.respondent_type,
        "channel": q.channel,
        "date": str(q.date),
        "number": q.number,
        "phone": q.phone,
        "answers": {str(i): o for i, o in q.answers.values_list("indicator__code", "option__number")},
    }


def _write_answers(questionnaire: Questionnaire, answers: dict[int, int]) -> None:
    Answer.objects.bulk_create(
        Answer(
            questionnaire=questionnaire,
            round_id=questionnaire.round_id,
            unit_id=questionnaire.unit_id,
            indicator_id=indicator_id,
            option_id=option_id,
        )
        for indicator_id, option_id in answers.items()
    )
    tally_add(questionnaire.round_id, {(questionnaire.unit_id, i, o): 1 for i, o in answers.items()})


def _written(questionnaire: Questionnaire, checked: _Checked, answers: dict[int, int]) -> dict:
    """The trace of what was just written, from memory (the same shape as ``_snapshot``)."""
    snapshot = {field: str(getattr(questionnaire, field)) for field in ("respondent_type", "channel", "date")}
    numbers = {checked.indicator_codes[i]: checked.options[o].number for i, o in answers.items()}
    return {
        "unit": questionnaire.unit.code,
        **snapshot,
        "number": questionnaire.number,
        "phone": questionnaire.phone,
        "answers": numbers,
    }


def _open_follow_up_if_due(questionnaire: Questionnaire, checked: _Checked, answers: dict[int, int]) -> None:
    dissatisfied = any(checked.options[o].category == Category.DISSATISFIED for o in answers.values())
    if dissatisfied and questionnaire.phone:
        followups_open_for([questionnaire.id])


def _save_refusing_duplicates(questionnaire: Questionnaire) -> None:
    # The checks above can race with another clerk; the unique constraint is the last word.
    try:
        with transaction.atomic():
            questionnaire.save()
    except IntegrityError:
        raise ValidationError(
            {
                "number": _("Questionnaire number %(number)s is already used in this round.")
                % {"number": questionnaire.number}
            }
        ) from None


@transaction.atomic
def questionnaire_create(*, round: Round, data: QuestionnaireData, user) -> Questionnaire:
    checked = _validate_questionnaire(round, data)
    answers = data.answers or {}
    questionnaire = Questionnaire(
        round=round,
        unit=data.unit,
        respondent_type=data.respondent_type,
        channel=data.channel,
        date=data.date,
        number=data.number,
        phone=data.phone,
        created_by=_actor(user),
    )
    _save_refusing_duplicates(questionnaire)
    _write_answers(questionnaire, answers)
    _log(
        round, user, ChangeAction.CREATED, data.unit, questionnaire.id, after=_written(questionnaire, checked, answers)
    )
    _open_follow_up_if_due(questionnaire, checked, answers)
    return questionnaire


@transaction.atomic
def questionnaire_update(*, questionnaire: Questionnaire, data: QuestionnaireData, user) -> Questionnaire:
    questionnaire = Questionnaire.objects.select_for_update().select_related("round", "unit").get(pk=questionnaire.pk)
    round = questionnaire.round
    checked = _validate_questionnaire(round, data, exclude_id=questionnaire.pk)
    answers = data.answers or {}
    before = _snapshot(questionnaire)
    tally_add(round.id, _removal(questionnaire))
    questionnaire.answers.all().delete()
    for field in ("unit", "respondent_type", "channel", "date", "number", "phone"):
        setattr(questionnaire, field, getattr(data, field))
    _save_refusing_duplicates(questionnaire)
    _write_answers(questionnaire, answers)
    after = _written(questionnaire, checked, answers)
    _log(round, user, ChangeAction.EDITED, questionnaire.unit, questionnaire.id, before=before, after=after)
    _open_follow_up_if_due(questionnaire, checked, answers)
    return questionnaire


@transaction.atomic
def questionnaire_delete(*, questionnaire: Questionnaire, user) -> None:
    questionnaire = Questionnaire.objects.select_for_update().select_related("round", "unit").get(pk=questionnaire.pk)
    check_results_can_change(questionnaire.round)
    follow_up = getattr(questionnaire, "follow_up", None)
    if follow_up is not None:
        # A follow-up someone has already worked on is a record of its own: it is never lost silently.
        if follow_up.contacts.exists():
            raise ValidationError(
                _("This questionnaire has a follow-up with recorded contacts: close the follow-up instead of deleting.")
            )
        follow_up.delete()
    before = _snapshot(questionnaire)
    tally_add(questionnaire.round_id, _removal(questionnaire))
    _log(questionnaire.round, user, ChangeAction.DELETED, questionnaire.unit, questionnaire.id, before=before)
    questionnaire.delete()


# ---------------------------------------------------------------- reported counts


@transaction.atomic
def reported_counts_set(*, round: Round, unit: Unit, counts: dict[tuple[int, int], int], user) -> int:
    """Replace the unit's reported counts: ``counts`` maps (indicator id, option id) to a whole number >= 0.

    Returns how many cells changed.
    """
    check_results_can_change(round)
    check_participates(round, unit)
    indicator_ids = {ri.indicator_id for ri in round.round_indicators.all()}
    option_ids = set(Option.objects.filter(scale_id=round.scale_id).values_list("id", flat=True))
    for (indicator_id, option_id), value in counts.items():
        if indicator_id not in indicator_ids or option_id not in option_ids:
            raise ValidationError(_("A count was given for an indicator or option outside this round."))
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValidationError(_("Counts must be whole numbers of 0 or more."))
    existing = {
        (i, o): n
        for i, o, n in ReportedCount.objects.select_for_update()
        .filter(round=round, unit=unit)
        .values_list("indicator_id", "option_id", "count")
    }
    changes = {key: (existing.get(key, 0), value) for key, value in counts.items() if value != existing.get(key, 0)}
    for (indicator_id, option_id), (_old, new) in changes.items():
        ReportedCount.objects.update_or_create(
            round=round, unit=unit, indicator_id=indicator_id, option_id=option_id, defaults={"count": new}
        )
    if changes:
        codes = dict(Indicator.objects.filter(pk__in=indicator_ids).values_list("id", "code"))
        numbers = dict(Option.objects.filter(pk__in=option_ids).values_list("id", "number"))
        _log(
            round,
            user,
            ChangeAction.COUNTS,
            unit,
            changes={f"{codes[i]}/{numbers[o]}": [old, new] for (i, o), (old, new) in changes.items()},
        )
    return len(changes)
