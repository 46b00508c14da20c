"""People's effort: visits against quota, follow-up calls, concerns handled on time, per person."""

import datetime
from decimal import Decimal

import pytest

from assessment.people import people_effort
from outreach.models import FollowUpCall, Visit
from tests.factories import GroupMemberFactory, HouseholdFactory, LeadershipGroupFactory, RoleFactory, UserFactory
from units.models import RoleKind

pytestmark = pytest.mark.django_db
JUNE = datetime.date(2026, 6, 1)


def test_each_persons_effort_by_hand(tree, round, concern, follow_ups, users):
    s1 = tree["s1"]
    teacher = UserFactory(first_name="张老师")
    RoleFactory(user=teacher, unit=s1, kind=RoleKind.STAFF)
    principal = UserFactory(first_name="李校长")
    GroupMemberFactory(group=LeadershipGroupFactory(unit=s1), user=principal, role="leader")
    for n in range(4):
        household = HouseholdFactory(unit=s1, assigned_to=teacher)
        if n < 3:
            Visit.objects.create(
                household=household, date=JUNE, method="home", by=teacher, notes="家访", phone_check="ok"
            )
    # the teacher is responsible for three concerns due in June: one closed on time, one late, one still open
    on_time = concern(s1, JUNE, datetime.date(2026, 6, 5), datetime.date(2026, 6, 4), "closed")
    late = concern(s1, JUNE, datetime.date(2026, 6, 5), datetime.date(2026, 6, 9), "closed")
    still_open = concern(s1, JUNE, datetime.date(2026, 6, 5))
    in_july = concern(s1, JUNE, datetime.date(2026, 7, 5))  # due after the period: not counted
    for c in (on_time, late, still_open, in_july):
        c.responsible_user = teacher
        c.save(update_fields=["responsible_user"])
    made = follow_ups(s1, 2, 0)
    for follow_up in made:
        FollowUpCall.objects.create(follow_up=follow_up, date=JUNE, by=teacher, method="phone", notes="回访")
    FollowUpCall.objects.create(follow_up=made[0], date=JUNE, by=teacher, method="phone", notes="再次回访")

    people = {p.name: p for p in people_effort(s1, datetime.date(2026, 6, 1), datetime.date(2026, 6, 30))}
    t = people["张老师"]
    assert (t.quota, t.households, t.visited) == (10, 4, 3)
    assert (t.calls, t.follow_ups_called) == (3, 2)
    assert (t.concerns_due, t.on_time, t.overdue) == (3, 1, 1)
    assert t.on_time_percent == Decimal("33.3")
    p = people["李校长"]
    assert p.is_cadre and p.quota == 20 and p.households == 0
    assert list(people)[0] == "李校长"  # cadres first


def test_people_outside_the_unit_are_not_listed(tree, users):
    RoleFactory(user=UserFactory(first_name="外校老师"), unit=tree["s2"], kind=RoleKind.STAFF)
    names = [p.name for p in people_effort(tree["s1"], datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))]
    assert "外校老师" not in names
