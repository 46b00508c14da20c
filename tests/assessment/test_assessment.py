"""Assessing a round's peers: the default scheme worked by hand, schemes and their versions, publishing."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from assessment.models import ResultRow
from assessment.services import (
    assessment_compute,
    published_assessment,
    result_publish,
    scheme_components_set,
    scheme_create,
)
from opendoor.models import Activity, ActivityRule
from outreach.models import Visit
from surveys.models import Participation
from tests.factories import HouseholdFactory, RoleFactory, UnitFactory, UserFactory
from units.models import Unit, UnitKind

pytestmark = pytest.mark.django_db
D = Decimal


def _by_code(assessment):
    return {row.code: row for row in assessment.rows}


def test_the_default_scheme_by_hand(round, assessed):
    a = assessment_compute(round=round, scope_code="C", level="school")
    rows = _by_code(a)
    assert [r.code for r in a.rows] == ["S1", "S3", "S4", "S2"]  # by total
    # S1 95 %: 5 + 3, 7 of 8 called back (12.5 points short: -1.25)
    assert (rows["S1"].rate_points, rows["S1"].rank_points, rows["S1"].deductions) == (D("5.00"), D("3.00"), D("-1.25"))
    assert rows["S1"].total == D("6.75")
    assert rows["S3"].total == D("6.50")  # 90 % reaches the target: 5 + 1.5
    # S2 85 %: 5 × 85 / 90 = 4.72, rank 3: 0, 3 of 4 called (25 points short, capped at -2)
    assert (rows["S2"].rate_points, rows["S2"].rank_points, rows["S2"].deductions) == (D("4.72"), D("0.00"), D("-2.00"))
    assert rows["S2"].total == D("2.72")
    # S4 80 %: 4.44, rank 4: -0.5, three concerns overdue at the close: -0.6
    assert (rows["S4"].rate_points, rows["S4"].rank_points, rows["S4"].deductions) == (
        D("4.44"),
        D("-0.50"),
        D("-0.60"),
    )
    assert rows["S4"].total == D("3.34")
    assert [r.code for r in a.rows if r.below_target] == ["S4", "S2"]


def test_each_point_lost_names_the_records_behind_it(round, assessed):
    rows = _by_code(assessment_compute(round=round, scope_code="C", level="school"))
    overdue = next(p for p in rows["S4"].parts if p.kind == "overdue")
    assert sorted(overdue.concerns) == sorted(c.pk for c in assessed["late"])
    callback = next(p for p in rows["S1"].parts if p.kind == "callback")
    assert callback.follow_ups == [f.pk for f in assessed["uncalled_s1"]]
    assert "7" in callback.reason and "8" in callback.reason


def test_a_unit_without_data_gets_no_rank_points_and_is_flagged(round, schools, give):
    give(schools["s1"], 95, 0, 5)
    rows = _by_code(assessment_compute(round=round, scope_code="C", level="school"))
    assert rows["S2"].rank is None and rows["S2"].rank_points is None
    assert rows["S2"].rate_points == D("0.00") and rows["S2"].below_target
    assert rows["S2"].no_data


def test_districts_pool_their_schools(round, assessed):
    rows = _by_code(assessment_compute(round=round, scope_code="C", level="district"))
    # D1 pools S1, S3, S4: 265 / 300 = 88.33 %; D2 is S2 (85 %)
    assert rows["D1"].rank == 1 and rows["D1"].rate == D("88.33")
    assert rows["D1"].deductions == D("-1.85")  # 3 overdue (-0.6) and 7 of 8 called (-1.25)


def test_a_scheme_with_other_components(round, assessed, schools, users):
    components = [
        {"kind": "rate", "worth": "10"},
        {"kind": "overdue", "each": "0.5", "cap": ""},
        {"kind": "closure", "points": "2", "cap": "2"},
    ]
    scheme = scheme_create(
        name="区级考核", scope=Unit.objects.get(code="C"), level="school", rounds=[round], components=components,
        by=users["superuser"],
    )  # fmt: skip
    rows = _by_code(assessment_compute(round=round, scope_code="C", level="school", scheme=scheme))
    assert rows["S1"].rank_points is None  # no rank component
    assert rows["S4"].rate_points == D("8.89")
    assert rows["S4"].deductions == D("-1.50")  # 3 × 0.5, no cap
    # S4: four concerns due in the period (the withdrawn one aside, one due in July), one closed on time: 2 × 1/4
    assert rows["S4"].other_points == D("0.50")
    assert rows["S4"].total == D("7.89")


def test_changing_a_scheme_makes_a_version_and_never_changes_a_published_result(round, assessed, users):
    scope = Unit.objects.get(code="C")
    scheme = scheme_create(
        name="考核", scope=scope, level="school", rounds=[round], components=[{"kind": "rate"}], by=None
    )
    result = result_publish(scheme=scheme, round=round, by=users["superuser"])
    assert result.version.number == 1
    again = scheme_components_set(scheme=scheme, components=[{"kind": "rate", "worth": "5"}], by=None)
    assert again.number == 1  # the same components: no new version
    v2 = scheme_components_set(scheme=scheme, components=[{"kind": "rate", "worth": "20"}], by=None)
    assert v2.number == 2
    published = published_assessment(result)
    assert _by_code(published)["S4"].total == D("4.44")
    assert ResultRow.objects.filter(result=result).count() == 4
    assert _by_code(assessment_compute(round=round, scope_code="C", level="school", scheme=scheme))["S4"].total == D(
        "17.78"
    )


def test_a_scheme_is_published_only_for_its_rounds(round, earlier_round, assessed):
    scope = Unit.objects.get(code="C")
    scheme = scheme_create(name="考核", scope=scope, level="school", rounds=[round], components=[], by=None)
    with pytest.raises(ValueError):
        result_publish(scheme=scheme, round=earlier_round, by=None)


@pytest.mark.parametrize(
    ("components", "words"),
    [
        ([{"kind": "bonus"}], "bonus"),
        ([{"kind": "rate"}, {"kind": "rate"}], "2"),
        ([{"kind": "rate", "worth": "five"}], "five"),
        ([{"kind": "overdue", "each": "-1"}], "1"),
        ({"kind": "rate"}, "list"),
    ],
)
def test_bad_components_are_refused_naming_the_component(round, components, words):
    scope = Unit.objects.get(code="C")
    with translation.override("en"), pytest.raises(ValueError, match=words):
        scheme_create(name="考核", scope=scope, level="school", rounds=[round], components=components, by=None)


# ---------------------------------------------------------------- the command


def test_the_command_prints_json(round, assessed, capsys):
    call_command("assessment", "R2026", scope="C", level="school", format="json")
    data = json.loads(capsys.readouterr().out)
    assert data["scheme"] is None
    first = data["rows"][0]
    assert first == {
        "code": "S1", "name": "一区第一小学", "rank": 1, "rate": "95.00", "rate_points": "5.00",
        "rank_points": "3.00", "deductions": "-1.25", "total": "6.75", "below_target": False,
    }  # fmt: skip


def test_the_command_prints_csv_and_a_table(round, assessed, capsys):
    call_command("assessment", "R2026", scope="C", level="school", format="csv")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "code,name,rank,rate,rate_points,rank_points,deductions,total,below_target"
    assert lines[-1] == "S2,二区第一小学,3,85.00,4.72,0.00,-2.00,2.72,True"
    call_command("assessment", "R2026", scope="C", level="school")
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["code", "name", "rank", "rate", "rate_points", "rank_points", "deductions", "total", "below_target"]  # fmt: skip
    assert table[1].split()[:3] == ["S1", "一区第一小学", "1"]


def test_the_command_uses_the_scheme_attached_to_the_round(round, assessed, capsys):
    scope = Unit.objects.get(code="C")
    scheme_create(name="考核", scope=scope, level="school", rounds=[round], components=[{"kind": "rate"}], by=None)
    call_command("assessment", "R2026", scope="C", level="school", format="json")
    data = json.loads(capsys.readouterr().out)
    assert data["scheme"] == {"name": "考核", "version": 1}
    assert data["rows"][0]["total"] == "5.00"


@pytest.mark.parametrize(
    ("args", "words"),
    [(["NOPE", "--scope", "C", "--level", "school"], "NOPE"), (["R2026", "--scope", "XX", "--level", "school"], "XX"),
     (["R2026", "--scope", "C", "--level", "village"], "village")],
)  # fmt: skip
def test_the_command_names_what_is_wrong(round, args, words):
    with pytest.raises(CommandError, match=words):
        call_command("assessment", *args)


def test_the_close_is_the_round_end(round):
    assert round.end == datetime.date(2026, 6, 30)


def test_the_number_of_queries_does_not_grow_with_the_peers(round, assessed, schools, tree):
    components = [{"kind": kind} for kind in ("rate", "rank", "overdue", "callback", "closure", "visits")]
    scheme = scheme_create(name="全部", scope=Unit.objects.get(code="C"), level="school", rounds=[round],
                           components=components, by=None)  # fmt: skip

    def count(peers: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert len(assessment_compute(round=round, scope_code="C", level="school", scheme=scheme).rows) == peers
        return len(queries)

    count(4)  # warm: the round's outline is cached (and read afresh once its participants change)
    before = count(4)
    for _ in range(6):
        Participation.objects.create(round=round, unit=UnitFactory(kind=UnitKind.SCHOOL, parent=tree["d2"]))
    count(10)
    assert count(10) == before


def test_visits_against_quotas_by_hand(round, schools, give):
    give(schools["s1"], 95, 0, 5)
    teacher = UserFactory()
    RoleFactory(user=teacher, unit=schools["s1"], kind="staff")
    for n in range(4):
        household = HouseholdFactory(unit=schools["s1"], assigned_to=teacher)
        if n < 3:  # visited in the spring term that holds the round's last day
            Visit.objects.create(household=household, date=datetime.date(2026, 6, 1), method="home", by=teacher,
                                 notes="家访", phone_check="ok")  # fmt: skip
    scheme = scheme_create(name="走访", scope=Unit.objects.get(code="C"), level="school", rounds=[round],
                           components=[{"kind": "visits", "points": "2"}], by=None)  # fmt: skip
    rows = _by_code(assessment_compute(round=round, scope_code="C", level="school", scheme=scheme))
    assert rows["S1"].other_points == D("0.60")  # 2 × 3 visited ÷ a quota of 10
    assert rows["S2"].other_points == D("0.00")  # nobody to visit, no quota


def test_open_door_activities_held_against_the_rules_by_hand(round, schools, give):
    """A reception day each month of the round (January to June): S1 held 3 of 6, S2 none."""
    give(schools["s1"], 95, 0, 5)
    ActivityRule.objects.create(under=Unit.objects.get(code="C"), unit_kind="school", kind="reception_day",
                                schedule="monthly", weekday=0)  # fmt: skip
    for month in (1, 3, 5):
        Activity.objects.create(unit=schools["s1"], kind="reception_day", held_on=datetime.date(2026, month, 12))
    Activity.objects.create(unit=schools["s1"], kind="reception_day", held_on=datetime.date(2026, 7, 6))  # after
    scheme = scheme_create(name="开门办教育", scope=Unit.objects.get(code="C"), level="school", rounds=[round],
                           components=[{"kind": "opendoor", "points": "2"}], by=None)  # fmt: skip
    with translation.override("en"):
        rows = _by_code(assessment_compute(round=round, scope_code="C", level="school", scheme=scheme))
    assert rows["S1"].other_points == D("1.00")  # 2 × 3 held ÷ 6 required
    assert rows["S2"].other_points == D("0.00")
    assert rows["S1"].parts[0].reason == "3 of 6 required open-door activities held (2 × held ÷ required)."
