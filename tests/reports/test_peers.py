"""A leader sees where their unit stands among its peers, as the round's administrator chose, and nothing more.

city C > D1 (S1, S3, S4), D2 (S2), D3 (S5). The leader of D1 cannot see C, D2 or D3: the peers of D1 are the
other districts of C, shown by name, anonymised or not at all (``Round.peer_disclosure``).
"""

import json

import pytest
from django.urls import reverse

from reports.peers import anonymous_label, peer_scope, peer_standing_for, peers_text
from surveys.models import Round
from surveys.outline import round_unit
from tests.factories import RoleFactory, UnitFactory, UserFactory, make_round
from units.models import PeerDisclosure, RoleKind, UnitKind
from units.permissions import peer_disclosure

pytestmark = pytest.mark.django_db


@pytest.fixture
def d3(tree):
    return UnitFactory(code="D3", name="三区", kind=UnitKind.DISTRICT, parent=tree["city"])


@pytest.fixture
def peers_round(schools, d3, give):
    s5 = UnitFactory(code="S5", name="三区第一小学", kind=UnitKind.SCHOOL, parent=d3)
    round = make_round([*schools.values(), s5], code="RP", target_rate=95, target_rank=1)
    # D1: 80 + 5 + 15 -> 85.00 %; D2: 95 / 100 -> 95.00 %; D3: 90 / 100 -> 90.00 %.
    give(schools["s1"], 80, 5, 15, round=round)
    give(schools["s2"], 90, 5, 5, round=round)
    give(s5, 85, 5, 10, round=round)
    return round


def _set(round: Round, disclosure: str) -> Round:
    round.peer_disclosure = disclosure
    round.save(update_fields=["peer_disclosure"])
    return round


def _unit_page(client, round, code="D1") -> str:
    response = client.get(reverse("reports:unit", args=[round.code, code]))
    assert response.status_code == 200
    return response.content.decode()


def _unit_api(client, round, code="D1") -> dict:
    response = client.get(reverse("reports:api_unit", args=[round.code, code]))
    assert response.status_code == 200
    return response.json()


# ---------------------------------------------------------------- pure pieces


def test_anonymous_labels_run_a_to_z_then_aa():
    assert [anonymous_label(n) for n in (0, 1, 25, 26, 27)] == [
        "其他单位A",
        "其他单位B",
        "其他单位Z",
        "其他单位AA",
        "其他单位AB",
    ]


def test_peer_counts_use_the_chinese_counting_word():
    assert peers_text(UnitKind.DISTRICT, 10) == "10个区县"
    assert peers_text(UnitKind.SCHOOL, 20) == "20所学校"


def test_the_peer_scope_is_the_rounds_own_scope_when_above_the_unit(peers_round, tree):
    school, city = round_unit(peers_round, tree["s1"].pk), round_unit(peers_round, tree["city"].pk)
    assert peer_scope(peers_round, school).code == "D1"  # the parent: the round has no scope
    peers_round.under = tree["city"]
    assert peer_scope(peers_round, school).code == "C"
    assert peer_scope(peers_round, city) is None


# ---------------------------------------------------------------- the rule


def test_the_rule_follows_the_round_for_leaders_of_the_unit_only(peers_round, users, tree):
    city = tree["city"]
    for disclosure in PeerDisclosure.values:
        _set(peers_round, disclosure)
        assert peer_disclosure(users["leader"], peers_round, tree["d1"], city) == disclosure
        assert peer_disclosure(users["leader"], peers_round, tree["s1"], tree["d1"]) == PeerDisclosure.NAMED
        assert peer_disclosure(users["staff"], peers_round, tree["d1"], city) == PeerDisclosure.NONE
        assert peer_disclosure(users["nobody"], peers_round, tree["d1"], city) == PeerDisclosure.NONE
        assert peer_disclosure(users["superuser"], peers_round, tree["d1"], city) == PeerDisclosure.NAMED


def test_a_leader_of_another_district_is_shown_nothing_of_d1(peers_round, tree, d3):
    _set(peers_round, PeerDisclosure.NAMED)
    other = UserFactory()
    RoleFactory(user=other, unit=d3, kind=RoleKind.LEADER)
    assert peer_disclosure(other, peers_round, tree["d1"], tree["city"]) == PeerDisclosure.NONE


# ---------------------------------------------------------------- the unit page and the API


def test_by_default_peers_are_not_shown(client_for, users, peers_round):
    client = client_for(users["leader"])
    html = _unit_page(client, peers_round)
    assert 'id="peer-standing"' not in html and "二区" not in html
    assert _unit_api(client, peers_round)["peer_standing"] is None


def test_named_peers_carry_rank_and_rates_but_no_link(client_for, users, peers_round):
    _set(peers_round, PeerDisclosure.NAMED)
    client = client_for(users["leader"])
    html = _unit_page(client, peers_round)
    assert "在示范市3个区县中排第3" in html
    assert "二区" in html and "95.00" in html and "三区" in html and "90.00" in html
    for code in ("D2", "D3", "S2", "S5"):
        assert f"/{code}/" not in html  # no link into a peer's pages
    data = _unit_api(client, peers_round)["peer_standing"]
    assert [(p["label"], p["rank"], p["rate"]) for p in data["peers"]] == [
        ("二区", 1, "95.00"),
        ("三区", 2, "90.00"),
        ("一区", 3, "85.00"),
    ]
    assert '"D2"' not in json.dumps(data) and '"S2"' not in json.dumps(data)


def test_anonymised_peers_leak_no_name_or_code(client_for, users, peers_round):
    _set(peers_round, PeerDisclosure.ANONYMOUS)
    client = client_for(users["leader"])
    html = _unit_page(client, peers_round)
    assert "在示范市3个区县中排第3" in html
    assert "其他单位A" in html and "其他单位B" in html and "95.00" in html
    response = client.get(reverse("reports:api_unit", args=[peers_round.code, "D1"]))
    for text in (html, response.content.decode()):
        for name in ("二区", "三区", "二区第一小学", "三区第一小学"):
            assert name not in text
        for code in ("D2", "D3", "S2", "S5"):  # a code, not a chance run of letters in a token
            assert f"/{code}/" not in text and f">{code}<" not in text and f'"{code}"' not in text
    peers = response.json()["peer_standing"]["peers"]
    assert [(p["label"], p["rank"], p["self"]) for p in peers] == [
        ("其他单位A", 1, False),
        ("其他单位B", 2, False),
        ("一区", 3, True),
    ]


def test_the_gap_to_the_target_rank_names_the_rival_as_disclosed(client_for, users, peers_round):
    _set(peers_round, PeerDisclosure.ANONYMOUS)
    html = _unit_page(client_for(users["leader"]), peers_round)
    # D1 has 85 of 100 valid votes; passing 95 % takes 11 converted votes, or 201 new satisfied votes.
    assert "要超过目前排第1的其他单位A，需将11张不满意票转为满意，或新增201张满意票。" in html


@pytest.mark.parametrize("disclosure", PeerDisclosure.values)
def test_whatever_the_setting_a_peers_pages_stay_closed(client_for, users, peers_round, disclosure):
    _set(peers_round, disclosure)
    client = client_for(users["leader"])
    assert client.get(reverse("reports:unit", args=[peers_round.code, "D2"])).status_code == 404
    assert client.get(reverse("reports:api_unit", args=[peers_round.code, "D2"])).status_code == 403
    assert client.get(reverse("ledger:unit", args=["D2"])).status_code == 404
    assert client.get(reverse("units:detail", args=["D2"])).status_code == 404
    assert client.get(reverse("reports:ranking", args=[peers_round.code]) + "?scope=C").status_code == 404


def test_staff_of_the_unit_are_not_shown_peers(client_for, users, peers_round):
    _set(peers_round, PeerDisclosure.NAMED)
    html = _unit_page(client_for(users["staff"]), peers_round)
    assert 'id="peer-standing"' not in html and "二区" not in html


def test_the_standing_is_built_from_the_whole_scope(peers_round, users, tree):
    _set(peers_round, PeerDisclosure.NAMED)
    standing = peer_standing_for(users["leader"], peers_round, round_unit(peers_round, tree["d1"].pk))
    assert (standing.rank, standing.ranked, len(standing.lines)) == (3, 3, 3)
    assert standing.lines[0].indicator_rates[0] == "95.00" and standing.lines[0].indicator_rates[1] == "—"


# ---------------------------------------------------------------- who sets it


def test_an_administrator_of_the_rounds_scope_sets_the_peers(client_for, peers_round, tree):
    admin = UserFactory()
    RoleFactory(user=admin, unit=tree["city"], kind=RoleKind.ADMIN)
    url = reverse("surveys:round_peers", args=[peers_round.code])
    response = client_for(admin).post(url, {"peer_disclosure": "anonymous"})
    assert response.status_code == 302
    peers_round.refresh_from_db()
    assert peers_round.peer_disclosure == PeerDisclosure.ANONYMOUS


@pytest.mark.parametrize("role", ["admin", "staff", "leader"])
def test_others_may_not_set_the_peers(client_for, users, peers_round, role):
    # D1's administrator does not cover D2 and D3: the round is not theirs to manage.
    response = client_for(users[role]).post(
        reverse("surveys:round_peers", args=[peers_round.code]), {"peer_disclosure": "named"}
    )
    assert response.status_code == 403
    peers_round.refresh_from_db()
    assert peers_round.peer_disclosure == PeerDisclosure.NONE


def test_a_bad_choice_is_refused_and_get_is_not_allowed(client_for, users, peers_round):
    client = client_for(users["superuser"])
    url = reverse("surveys:round_peers", args=[peers_round.code])
    response = client.post(url, {"peer_disclosure": "everyone"})
    assert response.status_code == 400
    assert "peer_disclosure" in response.content.decode()
    assert client.get(url).status_code == 405
    assert client_for(users["nobody"]).post(url, {"peer_disclosure": "named"}).status_code == 404


def test_the_home_page_shows_the_leaders_and_the_units_neighbours():
    from reports.peers import PeerLine, PeerStanding

    lines = [PeerLine(f"U{n}", n == 9, n + 1, "90.00", []) for n in range(20)]
    standing = PeerStanding("named", "临沂市", "school", 10, 20, [], lines, None)
    shown = [line.label if line else None for line in standing.around_self]
    assert shown == ["U0", "U1", "U2", None, "U7", "U8", "U9", "U10", "U11", None]
    few = [PeerLine(f"U{n}", n == 1, n + 1, "90.00", []) for n in range(4)]
    near_top = PeerStanding("named", "临沂市", "school", 2, 4, [], few, None)
    assert [line.label for line in near_top.around_self] == ["U0", "U1", "U2", "U3"]


def test_the_rounds_page_offers_the_choice_to_its_administrator_only(client_for, users, peers_round, tree):
    admin = UserFactory()
    RoleFactory(user=admin, unit=tree["city"], kind=RoleKind.ADMIN)
    url = reverse("surveys:round_detail", args=[peers_round.code])
    html = client_for(admin).get(url).content.decode()
    assert 'id="round-peers"' in html and 'value="anonymous"' in html
    html = client_for(users["leader"]).get(url).content.decode()
    assert 'id="round-peers"' not in html and "向领导显示同级单位：不显示" in html


def test_each_gap_to_the_target_rank_is_one_whole_sentence():
    from reports.peers import RankGapLine

    def text(convert, gain):
        return RankGapLine("其他单位A", 1, "95.00", convert, gain).text

    assert text(8, 141) == "要超过目前排第1的其他单位A，需将8张不满意票转为满意，或新增141张满意票。"
    assert text(8, None) == "要超过目前排第1的其他单位A，需将8张不满意票转为满意。"
    assert text(None, 141) == "要超过目前排第1的其他单位A，即使全部不满意票都转为满意也不够，需新增141张满意票。"
    assert text(None, None) == "要超过目前排第1的其他单位A，即使全部不满意票都转为满意也不够。"
