"""The workflow of a concern: received -> assigned -> being fixed -> waiting for check -> closed.

Each function is one transaction: it re-reads the concern under a lock,
refuses bad input with a ``ValidationError`` whose message the user reads,
changes the concern and writes one ``ConcernStep``. A failed check or a
dissatisfied call-back sends the concern back to being fixed; nothing is
ever deleted, a concern entered by mistake is withdrawn with a reason.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.models import (
    CategoryOfConcern,
    Concern,
    ConcernStatus,
    ConcernStep,
    Reminder,
    ReminderKind,
    StepKind,
)
from surveys.models import Indicator
from units import people
from units.models import GroupMember, Unit
from workdays.days import add_working_days

# A reminder that a concern is due soon is written this many working days before its deadline.
DUE_SOON_WORKING_DAYS = 2

EDITABLE_FIELDS = ("source", "category", "indicator", "raiser_name", "raiser_phone", "text", "received_on", "deadline")


@dataclass(frozen=True)
class ConcernData:
    unit: Unit
    source: str
    category: CategoryOfConcern
    text: str
    received_on: datetime.date
    indicator: Indicator | None = None
    raiser_name: str = ""
    raiser_phone: str = ""
    deadline: datetime.date | None = None
    detail: dict = field(default_factory=dict)


def default_deadline(category: CategoryOfConcern, received_on: datetime.date) -> datetime.date:
    return add_working_days(received_on, category.default_days)


def _today() -> datetime.date:
    return timezone.localdate()


def _step(concern: Concern, by, kind: str, from_status: str, text: str = "", **detail) -> ConcernStep:
    return ConcernStep.objects.create(
        concern=concern,
        at=timezone.now(),
        by=by if by is not None and by.is_authenticated else None,
        kind=kind,
        from_status=from_status,
        to_status=concern.status,
        text=text,
        detail=detail,
    )


def _locked(concern: Concern) -> Concern:
    """The concern as it is now in the database, locked until the transaction ends."""
    fresh = Concern.objects.select_for_update(of=("self",)).select_related("responsible_member").get(pk=concern.pk)
    if fresh.status == ConcernStatus.CLOSED:
        raise ValidationError(_("This concern is closed and can no longer be changed."), code="closed")
    if fresh.status == ConcernStatus.WITHDRAWN:
        raise ValidationError(_("This concern was withdrawn and can no longer be changed."), code="withdrawn")
    return fresh


def _check_deadline(received_on: datetime.date, deadline: datetime.date) -> None:
    if deadline < received_on:
        raise ValidationError(
            _("The deadline (%(deadline)s) cannot be before the date the concern was received (%(received)s).")
            % {"deadline": deadline.isoformat(), "received": received_on.isoformat()},
            code="deadline_before_receipt",
        )


def _check_received_on(received_on: datetime.date) -> None:
    if received_on > _today():
        raise ValidationError(_("The date a concern was received cannot be in the future."), code="future")


def _require_text(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(message, code="required")
    return text


def validate_concern_data(data: ConcernData) -> datetime.date:
    """Check a new concern and return its deadline (the category's default unless one is given)."""
    _require_text(data.text, _("Write down what was said."))
    _check_received_on(data.received_on)
    deadline = data.deadline or default_deadline(data.category, data.received_on)
    _check_deadline(data.received_on, deadline)
    return deadline


def _new_concern(data: ConcernData, deadline: datetime.date, by) -> Concern:
    return Concern(
        unit=data.unit,
        source=data.source,
        category=data.category,
        indicator=data.indicator or data.category.indicator,
        raiser_name=data.raiser_name.strip(),
        raiser_phone=data.raiser_phone.strip(),
        text=data.text.strip(),
        received_on=data.received_on,
        deadline=deadline,
        created_by=by if by is not None and by.is_authenticated else None,
    )


@transaction.atomic
def concern_create(*, data: ConcernData, by) -> Concern:
    deadline = validate_concern_data(data)
    concern = _new_concern(data, deadline, by)
    concern.save()
    _step(concern, by, StepKind.CREATED, "", deadline=deadline.isoformat(), **data.detail)
    return concern


@transaction.atomic
def concerns_import(*, rows: list[ConcernData], by, file_name: str = "") -> list[Concern]:
    """Create many concerns at once (checked rows of an import): all of them or, on any error, none."""
    concerns = [_new_concern(data, validate_concern_data(data), by) for data in rows]
    created = Concern.objects.bulk_create(concerns)
    now = timezone.now()
    ConcernStep.objects.bulk_create(
        ConcernStep(
            concern=concern,
            at=now,
            by=concern.created_by,
            kind=StepKind.CREATED,
            to_status=ConcernStatus.RECEIVED,
            detail={"deadline": concern.deadline.isoformat(), "imported": file_name},
        )
        for concern in created
    )
    return created


@transaction.atomic
def concern_update(*, concern: Concern, by, changes: dict) -> Concern:
    """Correct what was recorded (category, text, dates, ...); the step names the fields changed."""
    concern = _locked(concern)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    changed = [name for name, value in changes.items() if getattr(concern, name) != value]
    for name in changed:
        setattr(concern, name, changes[name])
    _require_text(concern.text, _("Write down what was said."))
    _check_received_on(concern.received_on)
    _check_deadline(concern.received_on, concern.deadline)
    if not changed:
        return concern
    if "deadline" in changed and concern.deadline >= _today():
        concern.overdue_since = None
    concern.save()
    _step(concern, by, StepKind.EDITED, concern.status, fields=changed)
    return concern


def _resolve_person(unit: Unit, user, member: GroupMember | None) -> None:
    if (user is None) == (member is None):
        raise ValidationError(_("Choose one responsible person."), code="no_person")
    eligible = people.is_user_of(unit, user) if user is not None else people.is_member_of(unit, member)
    if not eligible:
        raise ValidationError(
            _("The responsible person must belong to %(unit)s, a unit above it or a unit below it.")
            % {"unit": unit.name},
            code="person_outside_unit",
        )


@transaction.atomic
def concern_assign(
    *,
    concern: Concern,
    by,
    user=None,
    member: GroupMember | None = None,
    deadline: datetime.date | None = None,
    text: str = "",
) -> Concern:
    """Give the concern to a responsible person (a user or a group member), optionally with a new deadline."""
    concern = _locked(concern)
    if concern.status == ConcernStatus.AWAITING_CHECK:
        raise ValidationError(_("A concern waiting for its check cannot be given to someone else."), code="state")
    _resolve_person(concern.unit, user, member)
    if deadline is not None:
        _check_deadline(concern.received_on, deadline)
        concern.deadline = deadline
        if deadline >= _today():
            concern.overdue_since = None
    from_status = concern.status
    concern.responsible_user, concern.responsible_member = user, member
    if concern.status == ConcernStatus.RECEIVED:
        concern.status = ConcernStatus.ASSIGNED
    concern.save()
    _step(
        concern,
        by,
        StepKind.ASSIGNED,
        from_status,
        text.strip(),
        responsible=concern.responsible_name,
        deadline=concern.deadline.isoformat(),
    )
    return concern


@transaction.atomic
def concern_start_fixing(*, concern: Concern, by, text: str = "") -> Concern:
    concern = _locked(concern)
    if concern.status != ConcernStatus.ASSIGNED:
        raise ValidationError(_("Only an assigned concern can be started."), code="state")
    concern.status = ConcernStatus.FIXING
    concern.save(update_fields=["status", "updated_at"])
    _step(concern, by, StepKind.STARTED, ConcernStatus.ASSIGNED, text.strip())
    return concern


@transaction.atomic
def concern_submit_for_check(*, concern: Concern, by, text: str) -> Concern:
    """The fix is done: say what was done, and wait for someone else to check it."""
    concern = _locked(concern)
    if concern.status != ConcernStatus.FIXING:
        raise ValidationError(_("Only a concern being fixed can be sent for a check."), code="state")
    text = _require_text(text, _("Describe what was done to fix it."))
    concern.status = ConcernStatus.AWAITING_CHECK
    concern.fixed_by = by
    concern.checked_by, concern.checked_at = None, None
    concern.save()
    _step(concern, by, StepKind.SUBMITTED, ConcernStatus.FIXING, text)
    return concern


def fixer_ids(concern: Concern) -> set[int]:
    """Everyone who counts as the fixer: the responsible person's account and whoever reported the fix."""
    return {pk for pk in (concern.fixed_by_id, concern.responsible_account_id()) if pk is not None}


def _close(concern: Concern) -> None:
    concern.status = ConcernStatus.CLOSED
    concern.closed_on = _today()


@transaction.atomic
def concern_check(*, concern: Concern, by, passed: bool, text: str = "") -> Concern:
    """验收: someone other than the fixer checks the fix.

    A passed check closes an anonymous concern; a named person's concern then
    waits for the call-back. A failed check sends it back to being fixed.
    """
    concern = _locked(concern)
    if concern.status != ConcernStatus.AWAITING_CHECK or concern.checked_by_id:
        raise ValidationError(_("This concern is not waiting for a check."), code="state")
    if by.pk in fixer_ids(concern):
        raise ValidationError(
            _("The check must be done by someone other than the person who fixed it."), code="checker_is_fixer"
        )
    if passed:
        concern.checked_by, concern.checked_at = by, timezone.now()
        if concern.is_anonymous:
            _close(concern)
        kind = StepKind.CHECK_PASSED
    else:
        text = _require_text(text, _("Say what is still wrong."))
        concern.status = ConcernStatus.FIXING
        kind = StepKind.CHECK_FAILED
    concern.save()
    _step(concern, by, kind, ConcernStatus.AWAITING_CHECK, text.strip())
    return concern


@transaction.atomic
def concern_call_back(*, concern: Concern, by, satisfied: bool, text: str = "") -> Concern:
    """回访: ask the person who raised the concern whether they are satisfied with the outcome.

    Satisfied closes the concern; not satisfied sends it back to being fixed.
    """
    concern = _locked(concern)
    if concern.is_anonymous:
        raise ValidationError(_("An anonymous concern has nobody to call back."), code="anonymous")
    if concern.status != ConcernStatus.AWAITING_CHECK or not concern.checked_by_id:
        raise ValidationError(_("A concern can be closed only after its fix has been checked."), code="not_checked")
    if satisfied:
        _close(concern)
        kind = StepKind.CALLED_BACK_SATISFIED
    else:
        text = _require_text(text, _("Write down why the person is not satisfied."))
        concern.status = ConcernStatus.FIXING
        concern.checked_by, concern.checked_at = None, None
        kind = StepKind.CALLED_BACK_DISSATISFIED
    concern.save()
    _step(concern, by, kind, ConcernStatus.AWAITING_CHECK, text.strip())
    return concern


@transaction.atomic
def concern_withdraw(*, concern: Concern, by, reason: str) -> Concern:
    """Take a concern out of the ledger (entered twice, not a concern of this unit); it stays on record."""
    concern = _locked(concern)
    reason = _require_text(reason, _("Give the reason for withdrawing the concern."))
    from_status = concern.status
    concern.status = ConcernStatus.WITHDRAWN
    concern.withdrawn_reason = reason
    concern.save()
    _step(concern, by, StepKind.WITHDRAWN, from_status, reason)
    return concern


@transaction.atomic
def reminder_dismiss(*, reminder: Reminder) -> None:
    if reminder.dismissed_at is None:
        reminder.dismissed_at = timezone.now()
        reminder.save(update_fields=["dismissed_at"])


# ---------------------------------------------------------------- the daily run


def _wanted_reminders(today: datetime.date) -> set[tuple[int, int, str]]:
    """(user, concern, kind) of every reminder that should exist today: three queries."""
    wanted: set[tuple[int, int, str]] = set()
    person_fields = ("pk", "unit_id", "responsible_user_id", "responsible_member__user_id")
    due_soon = Concern.objects.due_between(today, add_working_days(today, DUE_SOON_WORKING_DAYS))
    for pk, _unit, user_id, member_user_id in due_soon.values_list(*person_fields):
        if user_id or member_user_id:
            wanted.add((user_id or member_user_id, pk, ReminderKind.DUE_SOON))
    overdue = list(Concern.objects.overdue(today).values_list(*person_fields))
    heads = people.unit_heads(list({row[1] for row in overdue}))
    for pk, unit_id, user_id, member_user_id in overdue:
        if user_id or member_user_id:
            wanted.add((user_id or member_user_id, pk, ReminderKind.OVERDUE))
        for head_id in heads.get(unit_id, ()):
            wanted.add((head_id, pk, ReminderKind.ESCALATED))
    return wanted


@transaction.atomic
def mark_overdue(*, today: datetime.date | None = None) -> dict[str, int]:
    """Mark concerns that passed their deadline and write the reminders of the day.

    Run daily; running it twice a day changes nothing. A fixed number of
    queries whatever the number of concerns.
    """
    today = today or _today()
    newly = list(Concern.objects.overdue(today).filter(overdue_since__isnull=True).values_list("pk", "status"))
    Concern.objects.filter(pk__in=[pk for pk, _ in newly]).update(overdue_since=today)
    now = timezone.now()
    ConcernStep.objects.bulk_create(
        ConcernStep(concern_id=pk, at=now, kind=StepKind.OVERDUE, from_status=status, to_status=status)
        for pk, status in newly
    )
    wanted = _wanted_reminders(today)
    concern_ids = {concern_id for _, concern_id, _ in wanted}
    existing = set(Reminder.objects.filter(concern_id__in=concern_ids).values_list("user_id", "concern_id", "kind"))
    new = wanted - existing
    Reminder.objects.bulk_create(
        (Reminder(user_id=user_id, concern_id=concern_id, kind=kind) for user_id, concern_id, kind in new),
        ignore_conflicts=True,
    )
    return {
        "marked_overdue": len(newly),
        "overdue": Concern.objects.overdue(today).count(),
        "reminders": len(new),
    }
