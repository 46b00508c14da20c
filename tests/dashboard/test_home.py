"""The home page of each role, with real figures: what a leader, a clerk and an administrator see first.

city C > D1 (S1, S3, S4), D2 (S2), D3 (S5); the round's target is 95 % and first place, peers anonymised.
D1: S1 80 + 5 of 100 valid, S3 98 of 100 -> 183 / 200 = 91.50 %; D2 95.00 %; D3 90.00 %.
"""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard.home import person_name, votes_needed_text
from imports.models import ImportJob, JobKind, JobStatus
from outreach.models import FollowUp
from reports.models import ReportJob
from surveys.engine import VotesNeeded
from surveys.models import Option, Participation, Questionnaire, ReportedCount
from tests.factories import ConcernFactory, GroupMemberFactory, RoleFactory, UnitFactory, UserFactory, make_round
from units.models import PeerDisclosure, RoleKind, UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def give(round, unit, satisfied=0, basic=0, dissatisfied=0, indicator=0):
    options = {o.category: o for o in Option.objects.filter(scale=round.scale)}
    target = round.ordered_indicators()[indicator]
    values = {"satisfied": satisfied, "basic": basic, "dissatisfied": dissatisfied}
    ReportedCount.objects.bulk_create(
        ReportedCount(round=round, unit=unit, indicator=target, option=options[c], count=n)
        for c, n in values.items()
        if n
    )


@pytest.fixture
def world(tree):
    d3 = UnitFactory(code="D3", name="三区", kind=UnitKind.DISTRICT, parent=tree["city"])
    s3 = UnitFactory(code="S3", name="一区第二小学", kind=UnitKind.SCHOOL, parent=tree["d1"])
    s4 = UnitFactory(code="S4", name="一区第三小学", kind=UnitKind.SCHOOL, parent=tree["d1"])
    s5 = UnitFactory(code="S5", name="三区第一小学", kind=UnitKind.SCHOOL, parent=d3)
    schools = [tree["s1"], tree["s2"], s3, s4, s5]
    earlier = make_round(schools, code="R2025", name="2025年满意度调查", status="closed",
                         start=datetime.date(2025, 1, 1), end=datetime.date(2025, 12, 31))  # fmt: skip
    round = make_round(schools, code="R2026", name="2026年满意度调查", target_rate=95, target_rank=1,
                       previous=earlier)  # fmt: skip
    round.peer_disclosure = PeerDisclosure.ANONYMOUS
    round.save(update_fields=["peer_disclosure"])
    give(earlier, tree["s1"], 70, 10, 20)
    give(round, tree["s1"], 80, 5, 15)
    give(round, s3, 98, 0, 2)
    give(round, tree["s2"], 90, 5, 5)
    give(round, s5, 85, 5, 10)
    return {**tree, "d3": d3, "s3": s3, "s4": s4, "s5": s5, "round": round, "earlier": earlier}


@pytest.fixture
def leader(world):
    user = UserFactory(first_name="张伟")
    RoleFactory(user=user, unit=world["d1"], kind=RoleKind.LEADER)
    return user


def _home(client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------- pure pieces


def test_the_gap_to_the_target_in_plain_words():
    assert votes_needed_text(VotesNeeded(convert=6, gain=54)) == "需将6张不满意票转为满意，或新增54张满意票"
    assert votes_needed_text(VotesNeeded(convert=6, gain=None)) == "需将6张不满意票转为满意"
    assert votes_needed_text(None) == ""


def test_a_person_is_named_by_their_real_name(db):
    assert person_name(UserFactory(username="city_leader", first_name="张伟")) == "张伟"
    member = GroupMemberFactory(person_name="李娜", user=UserFactory(username="li"))
    assert person_name(member.user) == "李娜"
    assert person_name(UserFactory(username="clerk7")) == "clerk7"


# ---------------------------------------------------------------- leaders


def test_a_leader_sees_where_the_unit_stands_and_what_to_do(client_for, leader, world):
    concern = ConcernFactory(unit=world["s1"], received_on=timezone.localdate() - datetime.timedelta(days=30))
    ConcernFactory(unit=world["s2"], received_on=concern.received_on)  # another district's: not counted
    questionnaire = Questionnaire.objects.create(round=world["round"], unit=world["s1"], respondent_type="parent",
                                                 channel="phone", date=datetime.date(2026, 5, 1))  # fmt: skip
    FollowUp.objects.create(questionnaire=questionnaire, unit=world["s1"], round=world["round"])
    html = _home(client_for(leader))
    assert "您好，张伟" in html and leader.username not in html
    assert 'id="home-rate">91.50 %' in html
    assert "在示范市3个区县中排第2" in html
    assert "需将7张不满意票转为满意，或新增140张满意票。" in html  # 183 / 200 to 95 %
    assert "要超过目前排第1的其他单位A，需将8张不满意票转为满意，或新增141张满意票。" in html
    assert "二区" not in html and "三区" not in html  # anonymised
    assert "逾期问题1件" in html and "待回访1条" in html
    below = html[html.index('id="home-below-target"') :][:600]
    assert "一区第一小学" in below and "85.00" in below and "一区第二小学" not in below
    trend = html[html.index('id="home-trend"') :][:400]
    assert "2025年满意度调查：80.00" in trend and "2026年满意度调查：91.50" in trend
    assert "整体办学水平" in html[html.index('id="home-weakest"') :][:300]


def test_without_disclosure_a_leader_sees_no_rank_and_no_peer(client_for, leader, world):
    world["round"].peer_disclosure = PeerDisclosure.NONE
    world["round"].save(update_fields=["peer_disclosure"])
    html = _home(client_for(leader))
    assert "91.50" in html and "排第" not in html and 'id="peer-standing"' not in html
    assert "本次调查不显示同级单位" in html


def test_a_city_leader_has_no_peers_but_sees_the_districts_below_target(client_for, world):
    user = UserFactory()
    RoleFactory(user=user, unit=world["city"], kind=RoleKind.LEADER)
    html = _home(client_for(user))
    below = html[html.index('id="home-below-target"') :][:800]
    # C's first level below is its districts: D1 91.50 % and D3 90.00 % are under 95 %, D2 reaches it.
    assert "一区" in below and "三区" in below and "二区" not in below
    assert below.index("三区") < below.index("一区")  # worst first
    assert "本次调查中没有与您单位同级的单位。" in html and "排第" not in html


def test_a_leader_with_no_round_is_told_so(client_for, tree):
    user = UserFactory()
    RoleFactory(user=user, unit=tree["d1"], kind=RoleKind.LEADER)
    html = _home(client_for(user))
    assert "目前还没有包含您单位的调查轮次。" in html


def test_a_user_with_no_role_is_asked_to_get_one(client_for, users):
    html = _home(client_for(users["nobody"]))
    assert "您尚未在任何单位拥有角色" in html
    assert 'id="home-leader"' not in html and 'id="home-staff"' not in html and 'id="home-admin"' not in html


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_home_page_takes_only_get(client_for, users):
    assert client_for(users["leader"]).post(reverse("home")).status_code == 405


# ---------------------------------------------------------------- staff


def test_a_clerk_sees_progress_what_they_entered_today_and_shortcuts(client_for, users, world):
    staff = users["staff"]
    Questionnaire.objects.create(round=world["round"], unit=world["s3"], respondent_type="parent", channel="paper",
                                 date=timezone.localdate(), created_by=staff)  # fmt: skip
    html = _home(client_for(staff))
    assert "您今天录入了1份问卷" in html
    assert reverse("surveys:questionnaire_enter", args=["R2026"]) in html
    assert reverse("imports:upload", args=["R2026"]) in html
    progress = html[html.index('id="home-progress"') :]
    progress = progress[: progress.index("</table>")]
    # S4 has nothing yet: it comes first; S1 and S3 have their 30 valid votes; D2's S2 is not D1's.
    assert progress.index("一区第三小学") < progress.index("一区第一小学")
    assert "二区" not in progress
    assert "3个单位中有2个已达到样本目标或最少有效票数" in html


def test_a_clerk_with_no_open_round_is_told_so(client_for, tree):
    user = UserFactory()
    RoleFactory(user=user, unit=tree["d1"], kind=RoleKind.STAFF)
    html = _home(client_for(user))
    assert "您的单位目前没有可以录入的调查。" in html


# ---------------------------------------------------------------- administrators


def test_an_administrator_sees_rounds_checklist_and_jobs(client_for, users, world):
    admin = users["admin"]
    ImportJob.objects.create(round=world["round"], user=admin, kind=JobKind.QUESTIONNAIRES, status=JobStatus.SUCCEEDED,
                             file="imports/x.csv", file_name="一区问卷.xlsx", size=0, checksum="0" * 64)  # fmt: skip
    ReportJob.objects.create(user=admin, round=world["round"], scope=world["d1"], level="school")
    other = UserFactory()
    ImportJob.objects.create(round=world["round"], user=other, kind=JobKind.QUESTIONNAIRES,
                             file="imports/y.csv", file_name="别人的文件.xlsx", size=0, checksum="1" * 64)  # fmt: skip
    html = _home(client_for(admin))
    checklist = html[html.index('id="home-checklist"') :][:3000]
    assert "单位" in checklist and "领导小组" in checklist and "网上答卷链接" in checklist
    assert "0个领导小组" in checklist
    rounds = html[html.index('id="home-rounds"') :][:1200]
    assert "2026年满意度调查" in rounds and "3" in rounds
    jobs = html[html.index('id="home-jobs"') :][:1500]
    assert "一区问卷.xlsx" in jobs and "别人的文件.xlsx" not in jobs


# ---------------------------------------------------------------- a fixed number of queries


def _queries(client) -> int:
    client.get(reverse("home"))  # warm: online settings made once, closed rounds' figures cached
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    return len(captured)


def test_the_home_page_costs_the_same_queries_whatever_the_subtree(client_for, world):
    user = UserFactory()
    for kind in RoleKind.values:
        RoleFactory(user=user, unit=world["d1"], kind=kind)
    client = client_for(user)
    small = _queries(client)
    for n in range(12):
        school = UnitFactory(kind=UnitKind.SCHOOL, parent=world["d1"])
        Participation.objects.create(round=world["round"], unit=school)
        give(world["round"], school, 50 + n, 5, 10)
        ConcernFactory(unit=school, received_on=timezone.localdate() - datetime.timedelta(days=30))
    large = _queries(client)
    assert small == large, (small, large)
    print("home queries", small, large)
    assert large <= 60


def test_the_home_page_speaks_english_too(client_for, leader, world, settings):
    from django.utils import translation

    client = client_for(leader)
    with translation.override("en"):
        html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Hello, 张伟" in html
    assert "Rank 2 among 3 districts and counties of 示范市" in html
    assert "Convert 7 dissatisfied votes to satisfied, or gain 140 more satisfied votes." in html
