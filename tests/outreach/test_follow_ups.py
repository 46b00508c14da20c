"""Follow-ups of dissatisfied respondents: opening them, calls, closing, pages."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ledger.models import CategoryOfConcern, Concern, Source
from outreach.models import FollowUp, FollowUpCall, FollowUpStatus
from outreach.opening import follow_ups_open_for
from outreach.services import RaisedConcern, follow_up_call_add, follow_up_close
from surveys.models import Answer

pytestmark = pytest.mark.django_db

PHONE, MASKED = "13812345678", "138****5678"


@pytest.fixture
def follow_up(tree, questionnaire):
    q = questionnaire(tree["s1"], [1, 3, 1])
    follow_ups_open_for([q.pk])
    return FollowUp.objects.get(questionnaire=q)


def test_a_follow_up_is_opened_for_a_dissatisfied_answer_with_a_phone(tree, questionnaire, survey_round):
    dissatisfied = questionnaire(tree["s1"], [1, 3, 2])
    other_school = questionnaire(tree["s2"], [3])
    no_phone = questionnaire(tree["s1"], [3], phone="")
    satisfied = questionnaire(tree["s1"], [1, 2, 4])
    ids = [dissatisfied.pk, other_school.pk, no_phone.pk, satisfied.pk]
    assert follow_ups_open_for(ids) == 2
    assert set(FollowUp.objects.values_list("questionnaire_id", "unit__code", "round_id", "status")) == {
        (dissatisfied.pk, "S1", survey_round.pk, FollowUpStatus.OPEN),
        (other_school.pk, "S2", survey_round.pk, FollowUpStatus.OPEN),
    }
    # One per questionnaire: opening again opens nothing.
    assert follow_ups_open_for(ids) == 0
    assert FollowUp.objects.count() == 2


def test_opening_follow_ups_is_one_statement_per_batch_of_ids(tree, questionnaire, django_assert_num_queries):
    ids = [questionnaire(tree["s1"], [3]).pk for _ in range(20)]
    with django_assert_num_queries(1):
        assert follow_ups_open_for(ids) == 20
    assert follow_ups_open_for([]) == 0


def test_a_long_list_of_ids_is_read_in_batches_and_only_those_ids_are_opened(
    tree, questionnaire, django_assert_num_queries
):
    wanted = questionnaire(tree["s1"], [3])
    not_asked = questionnaire(tree["s1"], [3])
    ids = [wanted.pk, *range(not_asked.pk + 1, not_asked.pk + 1001)]
    with django_assert_num_queries(2):
        assert follow_ups_open_for(ids) == 1
    assert list(FollowUp.objects.values_list("questionnaire_id", flat=True)) == [wanted.pk]


def test_calls_and_closing_never_change_the_answers(follow_up, users):
    answers = list(Answer.objects.values_list("id", "option_id"))
    follow_up_call_add(
        follow_up=follow_up, by=users["staff"], date=timezone.localdate(), method="phone", notes="已沟通"
    )
    follow_up_close(follow_up=follow_up, by=users["staff"], status=FollowUpStatus.SOLVED)
    assert list(Answer.objects.values_list("id", "option_id")) == answers
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.SOLVED and follow_up.closed_by == users["staff"]


def test_a_call_that_raises_a_concern_enters_it_in_the_ledger(follow_up, users):
    canteen = CategoryOfConcern.objects.get(code="canteen")
    call = follow_up_call_add(
        follow_up=follow_up,
        by=users["staff"],
        date=timezone.localdate(),
        method="phone",
        notes="反映食堂问题",
        raised=RaisedConcern(category=canteen, text="饭菜凉"),
    )
    concern = Concern.objects.get()
    assert call.concern == concern
    assert (concern.unit, concern.source, concern.raiser_phone) == (follow_up.unit, Source.QUESTIONNAIRE, PHONE)
    assert not concern.is_anonymous  # the respondent is called back before the concern closes


def test_bad_calls_and_closings_are_refused(follow_up, users):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for date, notes in [(tomorrow, "x"), (datetime.date(2026, 4, 1), "x"), (timezone.localdate(), " ")]:
        with pytest.raises(ValidationError):
            follow_up_call_add(follow_up=follow_up, by=users["staff"], date=date, method="phone", notes=notes)
    with pytest.raises(ValidationError):
        follow_up_close(follow_up=follow_up, by=users["staff"], status=FollowUpStatus.DECLINED)
    follow_up_close(follow_up=follow_up, by=users["staff"], status=FollowUpStatus.DECLINED, note="不愿再联系")
    with pytest.raises(ValidationError, match="closed"):
        follow_up_call_add(follow_up=follow_up, by=users["staff"], date=timezone.localdate(), method="phone", notes="x")
    assert not FollowUpCall.objects.exists()


# ---------------------------------------------------------------- pages


def urls(follow_up) -> list[str]:
    return [
        reverse("outreach:follow_ups", args=["D1"]),
        reverse("outreach:follow_up_coverage", args=["D1"]),
        reverse("outreach:follow_up", args=[follow_up.pk]),
    ]


def test_anonymous_is_sent_to_login(client, follow_up):
    for url in urls(follow_up):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["admin", "staff", "leader"])
def test_each_role_sees_the_follow_ups_of_its_subtree(client_for, users, follow_up, role):
    client = client_for(users[role])
    for url in urls(follow_up):
        assert client.get(url).status_code == 200, url
    assert [f.pk for f in client.get(urls(follow_up)[0]).context["page"]] == [follow_up.pk]


@pytest.mark.parametrize("role", ["admin", "staff", "leader", "nobody"])
def test_follow_ups_outside_the_subtree_are_not_found(client_for, users, tree, questionnaire, role):
    q = questionnaire(tree["s2"], [3], phone="13999999999")
    follow_ups_open_for([q.pk])
    client = client_for(users[role])
    response = client.get(reverse("outreach:follow_up", args=[FollowUp.objects.get().pk]))
    assert response.status_code == 404 and "13999999999" not in response.content.decode()
    assert client.get(reverse("outreach:follow_ups", args=["D2"])).status_code == 404


def test_phones_are_masked_for_non_administrators(client_for, users, follow_up):
    for role, shown in [("staff", MASKED), ("leader", MASKED), ("admin", PHONE)]:
        body = client_for(users[role]).get(reverse("outreach:follow_up", args=[follow_up.pk])).content.decode()
        assert shown in body
        if shown == MASKED:
            assert PHONE not in body


def test_staff_record_a_call_and_close_the_follow_up(client_for, users, follow_up):
    client = client_for(users["staff"])
    data = {"call-date": timezone.localdate().isoformat(), "call-method": "phone", "call-notes": "已回访"}
    assert client.post(reverse("outreach:follow_up_call", args=[follow_up.pk]), data).status_code == 302
    response = client.post(reverse("outreach:follow_up_close", args=[follow_up.pk]), {"close-status": "solved"})
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.SOLVED and follow_up.calls.count() == 1


def test_bad_input_on_a_follow_up_is_refused_with_a_message(client_for, users, follow_up):
    client = client_for(users["staff"])
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    data = {"call-date": tomorrow, "call-method": "phone", "call-notes": "x"}
    response = client.post(reverse("outreach:follow_up_call", args=[follow_up.pk]), data)
    assert response.status_code == 400 and "cannot be dated in the future" in response.content.decode()
    data = {
        "call-date": timezone.localdate().isoformat(),
        "call-method": "phone",
        "call-notes": "x",
        "call-concern_text": "只写了内容",
    }
    assert client.post(reverse("outreach:follow_up_call", args=[follow_up.pk]), data).status_code == 400
    assert not FollowUpCall.objects.exists()


def test_a_leader_may_read_but_not_record(client_for, users, follow_up):
    client = client_for(users["leader"])
    assert client.get(reverse("outreach:follow_up", args=[follow_up.pk])).context["call_form"] is None
    data = {"call-date": timezone.localdate().isoformat(), "call-method": "phone", "call-notes": "x"}
    assert client.post(reverse("outreach:follow_up_call", args=[follow_up.pk]), data).status_code == 403
    assert (
        client.post(reverse("outreach:follow_up_close", args=[follow_up.pk]), {"close-status": "solved"}).status_code
        == 403
    )


def test_wrong_methods_are_refused(client_for, users, follow_up):
    client = client_for(users["staff"])
    assert client.get(reverse("outreach:follow_up_call", args=[follow_up.pk])).status_code == 405
    assert client.get(reverse("outreach:follow_up_close", args=[follow_up.pk])).status_code == 405
    assert client.post(reverse("outreach:follow_ups", args=["D1"])).status_code == 405


def test_not_contacted_this_week_and_the_share_followed_up_per_unit(client_for, users, tree, questionnaire, follow_up):
    other = questionnaire(tree["s1"], [3])
    follow_ups_open_for([other.pk])
    follow_up_call_add(follow_up=follow_up, by=users["staff"], date=timezone.localdate(), method="phone", notes="x")
    client = client_for(users["staff"])
    quiet = client.get(reverse("outreach:follow_ups", args=["D1"]), {"status": "open", "quiet": "on"})
    assert [f.questionnaire_id for f in quiet.context["page"]] == [other.pk]
    rows = client.get(reverse("outreach:follow_up_coverage", args=["D1"])).context["rows"]
    own, s1 = rows
    assert (own.unit.code, own.total) == ("D1", 0)
    assert (s1.unit.code, s1.total, s1.contacted, s1.followed_up_percent) == ("S1", 2, 1, 50)


def test_the_open_filter_holds_on_every_page(client_for, users, follow_up):
    follow_up_close(follow_up=follow_up, by=users["staff"], status=FollowUpStatus.SOLVED)
    client = client_for(users["staff"])
    assert list(client.get(reverse("outreach:follow_ups", args=["D1"]), {"page": "1"}).context["page"]) == []
    solved = client.get(reverse("outreach:follow_ups", args=["D1"]), {"status": ""}).context["page"]
    assert [f.pk for f in solved] == [follow_up.pk]


def test_the_list_says_awaiting_a_call_until_the_first_call_and_names_the_dissatisfying_indicators(
    client_for, users, follow_up
):
    client = client_for(users["staff"])
    url = reverse("outreach:follow_ups", args=["D1"])
    row = client.get(url).context["page"][0]
    second = Answer.objects.get(questionnaire=follow_up.questionnaire, option__number=3).indicator
    assert row.dissatisfied == [second.label()]  # [1, 3, 1]: only the second indicator was 不满意
    assert "Awaiting a call" in client.get(url).content.decode()  # (this client reads English)
    follow_up_call_add(
        follow_up=follow_up, by=users["staff"], date=timezone.localdate(), method="phone", notes="已联系"
    )
    assert "Awaiting a call" not in client.get(url).content.decode()  # in progress now
