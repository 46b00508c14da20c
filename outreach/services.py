"""Writes of outreach: follow-ups of dissatisfied respondents, households, visits and visit rules.

A follow-up or a visit may raise a concern: it is entered in the ledger
through ``ledger.services.concern_create`` and linked, in the same
transaction. Respondents' questionnaires and answers are only ever read.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.models import CategoryOfConcern, Concern, Source
from ledger.services import ConcernData, concern_create
from outreach.models import (
    FollowUp,
    FollowUpCall,
    FollowUpStatus,
    Household,
    PhoneCheck,
    Visit,
    VisitRule,
)
from units import people
from units.models import Unit


@dataclass(frozen=True)
class RaisedConcern:
    """A concern heard during a call or a visit, to be entered in the ledger."""

    category: CategoryOfConcern
    text: str


def _not_in_future(day: datetime.date, message: str) -> None:
    if day > timezone.localdate():
        raise ValidationError(message, code="future")


def _raise(unit: Unit, by, source: str, day: datetime.date, raised: RaisedConcern | None, **person) -> Concern | None:
    if raised is None:
        return None
    data = ConcernData(unit=unit, source=source, category=raised.category, text=raised.text, received_on=day, **person)
    return concern_create(data=data, by=by)


# ---------------------------------------------------------------- follow-ups


def _open_follow_up(follow_up: FollowUp) -> FollowUp:
    fresh = (
        FollowUp.objects.select_for_update(of=("self",)).select_related("unit", "questionnaire").get(pk=follow_up.pk)
    )
    if fresh.status != FollowUpStatus.OPEN:
        raise ValidationError(_("This follow-up is closed."), code="closed")
    return fresh


@transaction.atomic
def follow_up_call_add(
    *,
    follow_up: FollowUp,
    by,
    date: datetime.date,
    method: str,
    notes: str,
    raised: RaisedConcern | None = None,
) -> FollowUpCall:
    follow_up = _open_follow_up(follow_up)
    _not_in_future(date, _("A contact cannot be dated in the future."))
    if date < follow_up.questionnaire.date:
        raise ValidationError(_("A contact cannot be dated before the questionnaire was answered."), code="early")
    if not notes.strip():
        raise ValidationError(_("Write down what was said."), code="required")
    questionnaire = follow_up.questionnaire
    # Named after the questionnaire, so that the ledger calls the respondent back before closing.
    respondent = _("Respondent of questionnaire %(number)s") % {"number": questionnaire}
    concern = _raise(
        follow_up.unit,
        by,
        Source.QUESTIONNAIRE,
        date,
        raised,
        raiser_name=respondent[:50],
        raiser_phone=questionnaire.phone,
    )
    return FollowUpCall.objects.create(
        follow_up=follow_up, date=date, by=by, method=method, notes=notes.strip(), concern=concern
    )


@transaction.atomic
def follow_up_close(*, follow_up: FollowUp, by, status: str, note: str = "") -> FollowUp:
    """Close a follow-up: the problem is solved, or the person declines further contact."""
    follow_up = _open_follow_up(follow_up)
    if status not in (FollowUpStatus.SOLVED, FollowUpStatus.DECLINED):
        raise ValidationError(_("Choose whether the problem is solved or the person declined."), code="status")
    if status == FollowUpStatus.DECLINED and not note.strip():
        raise ValidationError(_("Write down what the person said when declining."), code="required")
    follow_up.status = status
    follow_up.closed_on = timezone.localdate()
    follow_up.closed_by = by
    follow_up.closing_note = note.strip()
    follow_up.save(update_fields=["status", "closed_on", "closed_by", "closing_note"])
    return follow_up


# ---------------------------------------------------------------- households and visits


@dataclass(frozen=True)
class HouseholdData:
    unit: Unit
    name: str
    kind: str
    assigned_to: object = None
    guardian: str = ""
    phone: str = ""
    address: str = ""
    notes: str = ""


def _check_assignee(unit: Unit, user) -> None:
    if user is not None and not people.is_user_of(unit, user):
        raise ValidationError(
            _("%(user)s has no role on %(unit)s, above it or below it.")
            % {"user": people.user_label(user), "unit": unit.name},
            code="person_outside_unit",
        )


def _new_household(data: HouseholdData, by) -> Household:
    if not data.name.strip():
        raise ValidationError(_("A contact needs a name."), code="required")
    return Household(
        unit=data.unit,
        name=data.name.strip(),
        guardian=data.guardian.strip(),
        kind=data.kind,
        phone=data.phone.strip(),
        address=data.address.strip(),
        notes=data.notes.strip(),
        assigned_to=data.assigned_to,
        created_by=by,
    )


@transaction.atomic
def household_create(*, data: HouseholdData, by) -> Household:
    _check_assignee(data.unit, data.assigned_to)
    household = _new_household(data, by)
    household.save()
    return household


@transaction.atomic
def households_import(*, rows: list[HouseholdData], by) -> list[Household]:
    """Create the checked rows of an import: all of them or none. Assignees are checked by the import."""
    return Household.objects.bulk_create(_new_household(data, by) for data in rows)


HOUSEHOLD_FIELDS = ("name", "guardian", "kind", "phone", "address", "notes", "assigned_to", "active")


@transaction.atomic
def household_update(*, household: Household, changes: dict) -> Household:
    unknown = set(changes) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if "assigned_to" in changes:
        _check_assignee(household.unit, changes["assigned_to"])
    for name, value in changes.items():
        setattr(household, name, value.strip() if isinstance(value, str) else value)
    if not household.name:
        raise ValidationError(_("A contact needs a name."), code="required")
    household.save()
    return household


@transaction.atomic
def visit_record(
    *,
    household: Household,
    by,
    date: datetime.date,
    method: str,
    notes: str,
    phone_check: str,
    new_phone: str = "",
    raised: RaisedConcern | None = None,
) -> Visit:
    """Record a visit done; a changed phone number updates the household; a concern raised enters the ledger."""
    household = Household.objects.select_for_update(of=("self",)).select_related("unit").get(pk=household.pk)
    if not household.active:
        raise ValidationError(_("This contact is no longer active."), code="inactive")
    _not_in_future(date, _("A visit cannot be dated in the future: record visits once they are done."))
    if not notes.strip():
        raise ValidationError(_("Write down what was talked about."), code="required")
    if phone_check == PhoneCheck.CHANGED:
        if not new_phone.strip():
            raise ValidationError(_("Enter the new phone number."), code="required")
        household.phone = new_phone.strip()
        household.save(update_fields=["phone"])
    visit = Visit.objects.create(
        household=household, date=date, method=method, by=by, notes=notes.strip(), phone_check=phone_check
    )
    person = {"raiser_name": household.guardian or household.name, "raiser_phone": household.phone}
    concern = _raise(household.unit, by, Source.VISIT, date, raised, **person)
    if concern is not None:
        visit.concerns.add(concern)
    return visit


@transaction.atomic
def visit_rule_set(*, unit: Unit, cadre_quota: int, staff_quota: int, period: str, key_period: str) -> VisitRule:
    rule, _created = VisitRule.objects.update_or_create(
        unit=unit,
        defaults={"cadre_quota": cadre_quota, "staff_quota": staff_quota, "period": period, "key_period": key_period},
    )
    return rule
