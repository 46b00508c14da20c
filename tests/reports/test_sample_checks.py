"""Ranking and unit pages, API and workbook: the margin at the sample achieved, below plan, 数据存疑.

The tree: C > D1 > S1, S3, S4 and C > D2 > S2. Votes are reported counts (the rate), questionnaires are
rows made here (the sample achieved): each test states both.
"""

import datetime
from decimal import Decimal
from fractions import Fraction

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.ranking import ranking_checked
from reports.workbook import workbook_write
from sampling.checks import page_checks
from sampling.models import SamplePlan, Verification, VerificationDraw
from sampling.plans import populations_set
from surveys.models import Questionnaire
from tests.factories import RoleFactory, UserFactory
from tests.reports.helpers import link, rank_of
from units.models import RoleKind

pytestmark = pytest.mark.django_db


def questionnaires(round, unit, count):
    Questionnaire.objects.bulk_create(
        Questionnaire(round=round, unit=unit, respondent_type="parent", channel="phone",
                      date=datetime.date(2026, 3, 1), number=f"{unit.code}-{n}")
        for n in range(count)
    )  # fmt: skip


@pytest.fixture
def sampled(round, schools, give):
    """S1: 80 % (80 of 100 valid) from 100 questionnaires, population 1,000. S3: 100 % (50 of 50) and no
    questionnaire. S4: no vote, 400 questionnaires. S2: nothing. Plan: 3 points at 95 %, no previous round."""
    give(schools["s1"], 80, 0, 20)
    give(schools["s3"], 50, 0, 0)
    questionnaires(round, schools["s1"], 100)
    questionnaires(round, schools["s4"], 400)
    populations_set(round=round, populations={schools["s1"].pk: 1000})
    SamplePlan.objects.create(round=round)
    return round


def test_margins_and_below_plan_of_schools_by_hand(sampled):
    rows = {row.unit.code: row for row in ranking_checked(rank_of(sampled, "D1", "school")).rows}
    s1, s3, s4 = rows["S1"], rows["S3"], rows["S4"]
    # S1: planned n = 278 (p 0.9, N 1,000). Margin of its rate 0.8 at 100 of N = 1,000:
    # 1.96 · sqrt(0.8 · 0.2 / 100 · (1000 − 100) / 999) = 1.96 · 0.037966 = 0.074414 -> ± 7.44 points
    assert (s1.sample.achieved, s1.sample.planned, s1.margin, s1.below_plan) == (100, 278, Decimal("7.44"), True)
    # S3: no questionnaire: no margin (whatever its 100 %), below its n of 385 (no population).
    assert (s3.sample.achieved, s3.sample.planned, s3.margin, s3.below_plan) == (0, 385, None, True)
    # S4: no rate yet, so the expected 0.9 stands in: 1.96 · sqrt(0.09 / 400) = 1.96 · 0.015 = 0.0294 -> ± 2.94
    assert (s4.sample.achieved, s4.margin, s4.below_plan) == (400, Decimal("2.94"), False)
    assert s1.margin_text == "±7.44" and s3.margin_text == ""


def test_a_district_pools_its_schools(sampled, schools):
    populations_set(round=sampled, populations={schools["s2"].pk: 200})
    rows = {row.unit.code: row for row in ranking_checked(rank_of(sampled, "C", "district")).rows}
    d1, d2 = rows["D1"], rows["D2"]
    # D1 = S1 + S3 + S4: 500 questionnaires of 278 + 385 + 385 = 1,048 planned; S3 and S4 have no population,
    # so none for D1. Its rate (80 + 50) / (100 + 50) = 0.8667: 1.96 · sqrt(0.8667 · 0.1333 / 500) = 0.02980
    assert (d1.sample.achieved, d1.sample.planned, d1.sample.population) == (500, 1048, None)
    assert (d1.margin, d1.below_plan) == (Decimal("2.98"), True)
    # D2 = S2 alone: population 200, so n = 384.16 / (1 + 383.16 / 200) = 131.7… -> 132; nothing achieved.
    assert (d2.sample.achieved, d2.sample.planned, d2.sample.population, d2.margin) == (0, 132, 200, None)


def test_without_a_plan_no_margin_and_two_cheap_queries(round, schools, give):
    give(schools["s1"], 80, 0, 20)
    questionnaires(round, schools["s1"], 100)
    ranking = rank_of(round, "C", "school")
    with CaptureQueriesContext(connection) as captured:
        ranking_checked(ranking)
    assert len(captured) == 2  # the plan row, the call-backs below the scope
    assert not ranking.planned
    assert all(row.sample is None and row.margin is None and row.below_plan is None for row in ranking.rows)


def _call_backs(round, unit, **results):
    draw = VerificationDraw.objects.get_or_create(round=round, seed=1, share=5, minimum=5)[0]
    start = Verification.objects.count()
    Verification.objects.bulk_create(
        Verification(draw=draw, round=round, unit=unit, questionnaire_ref=start + n, channel="phone",
                     phone="13900000000", result=result)
        for n, result in enumerate(r for r, count in results.items() for _ in range(count))
    )  # fmt: skip


def test_data_doubtful_per_school_and_rolled_up_without_a_plan(round, schools, give):
    give(schools["s1"], 80, 0, 20)
    _call_backs(round, schools["s1"], confirmed=3, different=1, unreachable=2)  # 1 of 4 verified: 25 %
    _call_backs(round, schools["s3"], confirmed=6)
    rows = {row.unit.code: row for row in ranking_checked(rank_of(round, "D1", "school")).rows}
    assert rows["S1"].doubtful == Decimal("25.00") and rows["S3"].doubtful is None
    # D1 over its schools: 1 of 10 verified = 10 %, not above the default 10 %: not doubtful.
    districts = ranking_checked(rank_of(round, "C", "district"))
    assert districts.row_for(schools["s1"].parent_id).doubtful is None
    _call_backs(round, schools["s4"], never=1)  # now 2 of 11 = 18.18 %
    districts = ranking_checked(rank_of(round, "C", "district"))
    assert districts.row_for(schools["s1"].parent_id).doubtful == Decimal("18.18")
    # A plan's limit of 20 % clears it.
    SamplePlan.objects.create(round=round, doubtful_rate=20)
    assert page_checks(round, "/", [(schools["s1"].parent_id, schools["s1"].parent.path)]).doubtful == {}


def test_the_page_the_api_and_the_unit_page_show_them(client_for, users, sampled, schools):
    _call_backs(sampled, schools["s1"], different=1)
    client = client_for(users["leader"])  # a leader of D1
    page = client.get(reverse("reports:ranking", args=[sampled.code]), {"scope": "D1", "level": "school"})
    body = page.content.decode()
    assert "± 百分点（95 %）" in body and "±7.44" in body and "未达方案" in body and "数据存疑" in body
    # Each indicator's margin is its cell's title: S1's first indicator has its votes (±7.44), the others no rate.
    assert 'title="±7.44"' in body and 'title="±5.58"' not in body
    data = client.get(reverse("reports:api_ranking", args=[sampled.code]), {"scope": "D1", "level": "school"}).json()
    assert data["sample_plan"] is True
    s1 = next(row for row in data["rows"] if row["unit"]["code"] == "S1")
    assert (s1["margin"], s1["below_plan"], s1["doubtful"], s1["discrepancy_rate"]) == (7.44, True, True, 100.0)
    assert s1["sample"] == {"achieved": 100, "planned": 278, "population": 1000}
    unit = client.get(reverse("reports:unit", args=[sampled.code, "S1"]), {"scope": "D1"}).content.decode()
    assert 'id="below-plan"' in unit and 'id="data-doubtful"' in unit and "±7.44" in unit
    api = client.get(reverse("reports:api_unit", args=[sampled.code, "S1"]), {"scope": "D1"}).json()
    assert (api["margin"], api["below_plan"], api["doubtful"]) == (7.44, True, True)
    # The first indicator carries S1's votes: the same 7.44; the others have no rate: p = 0.9 stands in,
    # 1.96 · sqrt(0.09 / 100 · 900 / 999) = 1.96 · 0.028475 = 0.05581 -> 5.58
    assert [line["margin"] for line in api["indicators"]][:2] == [7.44, 5.58]


def test_without_a_plan_the_page_has_no_margin_column(client_for, users, round, schools, give):
    give(schools["s1"], 80, 0, 20)
    body = (
        client_for(users["leader"])
        .get(reverse("reports:ranking", args=[round.code]), {"scope": "D1", "level": "school"})
        .content.decode()
    )
    assert "± 百分点" not in body and "未达方案" not in body


def test_the_unit_page_stays_closed_to_others(client_for, sampled, schools, tree):
    outsider = UserFactory()
    RoleFactory(user=outsider, unit=tree["d2"], kind=RoleKind.LEADER)
    client = client_for(outsider)
    assert client.get(reverse("reports:unit", args=[sampled.code, "S1"])).status_code == 404
    assert client.get(reverse("reports:api_unit", args=[sampled.code, "S1"])).status_code == 403


def test_the_workbook_has_the_margin_and_the_note(sampled, schools, tmp_path):
    _call_backs(sampled, schools["s1"], different=1, confirmed=1)
    path = tmp_path / "r.xlsx"
    workbook_write(ranking_checked(rank_of(sampled, "D1", "school")), path)
    sheet = openpyxl.load_workbook(path)["总体排名"]
    headers = [cell.value for cell in sheet[2]]
    rows = {row[1]: dict(zip(headers, row, strict=True)) for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert headers[11:14] == ["误差范围（±百分点，95%置信）", "已完成问卷", "计划样本量"] and headers[-1] == "数据核查"
    assert (rows["S1"]["误差范围（±百分点，95%置信）"], rows["S1"]["已完成问卷"], rows["S1"]["计划样本量"]) == (
        7.44,
        100,
        278,
    )
    assert rows["S1"]["数据核查"] == "数据存疑（回访不符率50.00%）；低于计划（100/278份）"
    assert rows["S4"]["数据核查"] in ("", None)


def test_the_plan_page_shows_the_same_margin_one_rule(client_for, users, sampled):
    # S1 on the plan page: its observed 80 % at 100 of 1,000, as on the ranking: ± 7.44 (not p = 0.9's 5.58).
    page = client_for(users["admin"]).get(reverse("sampling:plan", args=[sampled.code])).content.decode()
    assert "± 7.44" in page and "± 5.58" not in page
    assert "± 2.94" in page  # S4: no rate yet, 0.9 stands in


def test_a_district_without_a_rate_stands_in_its_schools_expected_rates_weighted_by_n(
    round, earlier_round, schools, give
):
    # Last round: S1 60 %, S3 80 %, S4 nothing (0.9 stands in). This round: questionnaires but no vote yet.
    link(round, earlier_round)
    give(schools["s1"], 60, 0, 40, round=earlier_round)
    give(schools["s3"], 80, 0, 20, round=earlier_round)
    questionnaires(round, schools["s1"], 50)
    SamplePlan.objects.create(round=round)
    d1 = next(row for row in ranking_checked(rank_of(round, "C", "district")).rows if row.unit.code == "D1")
    # n at 3 points, 95 %: 1.96² · p (1 − p) / 0.03², rounded up: 1,025 at 0.6, 683 at 0.8, 385 at 0.9.
    assert d1.sample.planned == 1025 + 683 + 385
    weighted = (1025 * Fraction(3, 5) + 683 * Fraction(4, 5) + 385 * Fraction(9, 10)) / (1025 + 683 + 385)
    assert d1.sample.expected == weighted  # about 0.7205, not the 0.9 of a unit without a previous rate
    # 1.96 · sqrt(0.7205 · 0.2795 / 50) = 0.1244
    assert d1.margin == Decimal("12.44")
