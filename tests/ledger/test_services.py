"""The workflow of a concern and each of its refusals."""

import datetime
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ledger import services
from ledger.models import CategoryOfConcern, Concern, ConcernStatus, ConcernStep, StepKind
from tests.factories import ConcernFactory, GroupMemberFactory, LeadershipGroupFactory, RoleFactory, UserFactory
from tests.ledger.conftest import advance, days_ago
from units.models import MemberRole, RoleKind
from workdays.days import add_working_days

pytestmark = pytest.mark.django_db


@contextmanager
def refusal(code: str):
    """Expect a ValidationError with this code."""
    with pytest.raises(ValidationError) as info:
        yield info
    assert info.value.code == code, info.value


# ---------------------------------------------------------------- entering


def test_a_new_concern_gets_the_category_deadline_in_working_days_and_its_indicator(make_concern, canteen):
    concern = make_concern()
    assert concern.status == ConcernStatus.RECEIVED
    assert concern.deadline == add_working_days(concern.received_on, canteen.default_days)
    assert concern.indicator.code == "EDU5"
    (step,) = concern.steps.all()
    assert (step.kind, step.from_status, step.to_status) == (StepKind.CREATED, "", ConcernStatus.RECEIVED)


def test_an_on_the_spot_category_is_due_the_day_it_is_received(make_concern):
    concern = make_concern(category=CategoryOfConcern.objects.get(code="selling_materials"))
    assert concern.deadline == concern.received_on


def test_a_deadline_before_the_receipt_date_is_refused(make_concern):
    with refusal("deadline_before_receipt"):
        make_concern(received_on=days_ago(3), deadline=days_ago(4))


def test_a_receipt_date_in_the_future_is_refused(make_concern):
    with refusal("future"):
        make_concern(received_on=timezone.localdate() + datetime.timedelta(days=1))


def test_a_concern_without_what_was_said_is_refused(make_concern):
    with refusal("required"):
        make_concern(text="  ")


# ---------------------------------------------------------------- assigning


def test_a_concern_is_given_to_a_user_of_the_unit_or_of_a_unit_above(make_concern, users, teacher):
    concern = services.concern_assign(concern=make_concern(), by=users["staff"], user=teacher)
    assert (concern.status, concern.responsible_user) == (ConcernStatus.ASSIGNED, teacher)
    concern = services.concern_assign(concern=concern, by=users["staff"], user=users["leader"], text="区里督办")
    assert concern.responsible_user == users["leader"]
    step = concern.steps.last()
    assert step.detail["responsible"] == users["leader"].username and step.text == "区里督办"


def test_a_concern_is_given_to_a_member_of_the_units_leadership_group(make_concern, users, tree):
    member = GroupMemberFactory(group=LeadershipGroupFactory(unit=tree["s1"]), role=MemberRole.DEPUTY)
    concern = services.concern_assign(concern=make_concern(), by=users["staff"], member=member)
    assert concern.responsible_member == member and concern.responsible_name == member.person_name


def test_a_responsible_person_outside_the_unit_is_refused(make_concern, users, tree):
    outsider = UserFactory()
    RoleFactory(user=outsider, unit=tree["d2"], kind=RoleKind.STAFF)
    with refusal("person_outside_unit"):
        services.concern_assign(concern=make_concern(), by=users["staff"], user=outsider)
    member = GroupMemberFactory(group=LeadershipGroupFactory(unit=tree["s2"]))
    with refusal("person_outside_unit"):
        services.concern_assign(concern=make_concern(), by=users["staff"], member=member)
    with refusal("no_person"):
        services.concern_assign(concern=make_concern(), by=users["staff"])


def test_a_new_deadline_before_the_receipt_date_is_refused_on_assignment(make_concern, users, teacher):
    with refusal("deadline_before_receipt"):
        services.concern_assign(concern=make_concern(), by=users["staff"], user=teacher, deadline=days_ago(10))


# ---------------------------------------------------------------- fixing, checking, calling back


def test_an_anonymous_concern_closes_when_someone_else_checks_the_fix(make_concern, users, teacher):
    concern = advance(make_concern(), users, teacher, "checked")
    assert concern.status == ConcernStatus.CLOSED
    assert concern.closed_on == timezone.localdate() and concern.solved_on_time
    kinds = list(concern.steps.values_list("kind", "from_status", "to_status"))
    assert kinds == [
        (StepKind.CREATED, "", ConcernStatus.RECEIVED),
        (StepKind.ASSIGNED, ConcernStatus.RECEIVED, ConcernStatus.ASSIGNED),
        (StepKind.STARTED, ConcernStatus.ASSIGNED, ConcernStatus.FIXING),
        (StepKind.SUBMITTED, ConcernStatus.FIXING, ConcernStatus.AWAITING_CHECK),
        (StepKind.CHECK_PASSED, ConcernStatus.AWAITING_CHECK, ConcernStatus.CLOSED),
    ]


def test_the_fixer_cannot_check_their_own_fix(make_concern, users, teacher):
    concern = advance(make_concern(), users, teacher, "awaiting_check")
    with refusal("checker_is_fixer"):
        services.concern_check(concern=concern, by=teacher, passed=True)


def test_whoever_reported_the_fix_cannot_check_it_either(make_concern, users, tree):
    member = GroupMemberFactory(group=LeadershipGroupFactory(unit=tree["s1"]))
    concern = services.concern_assign(concern=make_concern(), by=users["staff"], member=member)
    concern = services.concern_start_fixing(concern=concern, by=users["staff"])
    concern = services.concern_submit_for_check(concern=concern, by=users["staff"], text="已整改")
    with refusal("checker_is_fixer"):
        services.concern_check(concern=concern, by=users["staff"], passed=True)
    assert services.concern_check(concern=concern, by=users["admin"], passed=True).status == ConcernStatus.CLOSED


def test_a_group_members_own_account_cannot_check_their_fix(make_concern, users, tree, head):
    member = tree["s1"].groups.get().members.get(user=head)
    concern = services.concern_assign(concern=make_concern(), by=users["staff"], member=member)
    concern = services.concern_start_fixing(concern=concern, by=head)
    concern = services.concern_submit_for_check(concern=concern, by=users["staff"], text="已整改")
    with refusal("checker_is_fixer"):
        services.concern_check(concern=concern, by=head, passed=True)


def test_a_failed_check_sends_it_back_to_fixing_and_needs_a_reason(make_concern, users, teacher):
    concern = advance(make_concern(), users, teacher, "awaiting_check")
    with refusal("required"):
        services.concern_check(concern=concern, by=users["staff"], passed=False)
    concern = services.concern_check(concern=concern, by=users["staff"], passed=False, text="仍有异味")
    assert concern.status == ConcernStatus.FIXING


def test_a_named_persons_concern_waits_for_the_call_back_after_the_check(make_concern, users, teacher):
    concern = advance(make_concern(raiser_name="王女士", raiser_phone="13812345678"), users, teacher, "checked")
    assert concern.status == ConcernStatus.AWAITING_CHECK and concern.checked_by == users["staff"]
    concern = services.concern_call_back(concern=concern, by=users["staff"], satisfied=True, text="满意")
    assert concern.status == ConcernStatus.CLOSED
    assert concern.steps.last().kind == StepKind.CALLED_BACK_SATISFIED


def test_a_dissatisfied_call_back_reopens_the_concern(make_concern, users, teacher):
    concern = advance(make_concern(raiser_name="王女士"), users, teacher, "checked")
    with refusal("required"):
        services.concern_call_back(concern=concern, by=users["staff"], satisfied=False)
    concern = services.concern_call_back(concern=concern, by=users["staff"], satisfied=False, text="没有变化")
    assert concern.status == ConcernStatus.FIXING and concern.checked_by is None
    # Back round the loop: a new fix needs a new check before any call-back.
    concern = services.concern_submit_for_check(concern=concern, by=teacher, text="再次整改")
    with refusal("not_checked"):
        services.concern_call_back(concern=concern, by=users["staff"], satisfied=True)


def test_closing_without_a_check_is_refused(make_concern, users, teacher):
    concern = advance(make_concern(raiser_name="王女士"), users, teacher, "awaiting_check")
    with refusal("not_checked"):
        services.concern_call_back(concern=concern, by=users["staff"], satisfied=True)


def test_an_anonymous_concern_has_nobody_to_call_back(make_concern, users, teacher):
    concern = advance(make_concern(), users, teacher, "awaiting_check")
    with refusal("anonymous"):
        services.concern_call_back(concern=concern, by=users["staff"], satisfied=True)


def test_steps_out_of_order_are_refused(make_concern, users, teacher):
    concern = make_concern()
    with refusal("state"):
        services.concern_start_fixing(concern=concern, by=teacher)
    with refusal("state"):
        services.concern_submit_for_check(concern=concern, by=teacher, text="x")
    with refusal("state"):
        services.concern_check(concern=concern, by=users["staff"], passed=True)
    concern = advance(concern, users, teacher, "fixing")
    with refusal("required"):
        services.concern_submit_for_check(concern=concern, by=teacher, text="")


# ---------------------------------------------------------------- closed and withdrawn concerns


def test_a_closed_concern_can_no_longer_be_edited_or_worked(make_concern, users, teacher):
    concern = advance(make_concern(), users, teacher, "closed")
    with refusal("closed"):
        services.concern_update(concern=concern, by=users["staff"], changes={"text": "改"})
    with refusal("closed"):
        services.concern_assign(concern=concern, by=users["staff"], user=teacher)
    with refusal("closed"):
        services.concern_withdraw(concern=concern, by=users["staff"], reason="重复")


def test_withdrawing_keeps_the_concern_with_its_reason(make_concern, users):
    concern = make_concern()
    with refusal("required"):
        services.concern_withdraw(concern=concern, by=users["staff"], reason=" ")
    concern = services.concern_withdraw(concern=concern, by=users["staff"], reason="重复登记")
    assert concern.status == ConcernStatus.WITHDRAWN and concern.withdrawn_reason == "重复登记"
    with refusal("withdrawn"):
        services.concern_update(concern=concern, by=users["staff"], changes={"text": "改"})


def test_corrections_are_logged_by_field_and_checked(make_concern, users):
    concern = make_concern(raiser_phone="13812345678")
    concern = services.concern_update(
        concern=concern, by=users["staff"], changes={"text": "食堂卫生差", "raiser_phone": "13900000000"}
    )
    step = concern.steps.last()
    assert step.kind == StepKind.EDITED and step.detail["fields"] == ["text", "raiser_phone"]
    assert "13900000000" not in step.text + str(step.detail)
    with refusal("deadline_before_receipt"):
        services.concern_update(concern=concern, by=users["staff"], changes={"deadline": days_ago(30)})
    assert ConcernStep.objects.filter(concern=concern).count() == 2


def test_a_user_sees_the_concerns_of_their_subtree_and_their_own_anywhere(make_concern, users, tree, teacher):
    mine = make_concern()
    elsewhere = ConcernFactory(unit=tree["s2"])
    assert set(Concern.objects.visible_to(users["leader"])) == {mine}
    assert set(Concern.objects.visible_to(users["superuser"])) == {mine, elsewhere}
    assert not Concern.objects.visible_to(users["nobody"]).exists()
    outsider = UserFactory()
    RoleFactory(user=outsider, unit=tree["s2"], kind=RoleKind.LEADER)
    services.concern_assign(concern=mine, by=users["staff"], user=teacher)
    assert set(Concern.objects.visible_to(teacher)) == {mine}
    assert set(Concern.objects.visible_to(outsider)) == {elsewhere}
