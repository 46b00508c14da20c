"""The ranking page's table in pages (``ROWS_PER_PAGE``; two here): ranks over every peer, links that keep the
choice, the row of a unit found, and the API and the workbook's rows untouched.

C > D1 > S1, S3, S4 and C > D2 > S2 (tests/reports/conftest.py): ranked S1 90 %, S3 80 %, S4 80 %, S2 70 %.
"""

import pytest
from django.urls import reverse

import reports.ranking
from tests.reports.helpers import rank_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_a_page(monkeypatch):
    monkeypatch.setattr(reports.ranking, "ROWS_PER_PAGE", 2)


def page_of(client, round, **query):
    return client.get(reverse("reports:ranking", args=[round.code]), {"scope": "C", "level": "school"} | query)


def shown(response) -> list[tuple[int, str]]:
    return [(row.sort_rank, row.unit.code) for row in response.context["page"].rows]


def test_each_page_shows_its_rows_ranked_among_every_peer(client_for, users, counted):
    client = client_for(users["superuser"])
    first, second = page_of(client, counted), page_of(client, counted, page="2")
    assert shown(first) == [(1, "S1"), (2, "S3")]
    assert shown(second) == [(2, "S4"), (4, "S2")]  # the tie and the rank after it are those of all four
    body = second.content.decode()
    assert "第3–4名，共4个" in body and "一区第三小学" in body and "一区第一小学" not in body
    # The page links keep scope, level and sort, for htmx and without it.
    link = "/rounds/R2026/ranking/?scope=C&amp;level=school&amp;sort=overall&amp;page=1"
    assert f'href="{link}"' in body and f'hx-get="{link}"' in body
    assert len(second.context["ranking"].rows) == 4  # "4 peers below 示范市"


def test_the_pages_of_another_sort(client_for, users, counted):
    response = page_of(client_for(users["superuser"]), counted, sort="EDU1", page="2")
    assert shown(response) == [(2, "S4"), (4, "S2")]
    assert "sort=EDU1&amp;page=1" in response.content.decode()


def test_the_row_of_a_unit_is_found_on_its_page_and_marked(client_for, users, counted):
    client = client_for(users["superuser"])
    response = page_of(client, counted, unit="S2")
    assert response.context["page"].number == 2 and shown(response) == [(2, "S4"), (4, "S2")]
    body = response.content.decode()
    marked = body[body.index('id="marked-row"') :]
    assert "二区第一小学" in marked[: marked.index("</tr>")]
    assert body.count('id="marked-row"') == 1
    # The unit's page links back to its row.
    unit = client.get(reverse("reports:unit", args=[counted.code, "S2"]), {"scope": "C"}).content.decode()
    assert "?scope=C&amp;level=school&amp;unit=S2#marked-row" in unit


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99", "", "2.5"])
def test_a_bad_page_number_shows_the_nearest_page(client_for, users, counted, page):
    response = page_of(client_for(users["superuser"]), counted, page=page)
    assert response.status_code == 200
    expected = 2 if page == "99" else 1
    assert response.context["page"].number == expected


def test_a_unit_that_is_no_peer_marks_nothing(client_for, users, counted):
    response = page_of(client_for(users["superuser"]), counted, unit="D1", page="2")
    assert response.context["page"].number == 2 and response.context["page"].marked is None
    assert 'id="marked-row"' not in response.content.decode()


def test_a_district_role_pages_only_its_own_district(client_for, users, counted):
    client = client_for(users["leader"])
    response = client.get(reverse("reports:ranking", args=[counted.code]), {"scope": "D1", "unit": "S2"})
    assert response.status_code == 200
    assert [code for _, code in shown(response)] == ["S1", "S3"] and response.context["page"].marked is None
    assert "二区第一小学" not in response.content.decode()


def test_the_api_and_the_workbook_keep_every_row(client_for, users, counted):
    data = (
        client_for(users["superuser"])
        .get(reverse("reports:api_ranking", args=[counted.code]), {"scope": "C", "level": "school", "page": "2"})
        .json()
    )
    assert [row["unit"]["code"] for row in data["rows"]] == ["S1", "S3", "S4", "S2"]
    assert len(rank_of(counted).rows) == 4


def test_one_page_needs_no_links(client_for, users, counted, monkeypatch):
    monkeypatch.setattr(reports.ranking, "ROWS_PER_PAGE", 100)
    response = page_of(client_for(users["superuser"]), counted)
    assert len(shown(response)) == 4 and 'id="ranking-pages"' not in response.content.decode()
