"""The rules that hold an online answer for review instead of counting it.

Each rule has a code (kept on the submission) and a label; thresholds come
from settings (README, "Respondents answer online"). A held answer is in no
figure until staff of the unit accept it.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min
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
    *, round: Round, unit_id: int, now: datetime.datetime, nonce: str, address_hash: str, device: str, phone: str
) -> Earlier:
    """The round's status and period read again, and every count the rules (the mode's and screening's) need.

    One statement, each count a subquery on its own index, written in SQL:
    built with the ORM it cost more Python than the six to eight queries it replaces
    (docs/performance.md, issue 11). The caller takes the identities' locks
    first, so that the counts see any answer of the same form, device, phone
    or address committed meanwhile. ``round`` (the link's) gets the status,
    period and phone rule read here.
    """
    sub, ops = Submission._meta.db_table, connection.ops
    mine = f"SELECT COUNT(*) FROM {sub} WHERE round_id = %s AND status <> %s"
    at = ops.adapt_datetimefield_value
    hour_ago, since = (
        at(now - datetime.timedelta(hours=1)),
        at(now - datetime.timedelta(minutes=settings.MANYI_SCREEN_ADDRESS_MINUTES)),
    )
    them = [round.pk, Status.REJECTED]
    columns = [
        (f"EXISTS (SELECT 1 FROM {sub} WHERE nonce = %s)", [nonce]),
        (f"({mine} AND device = %s)", [*them, device]) if device else ("0", []),
        (f"({mine} AND mode = %s AND identity = %s)", [*them, Mode.PHONE, phone]) if phone else ("0", []),
        (
            f"EXISTS (SELECT 1 FROM {Questionnaire._meta.db_table} WHERE round_id = %s AND phone = %s) "
            f"OR EXISTS (SELECT 1 FROM {sub} WHERE round_id = %s AND phone = %s AND status = %s)",
            [round.pk, phone, round.pk, phone, Status.HELD],
        )
        if phone
        else ("0", []),
        (f"({mine} AND address_hash = %s AND submitted_at >= %s)", [*them, address_hash, hour_ago]),
        (
            f"({mine} AND unit_id = %s AND address_hash = %s AND submitted_at >= %s)",
            [*them, unit_id, address_hash, since],
        ),
        (f"({mine} AND unit_id = %s AND submitted_at >= %s)", [*them, unit_id, at(now - BURST_WINDOW)]),
    ]
    sql = (
        f"SELECT status, start, {ops.quote_name('end')}, allow_repeat_phone, {', '.join(c for c, _p in columns)} "
        f"FROM {Round._meta.db_table} WHERE id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [p for _c, params in columns for p in params] + [round.pk])
        row = cursor.fetchone()
    if row is None:
        raise Round.DoesNotExist
    status, start, end, repeat_phone, resent, device_n, checked, answered, hour, unit, recent = row
    fields = Round._meta
    round.status, round.allow_repeat_phone = status, bool(repeat_phone)
    round.start, round.end = fields.get_field("start").to_python(start), fields.get_field("end").to_python(end)
    return Earlier(round=round, resent=bool(resent), device=device_n, phone_checked=checked,
                   phone_answered=bool(answered), address_hour=hour, address_unit=unit, unit_recent=recent)  # fmt: skip


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
