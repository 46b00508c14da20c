"""Demo open-door activities: the plans' rules for every school of the city, and a term of activities for a few.

Run after ``units.demo.seed()``. Idempotent: skipped once the city has rules.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from opendoor.models import Activity, ActivityKind, ActivityRule, Opinion, Schedule
from outreach.periods import period_start
from units.models import Unit, UnitKind
from workdays.days import calendar

CITY_CODE = "LY"
# Schools of the districts with demo logins: busy ones, a lagging one, one that held nothing.
BUSY = {"LY01-S01": 1.0, "LY01-S02": 0.6, "LY03-S01": 0.9, "LY03-S03": 0.3}
OPINIONS = ["希望延长课后服务时间", "校门口放学时段交通拥堵", "食堂饭菜偏咸", "作业量偏多", "希望多组织家长开放活动"]
RULES = [  # the plans: 每月第一个周一校长接待日、第一个周三开放日、每学期家长会 2 次、家委会 4 次、社区监督员 10 名
    {"kind": ActivityKind.RECEPTION_DAY, "schedule": Schedule.MONTHLY, "weekday": 0},
    {"kind": ActivityKind.OPEN_DAY, "schedule": Schedule.MONTHLY, "weekday": 2},
    {"kind": ActivityKind.PARENT_MEETING, "schedule": Schedule.TERM, "count": 2},
    {"kind": ActivityKind.PARENT_COMMITTEE, "schedule": Schedule.TERM, "count": 4},
    {"kind": ActivityKind.SUPERVISORS, "schedule": Schedule.TERM, "count": 10, "counts_people": True},
]


def _planned_days(first: datetime.date, last: datetime.date) -> dict[str, list[datetime.date]]:
    """The days a diligent school holds each activity between ``first`` and ``last``."""
    work = calendar()
    months = [first.replace(day=1)]
    while (following := (months[-1] + datetime.timedelta(days=32)).replace(day=1)) <= last:
        months.append(following)

    def first_weekday(month: datetime.date, weekday: int) -> datetime.date:
        return work.next_working_day(month + datetime.timedelta(days=(weekday - month.weekday()) % 7))

    days = {
        ActivityKind.RECEPTION_DAY: [first_weekday(m, 0) for m in months],
        ActivityKind.OPEN_DAY: [first_weekday(m, 2) for m in months],
        ActivityKind.PARENT_MEETING: [first + datetime.timedelta(days=20), first + datetime.timedelta(days=100)],
        ActivityKind.PARENT_COMMITTEE: [first + datetime.timedelta(days=n) for n in (15, 45, 75, 105)],
        ActivityKind.SUPERVISORS: [first + datetime.timedelta(days=30)],
    }
    return {kind: [d for d in dates if first <= d <= last] for kind, dates in days.items()}


@transaction.atomic
def seed() -> dict:
    city = Unit.objects.filter(code=CITY_CODE).first()
    if city is None or ActivityRule.objects.filter(under=city).exists():
        return {"rules": ActivityRule.objects.count(), "activities": Activity.objects.count()}
    ActivityRule.objects.bulk_create(ActivityRule(under=city, unit_kind=UnitKind.SCHOOL, **rule) for rule in RULES)
    rng = random.Random(20260915)
    today = timezone.localdate()
    first = period_start(today, "term")
    for school in Unit.objects.filter(code__in=BUSY):
        for kind, days in _planned_days(first, today).items():
            for day in days:
                if rng.random() > BUSY[school.code]:
                    continue
                people = 10 if kind == ActivityKind.SUPERVISORS else rng.randint(8, 60)
                activity = Activity.objects.create(
                    unit=school, kind=kind, held_on=day, participants=people, attended_by="校长、分管副校长"
                )
                if kind in (ActivityKind.RECEPTION_DAY, ActivityKind.OPEN_DAY) and rng.random() < 0.5:
                    Opinion.objects.create(activity=activity, text=rng.choice(OPINIONS))
    return {"rules": ActivityRule.objects.count(), "activities": Activity.objects.count()}
