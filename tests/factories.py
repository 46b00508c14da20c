import factory
from django.contrib.auth import get_user_model

from units.models import GroupMember, LeadershipGroup, MemberRole, Role, RoleKind, Unit, UnitKind


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:05d}")
    name = factory.Sequence(lambda n: f"单位{n}")
    kind = UnitKind.SCHOOL
    parent = None


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw")


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    kind = RoleKind.STAFF


class LeadershipGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadershipGroup

    unit = factory.SubFactory(UnitFactory)
    name = "提高群众满意度工作领导小组"


class GroupMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupMember

    group = factory.SubFactory(LeadershipGroupFactory)
    role = MemberRole.MEMBER
    person_name = factory.Sequence(lambda n: f"成员{n}")


def make_round(units, code="R2026", status="open", scale_code="default", **fields):
    """An education round with the six default indicators over ``units``."""
    import datetime

    from surveys.models import Indicator, Scale
    from surveys.services import RoundSpec, round_create

    spec = RoundSpec(
        code=code,
        name=fields.pop("name", f"{code} 满意度调查"),
        start=fields.pop("start", datetime.date(2026, 1, 1)),
        end=fields.pop("end", datetime.date(2026, 12, 31)),
        scale=Scale.objects.get(code=scale_code),
        indicators=list(Indicator.objects.filter(indicator_set__code="education").order_by("order")),
        **fields,
    )
    round = round_create(spec=spec, units=list(units))
    if status != "draft":
        round.status = status
        round.save(update_fields=["status"])
    return round


class ConcernFactory(factory.django.DjangoModelFactory):
    """A received concern (ledger): canteen, received a week ago, due in 5 working days."""

    class Meta:
        model = "ledger.Concern"

    unit = factory.SubFactory(UnitFactory)
    source = "reception_day"
    category = factory.LazyFunction(lambda: _category("canteen"))
    text = factory.Sequence(lambda n: f"食堂饭菜质量差 {n}")
    received_on = factory.LazyFunction(lambda: _days_ago(7))
    deadline = factory.LazyAttribute(lambda o: _add_working_days(o.received_on, 5))


class HouseholdFactory(factory.django.DjangoModelFactory):
    """A family to visit (outreach), listed a year ago."""

    class Meta:
        model = "outreach.Household"

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"学生{n}")
    kind = "poor"
    phone = "13812345678"
    created_on = factory.LazyFunction(lambda: _days_ago(365))


def _category(code: str):
    from ledger.models import CategoryOfConcern

    return CategoryOfConcern.objects.get(code=code)


def _days_ago(days: int):
    import datetime

    from django.utils import timezone

    return timezone.localdate() - datetime.timedelta(days=days)


def _add_working_days(day, days: int):
    from workdays.days import add_working_days

    return add_working_days(day, days)
