"""The public questionnaire: what it accepts, what it refuses, and that accepted answers are results."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from outreach.models import FollowUp
from respond.models import Mode, OnlineSetting, Status, Submission
from respond.services import link_reissue
from surveys.models import Channel, Questionnaire, ResultChange, Tally
from surveys.tallies import tally_mismatches
from tests.respond.conftest import stamp

pytestmark = pytest.mark.django_db


def _url(link) -> str:
    return reverse("respond:answer", args=[link.token])


def test_the_page_shows_round_unit_respondent_types_and_indicators(client, link, round):
    response = client.get(_url(link))
    assert response.status_code == 200
    page = response.content.decode()
    assert round.name in page and link.unit.name in page
    assert "家长" in page and "满意" in page and "个人信息" in page
    assert "bootstrap" not in page and "htmx" not in page and "echarts" not in page


def test_an_answer_is_written_as_an_online_questionnaire_through_the_writer(client, link, round, answer_data):
    client.get(_url(link))
    response = client.post(_url(link), answer_data(phone="138-1234-5678", opinion="食堂要改进"))
    assert response.status_code == 302 and response.url == reverse("respond:thanks", args=[link.token])
    submission = Submission.objects.get()
    assert submission.status == Status.ACCEPTED and submission.opinion == "食堂要改进"
    questionnaire = Questionnaire.objects.get(pk=submission.questionnaire_id_ref)
    assert (questionnaire.channel, questionnaire.phone, questionnaire.unit) == (
        Channel.ONLINE,
        "13812345678",
        link.unit,
    )
    assert questionnaire.answers.count() == 2
    assert ResultChange.objects.get(questionnaire_id_ref=questionnaire.pk).detail["source"] == "online"
    assert sum(Tally.objects.values_list("count", flat=True)) == 2
    assert tally_mismatches(round.id) == []
    # A dissatisfied answer with a phone opens a follow-up, through the rule that listens to the writer.
    assert FollowUp.objects.filter(questionnaire=questionnaire).exists()
    assert client.get(response.url).status_code == 200


def test_the_address_is_kept_only_as_a_keyed_hash(client, link, answer_data):
    client.post(_url(link), answer_data(), REMOTE_ADDR="10.1.2.3")
    submission = Submission.objects.get()
    assert submission.address_hash and "10.1.2.3" not in submission.address_hash
    assert len(submission.address_hash) >= 40


def test_a_form_sent_again_counts_once(client, link, answer_data):
    data = answer_data(stamp=stamp(nonce="same-nonce"))
    client.post(_url(link), data)
    again = client.post(_url(link), data)
    assert again.status_code == 302
    assert Submission.objects.count() == 1 and Questionnaire.objects.count() == 1


def test_a_submission_without_any_answer_is_refused(client, link, answer_data):
    response = client.post(_url(link), answer_data(picks={}))
    assert response.status_code == 400
    assert "至少" in response.content.decode()
    assert not Submission.objects.exists()


def test_unanswered_indicators_are_allowed(client, link, answer_data):
    client.post(_url(link), answer_data(picks={2: 4}))
    assert Questionnaire.objects.get().answers.count() == 1


def test_an_option_outside_the_scale_is_refused(client, link, round, answer_data):
    indicator = round.ordered_indicators()[0]
    response = client.post(_url(link), answer_data(**{f"i{indicator.pk}": "999999"}))
    assert response.status_code == 400 and not Submission.objects.exists()


def test_an_over_long_opinion_is_refused(client, link, answer_data):
    response = client.post(_url(link), answer_data(opinion="长" * 501))
    assert response.status_code == 400 and not Submission.objects.exists()


def test_a_phone_of_letters_is_refused(client, link, answer_data):
    response = client.post(_url(link), answer_data(phone="call me"))
    assert response.status_code == 400 and "13812345678" in response.content.decode()
    assert not Submission.objects.exists()


def test_a_respondent_type_not_of_the_round_is_refused(client, link, answer_data):
    response = client.post(_url(link), answer_data(respondent_type="enterprise"))
    assert response.status_code == 400 and not Submission.objects.exists()


def test_a_forged_stamp_is_refused(client, link, answer_data):
    response = client.post(_url(link), answer_data(stamp="forged"))
    assert response.status_code == 400 and not Submission.objects.exists()


def test_a_filled_honeypot_stores_nothing(client, link, answer_data):
    response = client.post(_url(link), answer_data(website="http://spam.example"))
    assert response.status_code == 302
    assert not Submission.objects.exists() and not Questionnaire.objects.exists()


def test_a_post_without_csrf_token_is_forbidden(link, answer_data):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(_url(link), answer_data())
    assert response.status_code == 403 and not Submission.objects.exists()


@pytest.mark.parametrize("token", ["forged-token-0123456789abcdefghijkl", "x"])
def test_a_wrong_token_is_a_plain_404(client, link, token):
    response = client.get(reverse("respond:answer", args=[token]))
    assert response.status_code == 404
    assert link.round.name not in response.content.decode() and link.unit.name not in response.content.decode()


def test_a_revoked_token_is_a_plain_404(client, link, round):
    new = link_reissue(round=round, unit=link.unit)
    assert client.get(_url(link)).status_code == 404
    assert client.get(_url(new)).status_code == 200
    assert len(new.token) >= 32 and new.token != link.token


def test_before_the_period_the_link_says_when_it_opens_and_accepts_nothing(client, link, round, answer_data):
    round.start = round.end = datetime.date.today() + datetime.timedelta(days=5)
    round.save()
    page = client.get(_url(link)).content.decode()
    assert round.start.isoformat() in page
    response = client.post(_url(link), answer_data())
    assert response.status_code == 403 and not Submission.objects.exists()


def test_a_closed_round_accepts_nothing(client, link, round, answer_data):
    round.status = "closed"
    round.save()
    assert "结束" in client.get(_url(link)).content.decode()
    response = client.post(_url(link), answer_data())
    assert response.status_code == 403 and not Submission.objects.exists() and not Questionnaire.objects.exists()


def test_open_mode_refuses_a_second_answer_from_the_same_device(client, link, answer_data):
    client.get(_url(link))  # gives the device cookie
    client.post(_url(link), answer_data())
    response = client.post(_url(link), answer_data())
    assert response.status_code == 409
    assert Submission.objects.count() == 1


def test_open_mode_limits_answers_per_address_per_hour(link, round, answer_data):
    OnlineSetting.objects.update_or_create(round=round, defaults={"address_hourly_limit": 2})
    statuses = []
    for _ in range(3):
        browser = Client()
        browser.get(_url(link))
        statuses.append(browser.post(_url(link), answer_data(), REMOTE_ADDR="10.0.0.9").status_code)
    assert statuses == [302, 302, 429]
    assert Submission.objects.count() == 2


def test_the_english_page_is_complete(client, link):
    client.cookies["django_language"] = "en"
    page = client.get(_url(link), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You are" in page and "Personal information notice" in page and "Submit" in page


@pytest.fixture
def invitation_round(round, tree):
    from respond.models import Invitation

    OnlineSetting.objects.update_or_create(round=round, defaults={"mode": Mode.INVITATION})
    return Invitation.objects.create(round=round, unit=tree["s1"], name="张三", respondent_type="teacher")


def test_an_invitation_code_answers_once_with_its_respondent_type(client, link, invitation_round, answer_data):
    code = invitation_round.code
    assert client.post(_url(link), answer_data(code=code.lower())).status_code == 302
    assert Questionnaire.objects.get().respondent_type == "teacher"
    replay = client.post(_url(link), answer_data(code=code))
    assert replay.status_code == 409 and Questionnaire.objects.count() == 1
    invitation_round.refresh_from_db()
    assert invitation_round.used_at is not None


def test_an_unknown_invitation_code_is_refused(client, link, invitation_round, answer_data):
    response = client.post(_url(link), answer_data(code="NOTACODE22"))
    assert response.status_code == 403 and not Submission.objects.exists()


def test_phone_check_mode_sends_a_code_and_one_answer_per_phone(client, link, round, answer_data, caplog):
    OnlineSetting.objects.update_or_create(round=round, defaults={"mode": Mode.PHONE})
    with caplog.at_level("INFO", logger="manyi.sms"):
        sent = client.post(reverse("respond:send_code", args=[link.token]), {"phone": "13900001111"})
    assert sent.status_code == 302
    code = re.findall(r"\d{6}", caplog.records[-1].getMessage())[-1]
    wrong = "000000" if code != "000000" else "111111"
    assert client.post(_url(link), answer_data(phone="13900001111", code=wrong)).status_code == 403
    assert client.post(_url(link), answer_data(phone="13900001111", code=code)).status_code == 302
    again = client.post(_url(link), answer_data(phone="13900001111", code=code))
    assert again.status_code == 409 and Questionnaire.objects.count() == 1


def test_phone_check_allows_a_few_tries_only(client, link, round, answer_data, caplog):
    OnlineSetting.objects.update_or_create(round=round, defaults={"mode": Mode.PHONE})
    with caplog.at_level("INFO", logger="manyi.sms"):
        client.post(reverse("respond:send_code", args=[link.token]), {"phone": "13900002222"})
    code = re.findall(r"\d{6}", caplog.records[-1].getMessage())[-1]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert client.post(_url(link), answer_data(phone="13900002222", code=wrong)).status_code == 403
    assert client.post(_url(link), answer_data(phone="13900002222", code=code)).status_code == 403
    assert not Submission.objects.exists()


def test_phone_check_refuses_an_answer_without_a_code_sent(client, link, round, answer_data):
    OnlineSetting.objects.update_or_create(round=round, defaults={"mode": Mode.PHONE})
    response = client.post(_url(link), answer_data(phone="13900003333", code="123456"))
    assert response.status_code == 403 and not Submission.objects.exists()


def test_codes_asked_from_one_address_are_limited(client, link, round):
    OnlineSetting.objects.update_or_create(round=round, defaults={"mode": Mode.PHONE})
    url = reverse("respond:send_code", args=[link.token])
    statuses = [client.post(url, {"phone": f"1390000{n:04d}"}, REMOTE_ADDR="10.9.9.9").status_code for n in range(11)]
    assert statuses == [302] * 10 + [429]
    assert client.post(url, {"phone": "13900000000"}, REMOTE_ADDR="10.9.9.8").status_code == 429  # a minute per phone
    assert client.post(url, {"phone": "abc"}).status_code == 400


def test_a_round_closed_while_the_answer_is_sent_refuses_it(client, link, round, answer_data, monkeypatch):
    from respond import services, views

    # The round closes between the period checks and the writer: the writer refuses, nothing is stored.
    for module in (services, views):
        monkeypatch.setattr(module, "period_state", lambda round, today=None: services.PeriodState.OPEN)
    round.status = "closed"
    round.save()
    response = client.post(_url(link), answer_data())
    assert response.status_code == 403 and "未开放，不能修改结果" in response.content.decode()
    assert not Submission.objects.exists() and not Questionnaire.objects.exists()
