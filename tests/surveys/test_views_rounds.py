"""The round list, the round hub and its status actions."""

import html

import pytest
from django.urls import reverse

from surveys.models import ChangeAction, ResultChange, RoundStatus
from tests.factories import RoleFactory, UserFactory, make_round
from units.models import RoleKind

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def links(response) -> str:
    """The hub's list of links only."""
    body = response.content.decode()
    start = body.index('<ul id="round-links"')
    return body[start : body.index("</ul>", start)]


def test_anonymous_is_sent_to_login(client, round):
    for url in (
        reverse("surveys:round_list"),
        reverse("surveys:round_detail", args=[round.code]),
        reverse("surveys:round_status", args=[round.code]),
    ):
        response = client.get(url) if "status" not in url else client.post(url, {"status": "closed"})
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    round.refresh_from_db()
    assert round.status == RoundStatus.OPEN


def test_round_list_shows_only_rounds_with_units_of_the_users_subtree(client_for, users, round, tree):
    make_round([tree["s2"]], code="D2ONLY", name="二区专项调查")
    for role in ("admin", "staff", "leader"):
        body = text(client_for(users[role]).get(reverse("surveys:round_list")))
        assert round.name in body
        assert "二区专项调查" not in body
    assert "二区专项调查" in text(client_for(users["superuser"]).get(reverse("surveys:round_list")))
    assert round.name not in text(client_for(users["nobody"]).get(reverse("surveys:round_list")))


def test_hub_shows_the_round(client_for, users, tree):
    previous = make_round([tree["s1"]], code="R2025", name="2025年度调查", status="closed")
    current = make_round([tree["s1"], tree["s2"]], code="R2026B", previous=previous, target_rate=92, target_rank=3)
    response = client_for(users["leader"]).get(reverse("surveys:round_detail", args=[current.code]))
    assert response.status_code == 200
    body = text(response)
    for expected in ("2026-01-01", "2026-12-31", "满意度量表", "整体办学水平", "校园安全环境", "92.00 %", "前 3 名"):
        assert expected in body
    assert reverse("surveys:round_detail", args=["R2025"]) in body
    assert response.context["units_in_scope"] == 1  # S2 is outside the leader's district


def test_hub_links_follow_what_each_role_may_do(client_for, users, round):
    url = reverse("surveys:round_detail", args=[round.code])
    enter, counts = (
        reverse("surveys:questionnaire_enter", args=[round.code]),
        reverse("surveys:counts_units", args=[round.code]),
    )
    listing, history = (
        reverse("surveys:questionnaire_list", args=[round.code]),
        reverse("surveys:history", args=[round.code]),
    )
    leader = links(client_for(users["leader"]).get(url))
    assert listing in leader and enter not in leader and counts not in leader and history not in leader
    staff = links(client_for(users["staff"]).get(url))
    assert enter in staff and counts in staff and history not in staff
    admin = links(client_for(users["admin"]).get(url))
    assert enter in admin and counts in admin and history in admin


def test_hub_offers_no_entry_when_the_round_is_closed(client_for, users, round):
    round.status = RoundStatus.CLOSED
    round.save()
    response = client_for(users["staff"]).get(reverse("surveys:round_detail", args=[round.code]))
    assert reverse("surveys:questionnaire_enter", args=[round.code]) not in links(response)
    assert "未开放" in text(response)


def test_hub_of_a_round_outside_the_subtree_is_not_found(client_for, users, tree):
    other = make_round([tree["s2"]], code="D2ONLY", name="二区专项调查")
    for role in ("admin", "staff", "leader", "nobody"):
        response = client_for(users[role]).get(reverse("surveys:round_detail", args=[other.code]))
        assert response.status_code == 404
        assert "二区专项调查" not in text(response)


def test_read_pages_refuse_post(client_for, users, round):
    client = client_for(users["admin"])
    assert client.post(reverse("surveys:round_list")).status_code == 405
    assert client.post(reverse("surveys:round_detail", args=[round.code])).status_code == 405


# ---------------------------------------------------------------- status


def status_url(round) -> str:
    return reverse("surveys:round_status", args=[round.code])


def test_superuser_opens_closes_and_reopens_with_a_reason(client_for, users, tree):
    round = make_round([tree["s1"], tree["s2"]], code="DRAFT", status="draft")
    client = client_for(users["superuser"])
    assert client.post(status_url(round), {"status": "open"}).status_code == 302
    assert client.post(status_url(round), {"status": "closed"}).status_code == 302
    round.refresh_from_db()
    assert round.status == RoundStatus.CLOSED
    response = client.post(status_url(round), {"status": "open", "reason": "补录遗漏问卷"})
    assert response.status_code == 302
    round.refresh_from_db()
    assert round.status == RoundStatus.OPEN
    actions = list(ResultChange.objects.filter(round=round).order_by("id").values_list("action", flat=True))
    assert actions == [ChangeAction.OPENED, ChangeAction.CLOSED, ChangeAction.REOPENED]
    assert ResultChange.objects.get(action=ChangeAction.REOPENED).detail["reason"] == "补录遗漏问卷"


def test_reopening_without_a_reason_is_refused_next_to_the_reason(client_for, users, round):
    round.status = RoundStatus.CLOSED
    round.save()
    response = client_for(users["superuser"]).post(status_url(round), {"status": "open", "reason": "  "})
    assert response.status_code == 200
    form = response.context["status_form"]
    assert "reason" in form.errors
    assert form.errors["reason"][0] in text(response)
    round.refresh_from_db()
    assert round.status == RoundStatus.CLOSED
    assert not ResultChange.objects.exists()


def test_an_impossible_transition_is_refused(client_for, users, tree):
    round = make_round([tree["s1"]], code="DRAFT", status="draft")
    response = client_for(users["superuser"]).post(status_url(round), {"status": "closed"})
    assert response.status_code == 200
    assert response.context["status_form"].errors
    round.refresh_from_db()
    assert round.status == RoundStatus.DRAFT


def test_an_unknown_status_is_refused(client_for, users, round):
    response = client_for(users["superuser"]).post(status_url(round), {"status": "archived"})
    assert "status" in response.context["status_form"].errors
    round.refresh_from_db()
    assert round.status == RoundStatus.OPEN


def test_an_admin_whose_subtree_holds_every_participant_manages_the_status(client_for, users, tree):
    own = make_round([tree["s1"]], code="D1ONLY")
    client = client_for(users["admin"])
    assert "round-status" in client.get(reverse("surveys:round_detail", args=[own.code])).content.decode()
    assert client.post(status_url(own), {"status": "closed"}).status_code == 302
    own.refresh_from_db()
    assert own.status == RoundStatus.CLOSED


def test_a_district_admin_may_not_close_a_citywide_round(client_for, users, round):
    client = client_for(users["admin"])
    assert "round-status" not in client.get(reverse("surveys:round_detail", args=[round.code])).content.decode()
    assert client.post(status_url(round), {"status": "closed"}).status_code == 403
    round.refresh_from_db()
    assert round.status == RoundStatus.OPEN


def test_a_city_admin_manages_a_citywide_round(client_for, round, tree):
    city_admin = UserFactory()
    RoleFactory(user=city_admin, unit=tree["city"], kind=RoleKind.ADMIN)
    assert client_for(city_admin).post(status_url(round), {"status": "closed"}).status_code == 302


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_staff_and_leaders_may_not_change_the_status(client_for, users, tree, role):
    own = make_round([tree["s1"]], code="D1ONLY")
    assert client_for(users[role]).post(status_url(own), {"status": "closed"}).status_code == 403
    own.refresh_from_db()
    assert own.status == RoundStatus.OPEN


def test_status_of_a_round_outside_the_subtree_is_not_found(client_for, users, tree):
    other = make_round([tree["s2"]], code="D2ONLY")
    assert client_for(users["admin"]).post(status_url(other), {"status": "closed"}).status_code == 404
    other.refresh_from_db()
    assert other.status == RoundStatus.OPEN


def test_status_accepts_only_post(client_for, users, round):
    client = client_for(users["superuser"])
    assert client.get(status_url(round)).status_code == 405
    assert client.put(status_url(round)).status_code == 405


def test_the_hub_names_an_option_once_when_its_category_has_the_same_name(client_for, users, round):
    body = client_for(users["leader"]).get(reverse("surveys:round_detail", args=[round.code])).content.decode()
    assert "1 · 满意" in body
    assert "(满意)" not in body and "（满意）" not in body  # not "满意 (满意)"


def test_an_open_round_says_how_many_days_are_left(client_for, users, tree):
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    round = make_round(
        [tree["s1"]], code="RNOW", start=today - datetime.timedelta(days=3), end=today + datetime.timedelta(days=5)
    )
    body = client_for(users["leader"]).get(reverse("surveys:round_detail", args=[round.code])).content.decode()
    assert "今天之后还剩5天" in body
    assert round.days_left(round.end) == 0 and round.days_left(round.end + datetime.timedelta(days=1)) is None
    round.status = "closed"
    assert round.days_left(today) is None
