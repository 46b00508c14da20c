"""The rules that hold an online answer for review instead of counting it.

Each rule has a code (kept on the submission) and a label; thresholds come
from settings (README, "Respondents answer online"). A held answer is in no
figure until staff of the unit accept it.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, Min, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from respond.models import Mode, Status, Submission
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
class Earlier:
    """The round as it is now, and what the rules count of the answers before this one (rejected ones left out)."""

    round: Round
    resent: bool  # an answer with this form's nonce exists (in any round): this one is that one, sent again
    device: int  # answers from this device in the round
    phone_checked: int  # answers of the phone-check mode with this phone in the round
    phone_answered: bool  # a questionnaire of the round, or a held answer, has this phone
    address_hour: int  # answers from this network address in the round in the last hour (the open mode's limit)
    address_unit: int  # answers from this address for this unit in the last MANYI_SCREEN_ADDRESS_MINUTES
    unit_recent: int  # answers for this unit in the last BURST_WINDOW


def earlier_answers(
    *, round_id: int, unit_id: int, now: datetime.datetime, nonce: str, address_hash: str, device: str, phone: str
) -> Earlier:
    """The round and every count the rules (the mode's and screening's) need, in one query.

    Each count is a subquery of its own, on its own index; the caller takes
    the identities' locks first, so that the counts see any answer of the
    same device, phone, address or form committed meanwhile.
    """
    mine = Submission.objects.filter(round_id=round_id).exclude(status=Status.REJECTED)
    since = now - datetime.timedelta(minutes=settings.MANYI_SCREEN_ADDRESS_MINUTES)
    by_phone = ExpressionWrapper(
        Exists(Questionnaire.objects.filter(round_id=round_id, phone=phone))
        | Exists(Submission.objects.filter(round_id=round_id, phone=phone, status=Status.HELD)),
        output_field=BooleanField(),
    )
    counts = {
        "resent": Exists(Submission.objects.filter(nonce=nonce)),
        "device": _count(mine.filter(device=device)) if device else Value(0),
        "phone_checked": _count(mine.filter(mode=Mode.PHONE, identity=phone)) if phone else Value(0),
        "phone_answered": by_phone if phone else Value(False),
        "address_hour": _count(
            mine.filter(address_hash=address_hash, submitted_at__gte=now - datetime.timedelta(hours=1))
        ),
        "address_unit": _count(mine.filter(unit_id=unit_id, address_hash=address_hash, submitted_at__gte=since)),
        "unit_recent": _count(mine.filter(unit_id=unit_id, submitted_at__gte=now - BURST_WINDOW)),
    }
    round = (
        Round.objects.order_by()
        .annotate(**{f"earlier_{name}": value for name, value in counts.items()})
        .get(pk=round_id)
    )
    return Earlier(round=round, **{name: getattr(round, f"earlier_{name}") for name in counts})


def _count(rows: QuerySet) -> Coalesce:
    return Coalesce(Subquery(rows.order_by().values("round_id").annotate(n=Count("pk")).values("n")), 0)


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
    earlier: Earlier


def hold_flags(arrival: Arrival) -> list[str]:
    """Codes of the rules the answer breaks (empty: count it)."""
    earlier = arrival.earlier
    flags = []
    if (arrival.submitted_at - arrival.started_at).total_seconds() < settings.MANYI_SCREEN_MIN_SECONDS:
        flags.append("fast")
    if earlier.address_unit >= settings.MANYI_SCREEN_ADDRESS_ANSWERS:
        flags.append("address")
    if arrival.phone and not arrival.round.allow_repeat_phone and earlier.phone_answered:
        flags.append("phone")
    if arrival.device and earlier.device:
        flags.append("device")
    unit_answers = Submission.objects.filter(round=arrival.round, unit_id=arrival.unit_id).exclude(
        status=Status.REJECTED
    )
    if _burst(unit_answers, earlier.unit_recent, arrival.submitted_at):
        flags.append("burst")
    return flags


def _burst(unit_answers, recent: int, now: datetime.datetime) -> bool:
    """More than MANYI_SCREEN_BURST_MINIMUM answers in the last 10 minutes (``recent``), and FACTOR times the
    unit's usual pace.

    The usual pace is the unit's answers per 10 minutes since its first answer, so the first rush of a
    round (a parents' meeting scanning the poster) is its own usual and is not held.
    """
    if recent < settings.MANYI_SCREEN_BURST_MINIMUM:
        return False
    so_far = unit_answers.aggregate(first=Min("submitted_at"), n=Count("id"))
    windows = max(1.0, (now - so_far["first"]) / BURST_WINDOW)
    return recent > settings.MANYI_SCREEN_BURST_FACTOR * so_far["n"] / windows


def flag_labels(flags: str) -> list[str]:
    return [str(RULES[code]) for code in flags.split(",") if code in RULES]
