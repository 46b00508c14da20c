"""Writes to rounds and results. Each is one transaction and leaves a trace in ``ResultChange``."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from surveys.models import (
    ChangeAction,
    Indicator,
    Participation,
    Questionnaire,
    ResultChange,
    Round,
    RoundIndicator,
    RoundStatus,
    Scale,
)
from surveys.writing import (
    QuestionnaireRows,
    check_results_can_change,
    questionnaire_remove,
    questionnaire_replace,
    questionnaires_add,
    reported_counts_set_many,
    round_ids,
)
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
def round_peer_disclosure_set(*, round: Round, disclosure: str) -> Round:
    """How the round shows each unit's leaders the peers outside their units (a ``PeerDisclosure`` value)."""
    round.peer_disclosure = disclosure
    round.save(update_fields=["peer_disclosure"])
    return round


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


def _validate_questionnaire(round: Round, data: QuestionnaireData, exclude_id: int | None = None) -> tuple[list, list]:
    """Refuse what cannot be saved; returns the round's indicator ids (in order) and its scale's option ids."""
    check_results_can_change(round)
    check_participates(round, data.unit)
    fields = {name: getattr(data, name) for name in ("date", "number", "phone")}
    ids = round_ids(round)
    if errors := questionnaire_problems(
        round=round, answers=data.answers or {}, ids=ids, exclude_id=exclude_id, **fields
    ):
        raise ValidationError(errors)
    return ids


def questionnaire_problems(
    *, round: Round, date=None, number: str = "", phone: str = "", answers=None, ids=None, exclude_id: int | None = None
) -> dict[str, str]:
    """Every problem of a questionnaire at once, by field; a field given as None (not typed, or itself in
    error on the form) is not checked, so that a form with two mistakes shows both."""
    errors = {}
    if date is not None and not round.start <= date <= round.end:
        errors["date"] = _("The date must be within the round's period (%(start)s to %(end)s).") % {
            "start": round.start,
            "end": round.end,
        }
    taken = Questionnaire.objects.filter(round=round).exclude(pk=exclude_id)
    if number and taken.filter(number=number).exists():
        errors["number"] = _("Questionnaire number %(number)s is already used in this round.") % {"number": number}
    if phone and not round.allow_repeat_phone and taken.filter(phone=phone).exists():
        errors["phone"] = _("This phone number has already answered in this round.")
    if answers is not None:
        indicator_ids, option_ids = ids or round_ids(round)
        if set(answers) - set(indicator_ids):
            errors["answers"] = _("An answer was given for an indicator that is not part of this round.")
        elif any(option_id not in option_ids for option_id in answers.values()):
            errors["answers"] = _("An answer is not an option of this round's scale.")
        elif not answers:
            # The writer refuses it too (the last word); said here so that it shows with the other mistakes.
            errors["answers"] = _("A questionnaire must answer at least one indicator.")
    return errors


@contextmanager
def _refusing_duplicates(number: str) -> Iterator[None]:
    # The checks above can race with another clerk; the unique constraint is the last word.
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise ValidationError(
            {"number": _("Questionnaire number %(number)s is already used in this round.") % {"number": number}}
        ) from None


@transaction.atomic
def questionnaire_create(*, round: Round, data: QuestionnaireData, user, source: str = "entry") -> Questionnaire:
    indicator_ids, option_ids = _validate_questionnaire(round, data)
    fields = {name: getattr(data, name) for name in ("respondent_type", "channel", "date", "number", "phone")}
    rows = QuestionnaireRows.single(indicator_ids, option_ids, unit_id=data.unit.pk, answers=data.answers or {},
                                    **fields)  # fmt: skip
    with _refusing_duplicates(data.number):
        (questionnaire_id,) = questionnaires_add(round=round, rows=rows, user=user, source=source).tolist()
    return Questionnaire.objects.select_related("unit").get(pk=questionnaire_id)


@transaction.atomic
def questionnaire_update(*, questionnaire: Questionnaire, data: QuestionnaireData, user) -> Questionnaire:
    questionnaire = Questionnaire.objects.select_for_update().select_related("round", "unit").get(pk=questionnaire.pk)
    _validate_questionnaire(questionnaire.round, data, exclude_id=questionnaire.pk)
    fields = {name: getattr(data, name) for name in ("unit", "respondent_type", "channel", "date", "number", "phone")}
    with _refusing_duplicates(data.number):
        questionnaire_replace(questionnaire=questionnaire, fields=fields, answers=data.answers or {}, user=user)
    return questionnaire


@transaction.atomic
def questionnaire_delete(*, questionnaire: Questionnaire, user) -> None:
    questionnaire = Questionnaire.objects.select_for_update().select_related("round", "unit").get(pk=questionnaire.pk)
    questionnaire_remove(questionnaire=questionnaire, user=user)


# ---------------------------------------------------------------- reported counts


def reported_counts_set(*, round: Round, unit: Unit, counts: dict[tuple[int, int], int], user) -> int:
    """Replace one unit's reported counts: ``counts`` maps (indicator id, option id) to a whole number >= 0.

    Returns how many cells changed.
    """
    with transaction.atomic():
        return reported_counts_set_many(round=round, counts={unit.pk: counts}, user=user)
