"""Ranking and unit pages and their JSON API: who may see what, bad parameters, same figures everywhere."""

import re

import pytest
from django.urls import reverse

from tests.factories import RoleFactory, UserFactory
from units.models import RoleKind

pytestmark = pytest.mark.django_db

ROLES = ["admin", "staff", "leader"]


def ranking_url(round, **query) -> str:
    return reverse("reports:ranking", args=[round.code]) + _query(query)


def api_ranking_url(round, **query) -> str:
    return reverse("reports:api_ranking", args=[round.code]) + _query(query)


def unit_url(round, code, **query) -> str:
    return reverse("reports:unit", args=[round.code, code]) + _query(query)


def api_unit_url(round, code, **query) -> str:
    return reverse("reports:api_unit", args=[round.code, code]) + _query(query)


def _query(query: dict) -> str:
    return "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""


def test_anonymous_is_sent_to_login(client, counted):
    for url in [
        reverse("reports:index"),
        ranking_url(counted),
        unit_url(counted, "S1"),
        api_ranking_url(counted),
        api_unit_url(counted, "S1"),
        reverse("reports:list"),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_the_ranking_of_its_subtree(client_for, users, counted, role):
    response = client_for(users[role]).get(ranking_url(counted))
    assert response.status_code == 200
    body = response.content.decode()
    for name in ["一区第一小学", "一区第二小学", "一区第三小学"]:
        assert name in body
    # The other district, its school and the city are outside the subtree: not even named.
    assert "二区" not in body and "示范市" not in body
    assert response.context["ranking"].scope.code == "D1"
    assert response.context["ranking"].level == "school"


@pytest.mark.parametrize("role", ROLES)
def test_a_scope_outside_the_subtree_is_404_on_the_page_and_403_in_the_api(client_for, users, counted, role):
    client = client_for(users[role])
    for scope in ["C", "D2", "NO-SUCH-UNIT"]:
        page = client.get(ranking_url(counted, scope=scope, level="school"))
        assert page.status_code == 404
        assert "二区" not in page.content.decode()
        api = client.get(api_ranking_url(counted, scope=scope, level="school"))
        assert api.status_code == 403
        assert "二区" not in api.content.decode() and "rows" not in api.json()


def test_a_user_without_a_unit_in_the_round_gets_404(client_for, users, counted):
    client = client_for(users["nobody"])
    assert client.get(ranking_url(counted)).status_code == 404
    assert client.get(api_ranking_url(counted)).status_code == 404
    assert client.get(unit_url(counted, "S1")).status_code == 404


def test_a_leader_on_the_other_district_does_not_see_district_one(client_for, tree, counted):
    leader = UserFactory()
    RoleFactory(user=leader, unit=tree["d2"], kind=RoleKind.LEADER)
    client = client_for(leader)
    assert client.get(unit_url(counted, "S1")).status_code == 404
    api = client.get(api_unit_url(counted, "S1"))
    assert api.status_code == 403 and list(api.json()["errors"]) == ["unit"]
    body = client.get(ranking_url(counted)).content.decode()
    assert "二区第一小学" in body and "一区" not in body


def test_the_city_leader_ranks_the_districts_of_the_city(client_for, tree, counted):
    leader = UserFactory()
    RoleFactory(user=leader, unit=tree["city"], kind=RoleKind.LEADER)
    data = client_for(leader).get(api_ranking_url(counted)).json()
    assert (data["scope"]["code"], data["level"]) == ("C", "district")
    assert [(row["unit"]["code"], row["overall"]["rate"], row["sort_rank"]) for row in data["rows"]] == [
        ("D1", 84.0, 1),  # (90 + 80 + 40) / (100 + 100 + 50)
        ("D2", 70.0, 2),
    ]


def test_api_ranking_keys(client_for, users, counted):
    data = client_for(users["leader"]).get(api_ranking_url(counted, level="school")).json()
    assert set(data) == {
        "round", "scope", "level", "sort", "indicators", "peers", "ranked", "target_line_after", "sample_plan", "rows",
    }  # fmt: skip
    row = data["rows"][0]
    assert row["unit"] == {"code": "S1", "name": "一区第一小学", "kind": "school"}
    assert row["overall"] == {
        "satisfied": 90, "basically_satisfied": 0, "dissatisfied": 10, "excluded": 0, "valid": 100,
        "rate": 90.0, "interval": [82.56, 94.48], "rank": 1,
    }  # fmt: skip
    assert row["target_met"] is True and row["votes_to_target"] is None
    assert row["indicators"]["rates"] == [90.0, None, None, None, None, None]
    assert row["indicators"]["ranks"][0] == 1 and row["indicators"]["colours"][0] == "#63be7b"
    assert data["round"]["target_rank"] == 2 and data["target_line_after"] is None


def test_page_and_api_show_the_same_figures_in_the_same_order(client_for, users, counted):
    client = client_for(users["admin"])
    for sort in ["overall", "EDU1"]:
        page = client.get(ranking_url(counted, scope="D1", level="school", sort=sort)).content.decode()
        body = page[page.index("<tbody>") : page.index("</tbody>")]
        data = client.get(api_ranking_url(counted, scope="D1", level="school", sort=sort)).json()
        rows = re.findall(r'<td class="num fw-semibold[^"]*">([^<]*)</td>', body)
        assert rows == [("—" if r["overall"]["rate"] is None else f"{r['overall']['rate']:.2f}") for r in data["rows"]]
        page_codes = re.findall(r'<small class="text-muted">([^<]+)</small>', body)
        assert page_codes == [r["unit"]["code"] for r in data["rows"]]


def test_sorting_and_filters_without_a_full_page(client_for, users, counted):
    client = client_for(users["leader"])
    response = client.get(ranking_url(counted, scope="D1", level="school", sort="EDU1"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and 'id="ranking-results"' in body
    assert "HX-Request" in response["Vary"]
    # Sort links keep the scope and level in the URL that htmx pushes.
    assert 'hx-get="/rounds/R2026/ranking/?scope=D1&amp;level=school&amp;sort=EDU2"' in body
    assert 'hx-push-url="true"' in body


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ({"level": "planet"}, "level", "planet"),
        ({"scope": "D1", "level": "district"}, "level", "school"),
        ({"sort": "EDU99"}, "sort", "EDU99"),
        ({"scope": "S1"}, "scope", "S1"),
    ],
)
def test_bad_parameters_are_refused_with_a_message_naming_them(client_for, users, counted, query, field, words):
    client = client_for(users["leader"])
    api = client.get(api_ranking_url(counted, **query))
    assert api.status_code == 400
    assert list(api.json()["errors"]) == [field]
    assert words in api.json()["errors"][field][0]
    page = client.get(ranking_url(counted, **query))
    assert page.status_code == 400
    assert words in page.content.decode()
    assert "ranking" not in page.context


@pytest.mark.parametrize("view", ["reports:ranking", "reports:api_ranking", "reports:index"])
def test_read_views_refuse_post(client_for, users, counted, view):
    args = [] if view == "reports:index" else [counted.code]
    assert client_for(users["leader"]).post(reverse(view, args=args)).status_code == 405


def test_unit_views_refuse_post(client_for, users, counted):
    client = client_for(users["leader"])
    assert client.post(unit_url(counted, "S1")).status_code == 405
    assert client.post(api_unit_url(counted, "S1")).status_code == 405


def test_unknown_round_is_404(client_for, users, counted):
    client = client_for(users["superuser"])
    assert client.get(reverse("reports:ranking", args=["NOPE"])).status_code == 404
    api = client.get(reverse("reports:api_ranking", args=["NOPE"]))
    assert api.status_code == 404 and list(api.json()["errors"]) == ["round"]
    assert client.get(reverse("reports:api_unit", args=["NOPE", "S1"])).status_code == 404


# ---------------------------------------------------------------- unit page


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_the_unit_page_inside_its_subtree(client_for, users, counted, role):
    response = client_for(users[role]).get(unit_url(counted, "S1"))
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.scope.code, report.overall.rank, report.ranked) == ("D1", 1, 3)
    body = response.content.decode()
    assert "90.00" in body and "二区" not in body


def test_unit_page_of_the_users_top_unit_has_no_ranking(client_for, users, counted):
    response = client_for(users["leader"]).get(unit_url(counted, "D1"))
    assert response.status_code == 200
    assert response.context["report"].scope is None
    body = response.content.decode()
    assert "示范市" not in body and "二区" not in body
    assert "一区第一小学" in body  # the units below are linked


def test_unit_api_matches_the_unit_page(client_for, users, counted):
    client = client_for(users["superuser"])
    page = client.get(unit_url(counted, "S3", scope="C")).context["report"]
    data = client.get(api_unit_url(counted, "S3", scope="C")).json()
    assert data["overall"]["rate"] == float(page.overall.percent) == 80.0
    assert data["overall"]["rank"] == page.overall.rank == 2
    assert data["target"]["rank_gap"] is None and data["target"]["rank_met"] is True
    assert [i["rank"] for i in data["indicators"]] == [line.figure.rank for line in page.lines]
    assert data["indicators"][0]["option_counts"] == [80, 0, 20, 0]
    assert data["indicators"][0]["option_shares"] == [80.0, 0.0, 20.0, 0.0]  # the chart draws these as they are
    assert data["indicators"][-1]["option_shares"] == [None] * 4  # no answer on this indicator
    assert data["weakest"] == ["EDU1"]
    assert [p["round"]["code"] for p in data["trend"]] == ["R2026"]


def test_unit_scope_must_be_an_ancestor(client_for, users, counted):
    client = client_for(users["superuser"])
    response = client.get(api_unit_url(counted, "S1", scope="D2"))
    assert response.status_code == 400
    assert "D2" in response.json()["errors"]["scope"][0]
    assert client.get(unit_url(counted, "S1", scope="D2")).status_code == 400


def test_unit_not_in_the_round_is_404(client_for, users, counted, tree):
    from tests.factories import UnitFactory

    UnitFactory(code="S9", name="一区第九小学", parent=tree["d1"])
    client = client_for(users["leader"])
    assert client.get(unit_url(counted, "S9")).status_code == 404
    assert client.get(api_unit_url(counted, "S9")).status_code == 404


def test_rankings_index_lists_only_visible_rounds(client_for, users, counted, tree):
    from tests.factories import make_round

    make_round([tree["s2"]], code="OTHER")
    body = client_for(users["leader"]).get(reverse("reports:index")).content.decode()
    assert counted.name in body and "OTHER" not in body


def test_htmx_gets_the_message_of_a_bad_parameter_in_a_swappable_answer(client_for, users, counted):
    response = client_for(users["leader"]).get(ranking_url(counted, sort="EDU99"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="ranking-errors"' in response.content.decode() and "EDU99" in response.content.decode()


def test_unit_page_shows_the_work_between_surveys_beside_the_rates(client_for, users, counted):
    from tests.factories import ConcernFactory

    ConcernFactory(unit=counted.participations.get(unit__code="S1").unit)
    response = client_for(users["leader"]).get(unit_url(counted, "S1"))
    body = response.content.decode()
    assert "调查之间的工作" in body
    assert 'href="/ledger/' in body
