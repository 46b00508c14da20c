"""What an online answer costs the database, and that what is read once per request is read fresh.

The public page and the submit are on the path of every respondent
(docs/performance.md, issue 11): the link, its round, setting and unit are
one read; the round's status and every screening count one more, inside the
transaction. These tests bound the number of statements (not the time) and
check that nothing read that way outlives an administrator's edit.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from respond.models import Invitation, Mode, OnlineSetting, Status, Submission
from respond.services import Answered, Refused, link_for_token, submission_receive
from surveys.models import Participation, Questionnaire, ResultChange, Round
from surveys.tallies import pooled_mismatches, tally_mismatches

pytestmark = pytest.mark.django_db

TRANSACTION = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
GET_QUERIES = 3  # the link with its round, setting and unit; the scale's options; the round's indicators
# ... the same three, then the locks (PostgreSQL), the round and the counts, the questionnaire, its answers,
# the trail's names and entry, the tallies' lock (PostgreSQL), upsert, paths and pooled deltas, the submission.
POST_QUERIES = 14 if connection.vendor == "postgresql" else 12


def _url(link) -> str:
    return reverse("respond:answer", args=[link.token])


def _statements(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(TRANSACTION)]


@pytest.fixture
def setting(round):
    return OnlineSetting.objects.create(round=round)


def test_the_page_and_an_accepted_answer_cost_a_fixed_number_of_statements(client, link, setting, round, answer_data):
    with CaptureQueriesContext(connection) as page:
        assert client.get(_url(link)).status_code == 200
    assert len(_statements(page)) == GET_QUERIES, _statements(page)
    with CaptureQueriesContext(connection) as submit:
        assert client.post(_url(link), answer_data(picks={0: 1, 1: 2, 2: 3})).status_code == 302
    assert len(_statements(submit)) <= POST_QUERIES, _statements(submit)
    # Cheaper, and still all of it: the questionnaire, its answers, its trail entry, exact tallies.
    submission = Submission.objects.get()
    assert submission.status == Status.ACCEPTED
    questionnaire = Questionnaire.objects.get(pk=submission.questionnaire_id_ref)
    assert questionnaire.answers.count() == 3
    assert questionnaire.date == timezone.localdate(submission.submitted_at)
    entry = ResultChange.objects.get(questionnaire_id_ref=questionnaire.pk)
    assert entry.detail["source"] == "online" and len(entry.detail["after"]["answers"]) == 3
    assert tally_mismatches(round.id) == [] and pooled_mismatches(round.id) == []


def test_a_second_answer_costs_no_more_than_the_first(client, link, setting, answer_data):
    """The counts do not grow with the answers already in: nothing is read per earlier answer."""
    for _ in range(3):
        client.cookies.clear()
        client.get(_url(link))
        client.post(_url(link), answer_data())
    client.cookies.clear()
    client.get(_url(link))
    with CaptureQueriesContext(connection) as submit:
        assert client.post(_url(link), answer_data()).status_code == 302
    assert len(_statements(submit)) <= POST_QUERIES
    assert Submission.objects.filter(status=Status.ACCEPTED).count() == 4


def test_a_setting_edited_between_two_requests_is_the_one_used(client, link, setting, round, tree, answer_data):
    assert "respondent_type" in client.get(_url(link)).content.decode()
    # The administrator switches the round to an invitation list: the next page asks for a code, and an
    # answer without a valid code is refused.
    OnlineSetting.objects.filter(round=round).update(mode=Mode.INVITATION)
    page = client.get(_url(link)).content.decode()
    assert 'name="code"' in page and 'name="respondent_type"' not in page
    assert client.post(_url(link), answer_data(code="NOSUCHCODE")).status_code == 403
    code = Invitation.objects.create(round=round, unit=tree["s1"], respondent_type="teacher").code
    assert client.post(_url(link), answer_data(code=code)).status_code == 302
    assert Submission.objects.get().respondent_type == "teacher"


def test_a_link_without_a_setting_gets_one_once(client, link, round):
    assert not OnlineSetting.objects.filter(round=round).exists()
    assert client.get(_url(link)).status_code == 200
    assert client.get(_url(link)).status_code == 200
    assert OnlineSetting.objects.filter(round=round).count() == 1


def test_a_unit_that_no_longer_takes_part_is_a_plain_404(client, link, round, answer_data):
    assert link_for_token(link.token) is not None
    Participation.objects.filter(round=round, unit=link.unit).delete()
    assert link_for_token(link.token) is None
    assert client.get(_url(link)).status_code == 404
    assert client.post(_url(link), answer_data()).status_code == 404
    assert not Submission.objects.exists()


def test_a_round_closed_after_the_link_was_read_refuses_the_answer(link, round, options):
    """The page read the round open; the round is read again inside the answer's transaction."""
    read = link_for_token(link.token)
    assert read.round.status == "open"
    Round.objects.filter(pk=round.pk).update(status="closed")
    answered = Answered(
        nonce="late", started_at=timezone.now() - datetime.timedelta(minutes=2), address="10.0.0.1",
        user_agent="ua", device="d1", respondent_type="parent",
        answers={round.ordered_indicators()[0].pk: options[1].pk},
    )  # fmt: skip
    with pytest.raises(Refused) as refusal:
        submission_receive(link=read, answered=answered)
    assert refusal.value.status == 403
    assert not Submission.objects.exists() and not Questionnaire.objects.exists()


def test_a_form_sent_again_after_its_answer_was_held_returns_the_held_one(link, round, options, settings):
    settings.MANYI_SCREEN_MIN_SECONDS = 60
    answered = Answered(
        nonce="once", started_at=timezone.now() - datetime.timedelta(seconds=5), address="10.0.0.1",
        user_agent="ua", device="d1", respondent_type="parent",
        answers={round.ordered_indicators()[0].pk: options[1].pk},
    )  # fmt: skip
    first = submission_receive(link=link, answered=answered)
    again = submission_receive(link=link, answered=answered)
    assert first.status == Status.HELD and again.pk == first.pk
    assert Submission.objects.count() == 1 and not Questionnaire.objects.exists()
