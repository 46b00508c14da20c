"""The rules that hold online answers for review, each with its setting."""

import datetime

import pytest
from django.utils import timezone

from respond.models import Invitation, Mode, OnlineSetting, Status, Submission
from respond.services import Answered, submission_receive
from surveys.models import Questionnaire

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(link, round, options):
    """``send(i, **fields)``: the i-th answer to the link, shown 2 minutes before it is sent."""
    indicator = round.ordered_indicators()[0]

    def submit(i: int, **fields):
        values = {
            "nonce": f"n{i}", "started_at": timezone.now() - datetime.timedelta(minutes=2), "address": "10.0.0.1",
            "user_agent": "ua", "device": f"d{i}", "respondent_type": "parent", "answers": {indicator.pk: options[1].pk},
        }  # fmt: skip
        values.update(fields)
        return submission_receive(link=link, answered=Answered(**values))

    return submit


def test_an_answer_faster_than_the_setting_is_held(send, settings):
    settings.MANYI_SCREEN_MIN_SECONDS = 30
    fast = send(1, started_at=timezone.now() - datetime.timedelta(seconds=10))
    slow = send(2, started_at=timezone.now() - datetime.timedelta(seconds=40))
    assert (fast.status, fast.flags, slow.status) == (Status.HELD, "fast", Status.ACCEPTED)
    assert Questionnaire.objects.count() == 1


def test_many_answers_from_one_address_for_one_unit_are_held(send, settings):
    settings.MANYI_SCREEN_ADDRESS_ANSWERS, settings.MANYI_SCREEN_ADDRESS_MINUTES = 2, 10
    statuses = [send(i).status for i in range(4)]
    assert statuses == [Status.ACCEPTED, Status.ACCEPTED, Status.HELD, Status.HELD]
    assert send(9, address="10.0.0.2").status == Status.ACCEPTED


def test_a_repeated_phone_is_held_unless_the_round_allows_it(send, round):
    assert send(1, phone="13812345678").status == Status.ACCEPTED
    second = send(2, phone="13812345678")
    assert (second.status, second.flags) == (Status.HELD, "phone")
    round.allow_repeat_phone = True
    round.save()
    assert send(3, phone="13812345678").status == Status.ACCEPTED


def test_a_repeated_device_is_held_in_invitation_mode(send, round, tree):
    OnlineSetting.objects.update_or_create(round=round, defaults={"mode": Mode.INVITATION})
    codes = [Invitation.objects.create(round=round, unit=tree["s1"], respondent_type="parent").code for _ in range(2)]
    assert send(1, device="shared", code=codes[0]).status == Status.ACCEPTED
    second = send(2, device="shared", code=codes[1])
    assert (second.status, second.flags) == (Status.HELD, "device")


def test_a_burst_far_above_the_units_pace_is_held(send, settings):
    settings.MANYI_SCREEN_BURST_MINIMUM, settings.MANYI_SCREEN_BURST_FACTOR = 3, 2
    settings.MANYI_SCREEN_ADDRESS_ANSWERS = 1000
    # Ten answers spread over the last 100 hours: a pace of about 0.02 per 10 minutes.
    for i in range(10):
        old = send(100 + i)
        Submission.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - datetime.timedelta(hours=10 * i + 1))
    statuses = [send(i).status for i in range(5)]
    assert statuses == [Status.ACCEPTED] * 3 + [Status.HELD] * 2
    assert send(9).flags == "burst"


def test_the_first_rush_of_a_round_is_not_a_burst(send, settings):
    settings.MANYI_SCREEN_BURST_MINIMUM, settings.MANYI_SCREEN_ADDRESS_ANSWERS = 3, 1000
    assert {send(i).status for i in range(8)} == {Status.ACCEPTED}
