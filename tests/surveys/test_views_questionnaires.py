"""Listing, correcting and deleting questionnaires."""

import datetime
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from surveys.models import ChangeAction, Questionnaire, ResultChange, RoundStatus
from surveys.tallies import tally_mismatches

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def list_url(round) -> str:
    return reverse("surveys:questionnaire_list", args=[round.code])


def edit_url(q) -> str:
    return reverse("surveys:questionnaire_edit", args=[q.round.code, q.pk])


def delete_url(q) -> str:
    return reverse("surveys:questionnaire_delete", args=[q.round.code, q.pk])


def edit_data(q, picks: dict[int, int], **fields) -> dict:
    data = {"unit": q.unit_id, "respondent_type": q.respondent_type, "channel": q.channel, "date": str(q.date)}
    data.update(number=q.number, phone=q.phone)
    indicators = q.round.ordered_indicators()
    data.update({f"answer_{indicators[i].id}": n for i, n in picks.items()})
    data.update(fields)
    return data


@pytest.fixture
def entered(tree, answer):
    """One questionnaire in each district's school."""
    return {
        "s1": answer(tree["s1"], {0: 1, 1: 3}, number="A-1", phone="13812345678"),
        "s2": answer(tree["s2"], {0: 2}, number="B-1", phone="13987654321"),
    }


def test_anonymous_is_sent_to_login(client, round, entered):
    q = entered["s1"]
    for response in (
        client.get(list_url(round)),
        client.get(edit_url(q)),
        client.post(edit_url(q), edit_data(q, {0: 2})),
        client.post(delete_url(q)),
    ):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert Questionnaire.objects.count() == 2


@pytest.mark.parametrize("role", ["admin", "staff", "leader"])
def test_the_list_shows_only_questionnaires_of_the_users_subtree(client_for, users, round, entered, role):
    response = client_for(users[role]).get(list_url(round))
    assert response.status_code == 200
    assert [q.number for q in response.context["page"]] == ["A-1"]
    body = text(response)
    assert "二区第一小学" not in body and "B-1" not in body


def test_the_phone_is_masked_for_staff_and_leaders_and_whole_for_administrators(client_for, users, round, entered):
    for role in ("staff", "leader"):
        body = text(client_for(users[role]).get(list_url(round)))
        assert "138****5678" in body
        assert "13812345678" not in body
    assert "13812345678" in text(client_for(users["admin"]).get(list_url(round)))


def test_the_list_shows_each_answer_by_option_number(client_for, users, round, entered):
    page = client_for(users["staff"]).get(list_url(round)).context["page"]
    assert page[0].picks == [1, 3, None, None, None, None]


def test_filters_by_unit_number_and_date(client_for, users, round, tree, answer, entered):
    answer(tree["s1"], {0: 1}, number="A-2", date=datetime.date(2026, 6, 2))
    client = client_for(users["superuser"])

    def numbers(**query):
        return sorted(q.number for q in client.get(list_url(round), query).context["page"])

    assert numbers(unit=tree["s2"].pk) == ["B-1"]
    assert numbers(number="a-") == ["A-1", "A-2"]
    assert numbers(date="2026-06-02") == ["A-2"]
    assert numbers() == ["A-1", "A-2", "B-1"]


def test_filtering_by_a_unit_outside_the_subtree_is_refused(client_for, users, round, tree, entered):
    response = client_for(users["staff"]).get(list_url(round), {"unit": tree["s2"].pk})
    assert "unit" in response.context["filters"].errors
    assert "B-1" not in text(response) and "二区第一小学" not in text(response)


def test_the_list_is_paginated(client_for, users, round, tree, answer):
    for i in range(55):
        answer(tree["s1"], {0: 1}, number=f"P-{i:03d}")
    client = client_for(users["staff"])
    first = client.get(list_url(round)).context["page"]
    assert len(first) == 50 and first.paginator.count == 55
    assert len(client.get(list_url(round), {"page": 2}).context["page"]) == 5


def test_leaders_list_but_get_no_edit_links(client_for, users, round, entered):
    body = client_for(users["leader"]).get(list_url(round)).content.decode()
    assert edit_url(entered["s1"]) not in body
    assert edit_url(entered["s1"]) in client_for(users["staff"]).get(list_url(round)).content.decode()


def test_list_refuses_post(client_for, users, round):
    assert client_for(users["staff"]).post(list_url(round)).status_code == 405


# ---------------------------------------------------------------- edit


def test_staff_corrects_a_questionnaire(client_for, users, round, entered):
    q = entered["s1"]
    client = client_for(users["staff"])
    form = client.get(edit_url(q)).context["form"]
    assert form.initial["number"] == "A-1"
    assert form.initial[f"answer_{round.ordered_indicators()[1].id}"] == 3
    response = client.post(edit_url(q), edit_data(q, {0: 2, 5: 4}, channel="phone"))
    assert response.status_code == 302
    q.refresh_from_db()
    assert q.channel == "phone"
    assert dict(q.answers.values_list("indicator__order", "option__number")) == {1: 2, 6: 4}
    assert tally_mismatches(round.id) == []
    assert ResultChange.objects.filter(action=ChangeAction.EDITED, questionnaire_id_ref=q.pk).exists()


def test_a_correction_with_a_duplicate_number_is_refused(client_for, users, round, entered, tree, answer):
    other = answer(tree["s1"], {0: 1}, number="A-2")
    response = client_for(users["staff"]).post(edit_url(other), edit_data(other, {0: 3}, number="A-1"))
    assert response.status_code == 200
    assert "number" in response.context["form"].errors
    other.refresh_from_db()
    assert other.number == "A-2"
    assert dict(other.answers.values_list("indicator__order", "option__number")) == {1: 1}


def test_a_leader_may_not_edit_or_delete(client_for, users, entered):
    q = entered["s1"]
    client = client_for(users["leader"])
    assert client.get(edit_url(q)).status_code == 403
    assert client.post(edit_url(q), edit_data(q, {0: 3})).status_code == 403
    assert client.get(delete_url(q)).status_code == 403
    assert client.post(delete_url(q)).status_code == 403
    q.refresh_from_db()
    assert q.answers.get(indicator__order=1).option.number == 1


def test_a_questionnaire_outside_the_subtree_is_not_found(client_for, users, entered):
    q = entered["s2"]
    for role in ("staff", "admin", "leader"):
        client = client_for(users[role])
        for response in (
            client.get(edit_url(q)),
            client.post(edit_url(q), edit_data(q, {0: 3})),
            client.post(delete_url(q)),
        ):
            assert response.status_code == 404
            assert "二区第一小学" not in text(response)
    assert Questionnaire.objects.filter(pk=q.pk).exists()


def test_staff_may_not_move_a_questionnaire_to_a_unit_outside_their_subtree(client_for, users, tree, entered):
    q = entered["s1"]
    response = client_for(users["staff"]).post(edit_url(q), edit_data(q, {0: 1}, unit=tree["s2"].pk))
    assert "unit" in response.context["form"].errors
    q.refresh_from_db()
    assert q.unit == tree["s1"]


def test_a_closed_round_refuses_corrections_with_a_message(client_for, users, round, entered):
    round.status = RoundStatus.CLOSED
    round.save()
    q = entered["s1"]
    client = client_for(users["staff"])
    response = client.post(edit_url(q), edit_data(q, {0: 3}), follow=True)
    assert "未开放" in text(response)
    response = client.post(delete_url(q), follow=True)
    assert "未开放" in text(response)
    q.refresh_from_db()
    assert q.answers.get(indicator__order=1).option.number == 1
    assert edit_url(q) not in response.content.decode()  # no edit links while closed


def test_edit_and_delete_refuse_other_methods(client_for, users, entered):
    client = client_for(users["staff"])
    assert client.put(edit_url(entered["s1"])).status_code == 405
    assert client.put(delete_url(entered["s1"])).status_code == 405


# ---------------------------------------------------------------- delete


def test_delete_asks_for_confirmation_then_deletes_on_post(client_for, users, round, entered):
    q = entered["s1"]
    client = client_for(users["staff"])
    response = client.get(delete_url(q))
    assert response.status_code == 200
    assert "138****5678" in text(response)
    assert Questionnaire.objects.filter(pk=q.pk).exists()
    response = client.post(delete_url(q))
    assert response.status_code == 302
    assert not Questionnaire.objects.filter(pk=q.pk).exists()
    assert tally_mismatches(round.id) == []
    assert ResultChange.objects.get(action=ChangeAction.DELETED).detail["before"]["number"] == "A-1"


def test_the_list_reads_a_fixed_number_of_queries_whatever_the_number_of_rows(client_for, users, round, tree, answer):
    client = client_for(users["staff"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(list_url(round)).status_code == 200
        return len(captured)

    answer(tree["s1"], {0: 1, 1: 2})
    few = queries()
    for i in range(10):
        answer(tree["s1"], {0: 1, 1: 2, 2: 3}, number=f"Q-{i}", phone=f"1380000000{i}")
    assert queries() == few
