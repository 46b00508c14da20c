"""Sample targets and quotas per respondent type, and units that stop accepting once full."""

import pytest
from django.urls import reverse

from respond.models import OnlineSetting
from respond.quotas import is_full, parse_quotas, quota_counts
from surveys.models import Questionnaire


def test_quotas_read_values_or_chinese_labels():
    assert parse_quotas("家长：60，student:20%") == {"parent": 60, "student": 20}
    assert parse_quotas("") == {}


@pytest.mark.parametrize(
    ("text", "why"), [("外星人:10", "外星人"), ("parent:0", "1"), ("parent:x", "1"), ("parent:60,student:50", "100")]
)
def test_bad_quotas_say_why(text, why):
    with pytest.raises(ValueError, match=why):
        parse_quotas(text)


def test_a_quota_is_a_share_of_the_target_rounded_up():
    assert quota_counts(45, {"parent": 60}) == {"parent": 27}
    full = {"sample_target": 10, "quotas": {"parent": 60}}
    assert is_full(**full, total=6, of_type=6, respondent_type="parent")
    assert not is_full(**full, total=6, of_type=0, respondent_type="student")
    assert is_full(**full, total=10, of_type=0, respondent_type="student")
    assert not is_full(sample_target=0, quotas={}, total=999, of_type=999, respondent_type="parent")


@pytest.mark.django_db
def test_a_full_unit_stops_accepting_when_the_round_says_so(client, link, round, answer_data):
    OnlineSetting.objects.update_or_create(
        round=round, defaults={"sample_target": 10, "quotas": "parent:10", "stop_when_full": True}
    )
    url = reverse("respond:answer", args=[link.token])
    assert client.post(url, answer_data()).status_code == 302
    client.cookies.clear()
    refused = client.post(url, answer_data())  # parents: 1 of 1 wanted
    assert refused.status_code == 409 and "所需" in refused.content.decode()
    assert client.post(url, answer_data(respondent_type="student")).status_code == 302
    assert Questionnaire.objects.count() == 2


@pytest.mark.django_db
def test_the_setting_form_refuses_bad_quotas(client_for, users, round):
    url = reverse("respond:setting_save", args=[round.code])
    data = {"mode": "open", "respondent_types": ["parent"], "address_hourly_limit": 10, "sample_target": 50,
            "quotas": "外星人:10", "invitation_text": ""}  # fmt: skip
    response = client_for(users["superuser"]).post(url, data)
    assert response.status_code == 400 and "外星人" in response.content.decode()
    assert not OnlineSetting.objects.filter(round=round, quotas__contains="外星人").exists()
