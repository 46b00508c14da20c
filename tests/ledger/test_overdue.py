"""The daily run: marking overdue concerns and writing reminders."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from ledger import services
from ledger.models import Reminder, ReminderKind, StepKind
from ledger.tasks import mark_overdue_task
from tests.factories import ConcernFactory, GroupMemberFactory, LeadershipGroupFactory, UserFactory
from tests.ledger.conftest import advance, days_ago
from units.models import MemberRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def late(tree, users, teacher):
    """A concern of S1 given to the teacher, received 20 days ago and due 10 days ago."""
    concern = ConcernFactory(unit=tree["s1"], received_on=days_ago(20), deadline=days_ago(10))
    return services.concern_assign(concern=concern, by=users["staff"], user=teacher)


def reminders() -> set[tuple[str, int, str]]:
    return set(Reminder.objects.values_list("user__username", "concern_id", "kind"))


def test_overdue_concerns_are_marked_once_with_a_step(late):
    assert services.mark_overdue()["marked_overdue"] == 1
    late.refresh_from_db()
    assert late.overdue_since == timezone.localdate()
    assert late.steps.filter(kind=StepKind.OVERDUE).count() == 1
    summary = services.mark_overdue()
    assert summary == {"marked_overdue": 0, "overdue": 1, "reminders": 0}
    assert late.steps.filter(kind=StepKind.OVERDUE).count() == 1


def test_the_responsible_person_and_the_units_leader_and_office_director_are_reminded(late, head, tree):
    office = UserFactory(username="office")
    GroupMemberFactory(group=tree["s1"].groups.get(), role=MemberRole.OFFICE_DIRECTOR, user=office)
    GroupMemberFactory(group=tree["s1"].groups.get(), role=MemberRole.DEPUTY, user=UserFactory(username="deputy"))
    services.mark_overdue()
    assert reminders() == {
        ("teacher", late.pk, ReminderKind.OVERDUE),
        ("head", late.pk, ReminderKind.ESCALATED),
        ("office", late.pk, ReminderKind.ESCALATED),
    }


def test_a_group_member_responsible_is_reminded_through_their_account(tree, users):
    account = UserFactory(username="member")
    member = GroupMemberFactory(group=LeadershipGroupFactory(unit=tree["s1"]), user=account)
    concern = ConcernFactory(unit=tree["s1"], received_on=days_ago(20), deadline=days_ago(10))
    services.concern_assign(concern=concern, by=users["staff"], member=member)
    services.mark_overdue()
    assert reminders() == {("member", concern.pk, ReminderKind.OVERDUE)}


def test_a_concern_due_soon_reminds_only_the_responsible_person(tree, users, teacher, head):
    today = datetime.date(2026, 3, 9)  # a Monday
    concern = ConcernFactory(
        unit=tree["s1"], received_on=datetime.date(2026, 3, 2), deadline=datetime.date(2026, 3, 10)
    )
    services.concern_assign(concern=concern, by=users["staff"], user=teacher)
    summary = services.mark_overdue(today=today)
    assert summary["marked_overdue"] == 0
    assert reminders() == {("teacher", concern.pk, ReminderKind.DUE_SOON)}


def test_closed_concerns_are_neither_marked_nor_reminded(late, users, teacher):
    advance(late, users, teacher, "closed")
    assert services.mark_overdue() == {"marked_overdue": 0, "overdue": 0, "reminders": 0}


def test_reminders_of_a_closed_concern_disappear(late, users, teacher):
    services.mark_overdue()
    assert Reminder.objects.active_for(teacher).count() == 1
    services.concern_start_fixing(concern=late, by=teacher)
    late = services.concern_submit_for_check(concern=late, by=teacher, text="已整改")
    services.concern_check(concern=late, by=users["staff"], passed=True)
    assert Reminder.objects.active_for(teacher).count() == 0


def test_the_daily_run_takes_a_fixed_number_of_queries(tree, users, teacher, head, django_assert_max_num_queries):
    for _ in range(12):
        concern = ConcernFactory(unit=tree["s1"], received_on=days_ago(20), deadline=days_ago(10))
        services.concern_assign(concern=concern, by=users["staff"], user=teacher)
    with django_assert_max_num_queries(12):
        summary = services.mark_overdue()
    assert summary == {"marked_overdue": 12, "overdue": 12, "reminders": 24}


def test_the_celery_task_runs_in_process_and_returns_the_summary(late):
    assert mark_overdue_task.delay().get() == {"marked_overdue": 1, "overdue": 1, "reminders": 1}


def test_the_command_prints_a_summary(late, capsys):
    call_command("mark_overdue")
    assert "Newly overdue: 1" in capsys.readouterr().out


def test_the_command_refuses_a_bad_date(db):
    with pytest.raises(CommandError):
        call_command("mark_overdue", "--date", "yesterday")
