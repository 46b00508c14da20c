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
