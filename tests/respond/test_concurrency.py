"""Two answers of one respondent sent at the same moment: the "already answered" rules still see one of them.

The rules read the earlier submissions, then the answer is inserted. The
answers below are made to read at the same moment (a barrier in front of the
screening); without the lock of ``respond.services._one_at_a_time`` both find
nothing and both count.
"""

import contextlib
import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

import respond.services
from respond.models import Status, Submission
from respond.services import Answered, Refused, submission_receive
from surveys.models import Questionnaire
from tests.workers import needs_postgresql

pytestmark = [needs_postgresql, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _both_at_once(monkeypatch, link, round, options, **same) -> list:
    """Send two answers from two threads that reach the screening together (if nothing holds one back)."""
    barrier = threading.Barrier(2)
    screen = respond.services.hold_flags

    def screen_together(arrival):
        with contextlib.suppress(threading.BrokenBarrierError):  # with the lock the other never comes: go on
            barrier.wait(timeout=3)
        return screen(arrival)

    monkeypatch.setattr(respond.services, "hold_flags", screen_together)
    indicator = round.ordered_indicators()[0]
    outcomes = [None, None]

    def send(i: int) -> None:
        values = {"nonce": f"n{i}", "started_at": timezone.now() - datetime.timedelta(minutes=2),
                  "address": f"10.0.0.{i}", "user_agent": "ua", "device": f"d{i}", "respondent_type": "parent",
                  "answers": {indicator.pk: options[1].pk}, **same}  # fmt: skip
        try:
            outcomes[i] = submission_receive(link=link, answered=Answered(**values)).status
        except Refused as refusal:
            outcomes[i] = refusal.status
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes, key=str)


def test_one_device_twice_at_once_counts_once(monkeypatch, link, round, options):
    outcomes = _both_at_once(monkeypatch, link, round, options, device="same-phone")
    assert outcomes == [409, Status.ACCEPTED]
    assert Submission.objects.count() == Questionnaire.objects.count() == 1


def test_one_phone_twice_at_once_is_held_the_second_time(monkeypatch, link, round, options):
    outcomes = _both_at_once(monkeypatch, link, round, options, phone="13812345678")
    assert outcomes == [Status.ACCEPTED, Status.HELD]
    assert Questionnaire.objects.count() == 1


def test_other_respondents_do_not_wait_for_each_other(monkeypatch, link, round, options):
    """Different devices, phones and addresses: both reach the screening together and both count."""
    outcomes = _both_at_once(monkeypatch, link, round, options)
    assert outcomes == [Status.ACCEPTED, Status.ACCEPTED]
