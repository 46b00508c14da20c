"""Demo outreach: follow-ups from the open round's dissatisfied answers, households and visits with uneven coverage.

Run after ``units.demo.seed()`` (and ``surveys.demo.seed()`` for follow-ups).
Idempotent: each part is skipped once its rows exist.
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from outreach.models import (
    CallMethod,
    FollowUp,
    FollowUpCall,
    FollowUpStatus,
    Household,
    HouseholdKind,
    PhoneCheck,
    Visit,
    VisitMethod,
)
from outreach.opening import follow_ups_open_for
from outreach.periods import period_start, previous_start
from surveys.models import Questionnaire, Round, RoundStatus
from units.models import GroupMember, Role, RoleKind, Unit, UnitKind

# Units whose staff keep households in the demo: schools and towns of the districts with demo logins.
VISITING_UNITS = ["LY01-S01", "LY01-S02", "LY01-S05", "LY01-T01", "LY03-S01", "LY03-S03", "LY03-S04", "LY03-T02"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "子涵梓萱浩宇欣怡俊杰雨桐晨阳思远佳琪"
SCHOOL_KINDS = [
    HouseholdKind.TOP,
    HouseholdKind.GIFTED,
    HouseholdKind.POOR,
    HouseholdKind.STRUGGLING,
    HouseholdKind.LEFT_BEHIND,
    HouseholdKind.SINGLE_PARENT,
]
NOTES = ["了解孩子在家学习情况", "宣传教育政策，听取意见", "家长对学校工作表示满意", "反映作业偏多，已记录"]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"


def _day(first: datetime.date, last: datetime.date, rng: random.Random) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, max(0, (last - first).days)))


# ---------------------------------------------------------------- follow-ups


def _staff_by_district() -> dict[str, object]:
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["lanshan_staff", "hedong_staff"])}
    fallback = get_user_model().objects.filter(username="city_admin").first()
    return {"LY01": users.get("lanshan_staff") or fallback, "LY03": users.get("hedong_staff") or fallback, "": fallback}


def _seed_follow_ups(rng: random.Random, today: datetime.date) -> dict:
    """Once, give some of the open round's follow-ups (opened as its results were saved) calls and an outcome."""
    open_round = Round.objects.filter(status=RoundStatus.OPEN).order_by("-start").first()
    if open_round is None or FollowUpCall.objects.exists():
        return {"follow_ups": FollowUp.objects.count(), "follow_up_calls": FollowUpCall.objects.count()}
    # The demo's batches are large enough that saving them queued the opening of follow-ups as a task; with a
    # broker set and no worker running yet it has not run, so open them here (it skips those already open).
    with_phone = Questionnaire.objects.filter(round=open_round).exclude(phone="").values_list("pk", flat=True)
    follow_ups_open_for(list(with_phone))
    staff = _staff_by_district()
    calls, closed = [], []
    for follow_up in FollowUp.objects.filter(round=open_round).select_related("questionnaire", "unit"):
        district = follow_up.unit.code[:4]
        busy = district in ("LY01", "LY03")
        if rng.random() > (0.7 if busy else 0.25):
            continue
        by = staff.get(district) or staff[""]
        if by is None:
            continue
        first = follow_up.questionnaire.date
        if first > today:
            continue
        for _ in range(rng.randint(1, 3)):
            method = rng.choice([CallMethod.PHONE, CallMethod.PHONE, CallMethod.VISIT])
            day = _day(first, today, rng)
            calls.append(FollowUpCall(follow_up=follow_up, date=day, by=by, method=method, notes=rng.choice(NOTES)))
        if rng.random() < 0.4:
            follow_up.status = FollowUpStatus.SOLVED if rng.random() < 0.85 else FollowUpStatus.DECLINED
            follow_up.closed_on, follow_up.closed_by = today, by
            follow_up.closing_note = (
                "问题已解决，家长满意" if follow_up.status == FollowUpStatus.SOLVED else "家长不愿再联系"
            )
            closed.append(follow_up)
    FollowUpCall.objects.bulk_create(calls)
    FollowUp.objects.bulk_update(closed, ["status", "closed_on", "closed_by", "closing_note"])
    return {"follow_ups": FollowUp.objects.count(), "follow_up_calls": len(calls)}


# ---------------------------------------------------------------- households and visits


def _visitors(unit: Unit, rng: random.Random) -> list[tuple[object, bool]]:
    """Staff accounts of the unit (created for the demo) and whether each is a cadre (a group member)."""
    User = get_user_model()
    count = rng.randint(4, 8)
    members = list(GroupMember.objects.filter(group__unit=unit, user__isnull=True).exclude(person_name="")[:2])
    visitors = []
    for n in range(count):
        user, created = User.objects.get_or_create(username=f"{unit.code.lower()}_v{n + 1:02d}")
        if created:
            user.first_name = members[n].person_name if n < len(members) else _name(rng)[:2] + "老师"
            user.set_unusable_password()
            user.save()
        Role.objects.get_or_create(user=user, unit=unit, kind=RoleKind.STAFF)
        is_cadre = n < len(members)
        if is_cadre:
            members[n].user = user
            members[n].save(update_fields=["user"])
        visitors.append((user, is_cadre))
    school_staff = User.objects.filter(username="school_staff").first()
    if unit.code == "LY03-S03" and school_staff:
        visitors.append((school_staff, False))
    return visitors


def _visit_days(household: Household, diligence: float, today: datetime.date, town: bool, rng: random.Random):
    """Dates of the visits a household had: weekly, monthly or once a term, kept by a visitor's diligence."""
    if household.kind == HouseholdKind.KEY_HOUSEHOLD:
        starts = [period_start(today - datetime.timedelta(weeks=w), "week") for w in range(6)]
        length = 6
    elif town:
        starts = [period_start(today.replace(day=1) - datetime.timedelta(days=31 * m), "month") for m in range(3)]
        length = 27
    else:
        starts = [period_start(today, "term"), previous_start(today, "term")]
        length = 150
    for start in starts:
        if rng.random() < diligence:
            yield min(today, _day(start, start + datetime.timedelta(days=length), rng))


def _seed_visits(rng: random.Random, today: datetime.date) -> dict:
    if Household.objects.exists():
        return {"households": Household.objects.count(), "visits": Visit.objects.count()}
    households, visits = [], []
    for unit in Unit.objects.filter(code__in=VISITING_UNITS):
        town = unit.kind == UnitKind.TOWN
        for visitor, is_cadre in _visitors(unit, rng):
            quota = 20 if is_cadre else 10
            diligence = rng.choice([0.2, 0.5, 0.8, 0.95, 1.0])
            for _ in range(round(quota * rng.uniform(0.4, 1.1))):
                kind = (HouseholdKind.KEY_HOUSEHOLD if rng.random() < 0.15 else HouseholdKind.OTHER) if town else None
                household = Household(
                    unit=unit,
                    assigned_to=visitor,
                    name=_name(rng),
                    guardian=rng.choice(SURNAMES) + rng.choice(["父", "母", "爷爷", "奶奶"]),
                    kind=kind or rng.choice(SCHOOL_KINDS),
                    phone=_phone(rng),
                    created_on=today - datetime.timedelta(days=rng.randint(60, 400)),
                    created_by=visitor,
                )
                households.append(household)
                for day in _visit_days(household, diligence, today, town, rng):
                    visits.append(
                        Visit(
                            household=household,
                            date=day,
                            by=visitor,
                            method=rng.choice([VisitMethod.IN_PERSON, VisitMethod.PHONE]),
                            notes=rng.choice(NOTES),
                            phone_check=rng.choice([PhoneCheck.YES, PhoneCheck.YES, PhoneCheck.NO, PhoneCheck.CHANGED]),
                        )
                    )
    Household.objects.bulk_create(households)
    Visit.objects.bulk_create(visits)  # each visit's household has its primary key now
    return {"households": len(households), "visits": len(visits)}


@transaction.atomic
def seed() -> dict:
    if not Unit.objects.filter(code="LY").exists():
        return {"follow_ups": 0, "follow_up_calls": 0, "households": 0, "visits": 0}
    rng = random.Random(20260915)
    today = timezone.localdate()
    return {**_seed_follow_ups(rng, today), **_seed_visits(rng, today)}
