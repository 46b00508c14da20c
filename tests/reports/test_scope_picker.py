"""The ranking page's scope picker (ancestors, child scopes, search): what it lists, to whom, and bad input.

city C > D1 > S1, S3, S4 and C > D2 > S2 (tests/reports/conftest.py); the
round's scopes are C, D1 and D2.
"""

import pickle

import pytest
from django.urls import reverse

from surveys.outline import round_outline
from tests.factories import RoleFactory, UnitFactory, UserFactory, make_round
from units.models import RoleKind, UnitKind

pytestmark = pytest.mark.django_db


def ranking(client, round, **query):
    return client.get(reverse("reports:ranking", args=[round.code]), query)


def search(client, round, htmx=False, **query):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.get(reverse("reports:scopes", args=[round.code]), query, **headers)


def matched(response) -> list[str]:
    return [link.unit.code for link in response.context["matches"]]


def picker_html(response) -> str:
    body = response.content.decode()
    return body[body.index('<div id="scope-picker"') : body.index('<div id="scope-matches"')]


@pytest.fixture
def city_leader(tree):
    user = UserFactory()
    RoleFactory(user=user, unit=tree["city"], kind=RoleKind.LEADER)
    return user


def test_the_top_shows_its_child_scopes_with_links_that_keep_the_sort(client_for, users, round):
    response = ranking(client_for(users["superuser"]), round, sort="EDU2")
    picker = response.context["picker"]
    assert (picker.scope.code, picker.ancestors, picker.more) == ("C", [], 0)
    assert [link.unit.code for link in picker.children] == ["D1", "D2"]
    # The city's peers are districts; a district has none below it, so its link drops the level.
    assert [link.query for link in picker.children] == ["scope=D1&sort=EDU2", "scope=D2&sort=EDU2"]
    html = picker_html(response)
    assert 'href="/rounds/R2026/ranking/?scope=D1&amp;sort=EDU2"' in html
    assert 'hx-get="/rounds/R2026/ranking/?scope=D2&amp;sort=EDU2"' in html
    assert "下级单位" in html and "示范市" in html


def test_a_district_shows_the_way_up_that_its_viewer_may_take(client_for, users, city_leader, round):
    response = ranking(client_for(city_leader), round, scope="D1", level="school")
    picker = response.context["picker"]
    assert [link.unit.code for link in picker.ancestors] == ["C"]
    assert picker.ancestors[0].query == "scope=C&level=school&sort=overall"  # the city has schools below it too
    assert picker.children == [] and picker.children_total == 0
    assert 'href="/rounds/R2026/ranking/?scope=C&amp;level=school&amp;sort=overall"' in picker_html(response)


@pytest.mark.parametrize("role", ["admin", "staff", "leader"])
def test_a_district_role_is_shown_nothing_above_its_district(client_for, users, round, role):
    response = ranking(client_for(users[role]), round)
    picker = response.context["picker"]
    assert picker.scope.code == "D1"  # the default: the top of the user's subtree
    assert picker.ancestors == [] and picker.children == []
    html = picker_html(response)
    assert "示范市" not in html and "scope=C" not in html and "二区" not in html


def _districts(tree, prefix: str, n: int, name: str) -> list:
    """``n`` districts under the city (codes PREFIX00..., names NAME0...), one school each: the schools."""
    schools = []
    for i in range(n):
        district = UnitFactory(code=f"{prefix}{i:02d}", name=f"{name}{i}", kind=UnitKind.DISTRICT, parent=tree["city"])
        schools.append(UnitFactory(code=f"{prefix}{i:02d}-S", kind=UnitKind.SCHOOL, parent=district))
    return schools


def test_many_child_scopes_show_the_first_ones_and_send_to_the_search(client_for, users, tree):
    round = make_round(_districts(tree, "X", 30, "测区"), code="WIDE")
    response = ranking(client_for(users["superuser"]), round, level="district")
    picker = response.context["picker"]
    assert len(picker.children) == 24 and (picker.children_total, picker.more) == (30, 6)
    assert [link.unit.code for link in picker.children] == [f"X{n:02d}" for n in range(24)]  # by code
    assert "共30个下级单位，另有6个未列出" in picker_html(response)
    assert len(response.context["ranking"].rows) == 30  # the ranking itself lists every peer


def test_the_page_costs_the_same_queries_for_3_scopes_and_for_33(client_for, users, tree, round, give, schools):
    def queries(client) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        ranking(client, round, scope="D1", level="school")  # the outline computed and cached
        with CaptureQueriesContext(connection) as captured:
            assert ranking(client, round, scope="D1", level="school").status_code == 200
        return len(captured)

    client = client_for(users["superuser"])
    before = queries(client)
    for n in range(30):  # 30 more districts with a school each: 30 more scopes in the outline
        district = UnitFactory(code=f"Y{n:02d}", kind=UnitKind.DISTRICT, parent=tree["city"])
        round.participations.create(unit=UnitFactory(code=f"Y{n:02d}-S", parent=district))
    assert len(round_outline(round).scopes) == 33
    assert queries(client) == before


def test_search_by_name_lists_only_the_scopes_the_user_may_see(client_for, users, city_leader, round):
    assert matched(search(client_for(users["superuser"]), round, q="区")) == ["D1", "D2"]
    assert matched(search(client_for(city_leader), round, q="区")) == ["D1", "D2"]
    for role in ("admin", "staff", "leader"):
        response = search(client_for(users[role]), round, q="区")
        assert matched(response) == ["D1"], role
        assert "二区" not in response.content.decode() and "D2" not in response.content.decode()


def test_search_by_code_puts_the_exact_code_first(client_for, users, round):
    client = client_for(users["superuser"])
    assert matched(search(client, round, q="c")) == ["C"]  # codes match from their start, in any case
    assert matched(search(client, round, q="D")) == ["D1", "D2"]
    assert matched(search(client, round, q="D2")) == ["D2"]


def test_search_never_names_a_unit_outside_the_users_subtree_or_no_scope(client_for, users, round):
    client = client_for(users["leader"])  # leader of D1
    for text in ["D2", "二区", "C", "示范市"]:
        response = search(client, round, q=text)
        assert response.status_code == 200 and matched(response) == [], text
        body = response.content.decode()
        assert "scope-no-match" in body and "scope=D2" not in body and "scope=C" not in body
    # A school takes part: it has no peers below it, so it is no scope to find.
    assert matched(search(client_for(users["superuser"]), round, q="S1")) == []


def test_search_without_a_unit_in_the_round_or_signed_out(client, client_for, users, round):
    assert search(client, round, q="区").status_code == 302  # to the login page
    assert search(client_for(users["nobody"]), round, q="区").status_code == 404
    other = UserFactory()
    RoleFactory(user=other, unit=UnitFactory(code="ELSEWHERE"), kind=RoleKind.LEADER)
    assert search(client_for(other), round, q="区").status_code == 404
    response = client_for(users["superuser"]).get(reverse("reports:scopes", args=["NO-SUCH-ROUND"]), {"q": "区"})
    assert response.status_code == 404


def test_search_with_htmx_answers_the_list_alone_and_without_it_a_whole_page(client_for, users, round):
    client = client_for(users["superuser"])
    fragment = search(client, round, htmx=True, q="一区", level="school", sort="EDU1")
    body = fragment.content.decode()
    assert "<html" not in body and "HX-Request" in fragment["Vary"]
    assert 'hx-get="/rounds/R2026/ranking/?scope=D1&amp;level=school&amp;sort=EDU1"' in body
    assert "示范市" in body  # the scope above each match tells districts of the same name apart
    page = search(client, round, q="一区", level="school", sort="EDU1")
    body = page.content.decode()
    assert "<html" in body and 'value="一区"' in body and "hx-get" not in body.split('id="scope-match-list"')[1]
    assert 'href="/rounds/R2026/ranking/?scope=D1&amp;level=school&amp;sort=EDU1"' in body


def test_search_refuses_bad_input_without_failing(client_for, users, round):
    client = client_for(users["superuser"])
    assert matched(search(client, round, q="")) == [] and "scope-no-match" not in search(client, round).content.decode()
    assert matched(search(client, round, q="   ")) == []
    long = search(client, round, q="区" * 51)
    assert long.status_code == 200 and matched(long) == [] and "alert" in long.content.decode()
    assert matched(search(client, round, q="%")) == []  # a wildcard is searched for as itself
    assert matched(search(client, round, q="_")) == []


def test_search_lists_at_most_twenty(client_for, users, tree):
    round = make_round(_districts(tree, "Z", 25, "同名区"), code="MANY")
    response = search(client_for(users["superuser"]), round, q="同名区")
    assert len(matched(response)) == 20 and "仅列出前20个结果" in response.content.decode()
    assert matched(search(client_for(users["superuser"]), round, q="Z24")) == ["Z24"]


def test_the_outline_finds_scopes_by_key_as_a_loop_would(round):
    outline = round_outline(round)
    for unit in outline.scopes:
        assert outline.scope(unit.code) is unit and outline.unit(unit.id) is unit
        children = [s for s in outline.scopes if s.parent_id == unit.id]
        assert outline.children(unit) == sorted(children, key=lambda s: s.code)
        below = [s for s in outline.scopes if s.path.startswith(unit.path) and s.id != unit.id]
        assert outline.strictly_below(unit) == below
        assert outline.ancestors(unit) == [s for s in outline.scopes if s.id in unit_ancestor_ids(unit)]
    assert outline.scope("S1") is None and outline.scope("NOPE") is None
    # The indexes are rebuilt by each process, not sent to the cache.
    state = pickle.loads(pickle.dumps(outline)).__dict__
    assert set(state) == {"scopes", "below"}


def unit_ancestor_ids(unit) -> list[int]:
    from units.paths import ancestors_of

    return ancestors_of(unit.path)


def test_the_subtree_range_of_sorted_paths():
    from units.paths import subtree_end

    paths = sorted(["/1/", "/1/7/", "/1/7/42/", "/1/70/", "/1/8/", "/10/", "/2/"])
    inside = [p for p in paths if "/1/7/" <= p < subtree_end("/1/7/")]
    assert inside == ["/1/7/", "/1/7/42/"]
    assert [p for p in paths if "/1/" <= p < subtree_end("/1/")] == ["/1/", "/1/7/", "/1/7/42/", "/1/70/", "/1/8/"]
