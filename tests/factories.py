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
