"""The history of changes to results, for administrators."""

import datetime
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from surveys.models import ResultChange, RoundStatus
from surveys.services import QuestionnaireData, questionnaire_update, reported_counts_set, round_set_status
from tests.factories import RoleFactory, UserFactory
from units.models import RoleKind

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def history_url(round) -> str:
    return reverse("surveys:history", args=[round.code])


@pytest.fixture
def changes(round, tree, options, answer, users):
    """Changes in both districts: entry, a correction, counts, and the round closed and reopened."""
    q = answer(tree["s1"], {0: 1}, number="A-1", phone="13812345678")
    data = QuestionnaireData(
        unit=tree["s1"],
        respondent_type="teacher",
        channel="phone",
        date=datetime.date(2026, 5, 2),
        number="A-1",
        phone="13812345678",
        answers={round.ordered_indicators()[0].id: options[3].id},
    )
    questionnaire_update(questionnaire=q, data=data, user=users["staff"])
    answer(tree["s2"], {0: 2}, number="B-1")
    key = (round.ordered_indicators()[1].id, options[2].id)
    reported_counts_set(round=round, unit=tree["s1"], counts={key: 12}, user=users["staff"])
    round_set_status(round=round, status=RoundStatus.CLOSED, user=users["superuser"])
    round_set_status(round=round, status=RoundStatus.OPEN, user=users["superuser"], reason="补录遗漏问卷")
    return q


def test_anonymous_is_sent_to_login(client, round):
    response = client.get(history_url(round))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_only_administrators_see_the_history(client_for, users, round, changes, role):
    response = client_for(users[role]).get(history_url(round))
    assert response.status_code == 403
    assert "A-1" not in text(response)


def test_a_city_leader_is_refused_and_a_user_without_role_finds_nothing(client_for, round, tree, changes):
    city_leader = UserFactory()
    RoleFactory(user=city_leader, unit=tree["city"], kind=RoleKind.LEADER)
    assert client_for(city_leader).get(history_url(round)).status_code == 403
    assert client_for(UserFactory()).get(history_url(round)).status_code == 404


def test_an_admin_sees_who_did_what_in_their_units_only(client_for, users, round, changes):
    response = client_for(users["admin"]).get(history_url(round))
    assert response.status_code == 200
    body = text(response)
    actions = [change.action for change, _ in response.context["rows"]]
    assert actions == ["reopened", "closed", "counts", "edited", "created"]  # nothing of district 2
    assert "B-1" not in body and "二区第一小学" not in body
    assert users["staff"].username in body
    assert "补录遗漏问卷" in body  # the reason for reopening
    assert "师德表现 / 2 基本满意" in body and "12" in body  # the counts changed, in words
    assert "家长" in body and "教师" in body  # the correction: before and after
    assert "1 满意" in body and "3 不满意" in body
    assert "13812345678" in body  # administrators see phones whole


def test_the_history_of_one_unit(client_for, users, round, tree, changes):
    response = client_for(users["superuser"]).get(history_url(round), {"unit": "S2"})
    rows = response.context["rows"]
    assert [change.action for change, _ in rows] == ["created"]
    assert rows[0][0].unit == tree["s2"]


def test_the_history_of_a_unit_outside_the_admins_subtree_is_not_found(client_for, users, round, changes):
    response = client_for(users["admin"]).get(history_url(round), {"unit": "S2"})
    assert response.status_code == 404
    assert "B-1" not in text(response)


def test_a_questionnaire_moved_from_another_district_does_not_name_it(client_for, users, round, tree, answer, options):
    q = answer(tree["s2"], {0: 1}, number="M-1")
    data = QuestionnaireData(
        unit=tree["s1"],
        respondent_type="parent",
        channel="paper",
        date=datetime.date(2026, 5, 1),
        number="M-1",
        answers={round.ordered_indicators()[0].id: options[1].id},
    )
    questionnaire_update(questionnaire=q, data=data, user=users["superuser"])
    body = text(client_for(users["admin"]).get(history_url(round)))
    assert "您管辖范围以外的单位" in body and "一区第一小学 (S1)" in body
    assert "二区第一小学" not in body and "(S2)" not in body


def test_history_refuses_post(client_for, users, round):
    assert client_for(users["admin"]).post(history_url(round)).status_code == 405


def test_the_history_reads_a_fixed_number_of_queries_whatever_the_number_of_changes(
    client_for, users, round, tree, answer
):
    client = client_for(users["admin"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(history_url(round)).status_code == 200
        return len(captured)

    answer(tree["s1"], {0: 1})
    few = queries()
    for i in range(10):
        answer(tree["s1"], {0: 2, 3: 4}, number=f"H-{i}")
    assert queries() == few


def test_a_change_whose_user_was_deleted_is_shown_without_a_name(client_for, users, round, changes):
    ResultChange.objects.update(user=None)
    response = client_for(users["admin"]).get(history_url(round))
    assert response.status_code == 200 and "—" in text(response)
