"""A believable demo ledger: a few hundred concerns of the demo city's schools and towns, in every state.

Run after ``units.demo.seed()``. Idempotent: once the demo city has concerns,
it only reports what is there. Concerns and their steps are written in bulk
with dates spread over the last five months, as if the workflow had been
followed day by day; the daily run then marks the overdue ones.
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from ledger.models import CategoryOfConcern, Concern, ConcernStatus, ConcernStep, Source, StepKind
from ledger.services import mark_overdue
from units.models import GroupMember, MemberRole, Unit, UnitKind
from units.paths import ids_of
from workdays.days import add_working_days

CITY_CODE = "LY"
CONCERNS = 420
DAYS_BACK = 150
# Districts with demo logins get more concerns, so that their pages are full.
BUSY_DISTRICTS = ("LY01", "LY03")

TEXTS = {
    "paid_tutoring": ["有老师在校外开办辅导班并要求学生参加", "班主任暗示家长请其有偿补课"],
    "corporal_punishment": ["孩子反映被老师罚站一整节课", "体育老师用跑圈惩罚迟到学生"],
    "arbitrary_fees": ["学校收取的资料费没有公示", "要求家长统一购买校服且价格偏高"],
    "selling_materials": ["老师推荐购买指定的教辅资料", "班级群里推销课外练习册"],
    "workload": ["三年级每天作业做到晚上十点", "周末作业太多，孩子没有休息时间"],
    "teaching_quality": ["数学老师频繁更换，成绩下滑", "课堂纪律差，老师管不住"],
    "canteen": ["食堂饭菜偏咸，分量不足", "午餐经常是凉的", "食堂卫生状况差"],
    "safety": ["放学时校门口车辆拥堵，存在安全隐患", "操场单杠松动无人维修"],
    "surroundings": ["学校周边有网吧接纳未成年人", "校门口流动摊贩售卖三无食品"],
    "admissions": ["随迁子女入学手续繁琐", "学区划分不清楚，入学难"],
    "class_size": ["一个班超过六十人，老师顾不过来"],
    "teachers": ["英语老师长期缺岗，由其他老师代课"],
    "other": ["希望学校开放图书室给家长", "建议增加课后服务时间"],
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
# Weights of the sources as paper ledgers show them.
SOURCES = [
    (Source.RECEPTION_DAY, 5),
    (Source.OPEN_DAY, 3),
    (Source.VISIT, 4),
    (Source.HOTLINE, 4),
    (Source.LETTER, 1),
    (Source.SUPERVISOR, 2),
    (Source.PARENT_COMMITTEE, 2),
    (Source.SURVEY_COMMENT, 2),
]


def _at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    moment = datetime.datetime.combine(day, datetime.time(rng.randint(8, 17), rng.randint(0, 59)))
    return timezone.make_aware(moment)


class Cast:
    """The people of the demo: who enters, who fixes, who checks, by unit."""

    def __init__(self) -> None:
        users = {u.username: u for u in get_user_model().objects.filter(username__contains="_")}
        self.clerks = {"LY01": users.get("lanshan_staff"), "LY03": users.get("hedong_staff")}
        self.checkers = {"LY01": users.get("lanshan_admin")}
        self.city_admin = users.get("city_admin")
        self.school_staff = users.get("school_staff")
        self.members: dict[int, list[GroupMember]] = {}
        for member in GroupMember.objects.exclude(person_name="").select_related("group"):
            self.members.setdefault(member.group.unit_id, []).append(member)

    def clerk(self, district: str):
        return self.clerks.get(district) or self.city_admin

    def checker(self, district: str):
        return self.checkers.get(district) or self.city_admin

    def responsible(self, unit: Unit, rng: random.Random) -> tuple[object, GroupMember | None]:
        """A user for the demo school of ``school_staff``, else a group member of the unit or above."""
        if unit.code == "LY03-S03" and self.school_staff and rng.random() < 0.5:
            return self.school_staff, None
        for pk in reversed(ids_of(unit.path)):
            if self.members.get(pk):
                return None, rng.choice(self.members[pk])
        return None, None


def _units(rng: random.Random) -> list[Unit]:
    """Schools, kindergartens and towns, the busy districts three times as likely."""
    city = Unit.objects.get(code=CITY_CODE)
    units = list(Unit.objects.under(city).filter(kind__in=[UnitKind.SCHOOL, UnitKind.KINDERGARTEN, UnitKind.TOWN]))
    weights = [3 if unit.code[:4] in BUSY_DISTRICTS else 1 for unit in units]
    return rng.choices(units, weights=weights, k=CONCERNS)


def _target_state(age: int, rng: random.Random) -> str:
    """Older concerns are mostly closed; recent ones are still being worked on."""
    draw = rng.random()
    if age > 60:
        states = [(0.88, "closed"), (0.92, "fixing"), (0.94, "assigned"), (0.97, "withdrawn"), (1.0, "checked")]
    elif age > 20:
        states = [(0.6, "closed"), (0.75, "fixing"), (0.83, "awaiting_check"), (0.9, "checked"), (0.95, "assigned")]
        states.append((1.0, "withdrawn"))
    else:
        states = [(0.15, "closed"), (0.35, "received"), (0.6, "assigned"), (0.85, "fixing"), (1.0, "awaiting_check")]
    return next(state for limit, state in states if draw < limit)


def _concern(unit: Unit, category: CategoryOfConcern, received: datetime.date, rng: random.Random, cast: Cast):
    named = rng.random() < 0.5
    return Concern(
        unit=unit,
        source=rng.choices([s for s, _ in SOURCES], weights=[w for _, w in SOURCES])[0],
        category=category,
        indicator=category.indicator,
        raiser_name=(rng.choice(SURNAMES) + rng.choice(["女士", "先生"])) if named else "",
        raiser_phone=f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}" if named or rng.random() < 0.3 else "",
        text=rng.choice(TEXTS.get(category.code, TEXTS["other"])),
        received_on=received,
        deadline=add_working_days(received, category.default_days),
        created_by=cast.clerk(unit.code[:4]),
    )


def _walk(concern: Concern, target: str, today: datetime.date, rng: random.Random, cast: Cast) -> list[ConcernStep]:
    """Move the concern to ``target`` and return its steps, dated one after the other up to today."""
    district = concern.unit.code[:4]
    clerk, checker = cast.clerk(district), cast.checker(district)
    steps: list[ConcernStep] = []
    day = concern.received_on

    def step(kind: str, to: str, by, text: str = "", gap: int = 1, **detail) -> None:
        nonlocal day
        day = min(today, day + datetime.timedelta(days=rng.randint(0, gap)))
        steps.append(
            ConcernStep(
                kind=kind, from_status=concern.status, to_status=to, by=by, at=_at(day, rng), text=text, detail=detail
            )
        )
        concern.status = to

    step(StepKind.CREATED, ConcernStatus.RECEIVED, clerk, gap=0, deadline=concern.deadline.isoformat())
    if target == "received":
        return steps
    if target == "withdrawn":
        step(StepKind.WITHDRAWN, ConcernStatus.WITHDRAWN, clerk, "重复登记", gap=3)
        concern.withdrawn_reason = "重复登记"
        return steps
    concern.responsible_user, concern.responsible_member = cast.responsible(concern.unit, rng)
    if rng.random() < 0.5:
        # Harder concerns get a longer deadline of their own when they are assigned.
        concern.deadline = add_working_days(concern.received_on, rng.choice([10, 15, 20, 30]))
    step(
        StepKind.ASSIGNED,
        ConcernStatus.ASSIGNED,
        clerk,
        "请限期整改",
        gap=2,
        responsible=concern.responsible_name,
        deadline=concern.deadline.isoformat(),
    )
    if target == "assigned":
        return steps
    fixer = concern.responsible_user or clerk
    step(StepKind.STARTED, ConcernStatus.FIXING, fixer, gap=2)
    if target == "fixing":
        return steps
    # One in six fixes late, so that "solved on time" is not always 100 %.
    late = rng.random() < 1 / 6
    step(StepKind.SUBMITTED, ConcernStatus.AWAITING_CHECK, fixer, "已约谈相关人员并整改到位", gap=12 if late else 4)
    concern.fixed_by = fixer
    if target == "awaiting_check":
        return steps
    closes = concern.is_anonymous
    step(
        StepKind.CHECK_PASSED,
        ConcernStatus.CLOSED if closes else ConcernStatus.AWAITING_CHECK,
        checker,
        "现场复查，已整改",
        gap=2,
    )
    concern.checked_by, concern.checked_at = checker, steps[-1].at
    if not closes and target == "closed":
        step(StepKind.CALLED_BACK_SATISFIED, ConcernStatus.CLOSED, clerk, "回访家长，表示满意", gap=3)
    if concern.status == ConcernStatus.CLOSED:
        concern.closed_on = day
    return steps


@transaction.atomic
def seed() -> dict:
    existing = Concern.objects.filter(unit__code__startswith=CITY_CODE)
    if existing.exists() or not Unit.objects.filter(code=CITY_CODE).exists():
        return _summary(existing, created=0)
    rng = random.Random(20260601)
    today = timezone.localdate()
    cast = Cast()
    categories = list(CategoryOfConcern.objects.filter(active=True))
    weights = [4 if c.code in ("canteen", "workload", "paid_tutoring", "safety") else 1 for c in categories]
    concerns, steps = [], []
    for unit in _units(rng):
        age = rng.randint(0, DAYS_BACK)
        received = today - datetime.timedelta(days=age)
        concern = _concern(unit, rng.choices(categories, weights=weights)[0], received, rng, cast)
        steps.append(_walk(concern, _target_state(age, rng), today, rng, cast))
        concerns.append(concern)
    Concern.objects.bulk_create(concerns)
    for concern, walked in zip(concerns, steps, strict=True):
        for s in walked:
            s.concern = concern
    ConcernStep.objects.bulk_create(s for walked in steps for s in walked)
    _give_office_an_account(cast)
    mark_overdue(today=today)
    return _summary(existing, created=len(concerns))


def _give_office_an_account(cast: Cast) -> None:
    """The demo school's office director (台账整理) gets school_staff's account, to see escalated reminders."""
    if cast.school_staff is None:
        return
    GroupMember.objects.filter(group__unit__code="LY03-S03", role=MemberRole.OFFICE_DIRECTOR, user__isnull=True).update(
        user=cast.school_staff
    )


def _summary(concerns, created: int) -> dict:
    by_status = dict(concerns.order_by().values_list("status").annotate(n=Count("id")))
    overdue = concerns.overdue(timezone.localdate()).count()
    return {"concerns": sum(by_status.values()), "created": created, "by_status": by_status, "overdue": overdue}
