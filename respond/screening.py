"""The rules that hold an online answer for review instead of counting it.

Each rule has a code (kept on the submission) and a label; thresholds come
from settings (README, "Respondents answer online"). A held answer is in no
figure until staff of the unit accept it.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Min
from django.utils.translation import gettext_lazy as _

from respond.models import Status, Submission
from surveys.models import Questionnaire, Round

RULES = {
    "fast": _("answered faster than the minimum time"),
    "address": _("many answers from one network address for this unit"),
    "phone": _("a phone that has already answered in this round"),
    "device": _("a device that has already answered in this round"),
    "burst": _("a burst of answers far above the unit's usual pace"),
}
BURST_WINDOW = datetime.timedelta(minutes=10)


@dataclass(frozen=True)
class Arrival:
    """What screening looks at in a new answer."""

    round: Round
    unit_id: int
    started_at: datetime.datetime
    submitted_at: datetime.datetime
    address_hash: str
    phone: str
    device: str


def hold_flags(arrival: Arrival) -> list[str]:
    """Codes of the rules the answer breaks (empty: count it)."""
    others = Submission.objects.filter(round=arrival.round).exclude(status=Status.REJECTED)
    flags = []
    if (arrival.submitted_at - arrival.started_at).total_seconds() < settings.MANYI_SCREEN_MIN_SECONDS:
        flags.append("fast")
    since = arrival.submitted_at - datetime.timedelta(minutes=settings.MANYI_SCREEN_ADDRESS_MINUTES)
    same_address = others.filter(unit_id=arrival.unit_id, address_hash=arrival.address_hash, submitted_at__gte=since)
    if same_address.count() >= settings.MANYI_SCREEN_ADDRESS_ANSWERS:
        flags.append("address")
    if arrival.phone and not arrival.round.allow_repeat_phone and _phone_answered(arrival.round, arrival.phone):
        flags.append("phone")
    if arrival.device and others.filter(device=arrival.device).exists():
        flags.append("device")
    if _burst(others.filter(unit_id=arrival.unit_id), arrival.submitted_at):
        flags.append("burst")
    return flags


def _burst(unit_answers, now: datetime.datetime) -> bool:
    """More than MANYI_SCREEN_BURST_MINIMUM answers in the last 10 minutes, and FACTOR times the unit's usual pace.

    The usual pace is the unit's answers per 10 minutes since its first answer, so the first rush of a
    round (a parents' meeting scanning the poster) is its own usual and is not held.
    """
    recent = unit_answers.filter(submitted_at__gte=now - BURST_WINDOW).count()
    if recent < settings.MANYI_SCREEN_BURST_MINIMUM:
        return False
    so_far = unit_answers.aggregate(first=Min("submitted_at"), n=Count("id"))
    windows = max(1.0, (now - so_far["first"]) / BURST_WINDOW)
    return recent > settings.MANYI_SCREEN_BURST_FACTOR * so_far["n"] / windows


def _phone_answered(round: Round, phone: str) -> bool:
    held = Submission.objects.filter(round=round, phone=phone, status=Status.HELD)
    return Questionnaire.objects.filter(round=round, phone=phone).exists() or held.exists()


def flag_labels(flags: str) -> list[str]:
    return [str(RULES[code]) for code in flags.split(",") if code in RULES]
