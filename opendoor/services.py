"""Writes of open-door activities: the rules administrators set, the activities staff record, opinions made concerns."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.models import CategoryOfConcern, Source
from ledger.services import ConcernData, concern_create
from opendoor.models import Activity, ActivityKind, ActivityRule, Opinion, Schedule
from units.models import Unit

# The ledger's own sources where one matches the activity; the rest are "open-door activity".
SOURCE_OF = {
    ActivityKind.RECEPTION_DAY: Source.RECEPTION_DAY,
    ActivityKind.OPEN_DAY: Source.OPEN_DAY,
    ActivityKind.PARENT_COMMITTEE: Source.PARENT_COMMITTEE,
    ActivityKind.SUPERVISORS: Source.SUPERVISOR,
}


def _check_rule(rule: ActivityRule) -> None:
    if rule.schedule == Schedule.MONTHLY and rule.weekday is None:
        raise ValidationError({"weekday": _("A monthly activity needs its weekday.")})
    if rule.schedule == Schedule.PHASE:
        if rule.starts_on is None or rule.ends_on is None:
            raise ValidationError({"starts_on": _("A phase needs the dates it starts and ends on.")})
        if rule.ends_on < rule.starts_on:
            raise ValidationError({"ends_on": _("A phase cannot end before it starts.")})
    if rule.schedule == Schedule.MONTHLY and rule.count != 1:
        raise ValidationError({"count": _("A monthly activity is held once a month: leave 1.")})


@transaction.atomic
def rule_add(*, rule: ActivityRule) -> ActivityRule:
    """Save a new rule (built by the form, ``under`` set by the page) after checking its schedule's fields."""
    if rule.schedule != Schedule.MONTHLY:
        rule.weekday = None
    if rule.schedule != Schedule.PHASE:
        rule.starts_on = rule.ends_on = None
    _check_rule(rule)
    rule.save()
    return rule


@transaction.atomic
def rule_delete(*, rule: ActivityRule) -> None:
    rule.delete()


def _check_held_on(held_on: datetime.date) -> None:
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("An activity cannot be recorded before it is held (the date is ahead).")})


@transaction.atomic
def activity_record(
    *,
    unit: Unit,
    kind: str,
    held_on: datetime.date,
    by,
    attended_by: str = "",
    participants: int = 0,
    summary: str = "",
    opinions: list[str] = (),
) -> Activity:
    """Record what was held, with the opinions raised (one text each; empty ones are left out)."""
    _check_held_on(held_on)
    activity = Activity.objects.create(
        unit=unit,
        kind=kind,
        held_on=held_on,
        attended_by=attended_by.strip(),
        participants=participants,
        summary=summary.strip(),
        created_by=by if by is not None and by.is_authenticated else None,
    )
    Opinion.objects.bulk_create(Opinion(activity=activity, text=text.strip()) for text in opinions if text.strip())
    return activity


@transaction.atomic
def opinion_to_concern(*, opinion: Opinion, category: CategoryOfConcern, by, raiser_name: str = ""):
    """Put an opinion in the ledger as a concern of the activity's unit, received on the day it was raised."""
    opinion = Opinion.objects.select_for_update().select_related("activity__unit").get(pk=opinion.pk)
    if opinion.concern_id:
        raise ValidationError(_("This opinion is already concern #%(pk)s.") % {"pk": opinion.concern_id})
    activity = opinion.activity
    data = ConcernData(
        unit=activity.unit,
        source=SOURCE_OF.get(activity.kind, Source.OPEN_DOOR),
        category=category,
        text=opinion.text,
        received_on=activity.held_on,
        raiser_name=raiser_name,
        detail={"activity": activity.pk},
    )
    opinion.concern = concern_create(data=data, by=by)
    opinion.save(update_fields=["concern"])
    return opinion.concern
