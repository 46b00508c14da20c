import pytest

from units.demo import seed
from units.models import GroupMember, LeadershipGroup, MemberRole, Unit, UnitKind

pytestmark = pytest.mark.django_db


def test_seed_builds_the_demo_city_once():
    first = seed()
    counts = (Unit.objects.count(), LeadershipGroup.objects.count(), GroupMember.objects.count())
    second = seed()
    assert (first["units"], first["groups"]) == (second["units"], second["groups"])
    assert counts == (Unit.objects.count(), LeadershipGroup.objects.count(), GroupMember.objects.count())
    assert Unit.objects.filter(kind=UnitKind.DISTRICT).count() == 10


def test_demo_groups_are_answerable_one_level_to_the_next():
    seed()
    town = Unit.objects.filter(kind=UnitKind.TOWN).first()
    deputies = GroupMember.objects.filter(group__unit=town, role=MemberRole.DEPUTY)
    covered = {u.pk for d in deputies for u in d.covered_units.all()}
    assert covered == set(town.children.values_list("pk", flat=True))
    district = Unit.objects.filter(kind=UnitKind.DISTRICT).first()
    department = GroupMember.objects.get(group__unit=district, department__isnull=False).department
    assert department.kind == UnitKind.BUREAU and department.parent == district
    assert all(group.members.filter(role=MemberRole.LEADER).count() == 1 for group in LeadershipGroup.objects.all())
