"""The sample plan: populations, expected rates from the previous round, n, quotas, targets, the command."""

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from respond.models import UnitTarget
from sampling.models import SamplePlan
from sampling.plans import plan_apply_as_targets, plan_of, plan_rows, populations_set
from surveys.models import Option
from surveys.writing import reported_counts_set_many
from tests.factories import make_round

pytestmark = pytest.mark.django_db


def _previous_with_rate(tree, round):
    """A previous round where S1 had 80 positive of 100 valid votes: its rate is 0.8."""
    previous = make_round([tree["s1"], tree["s2"]], code="R2025")
    indicator = previous.ordered_indicators()[0]
    options = {o.number: o.pk for o in Option.objects.filter(scale=previous.scale)}
    counts = {tree["s1"].pk: {(indicator.pk, options[1]): 80, (indicator.pk, options[3]): 20}}
    reported_counts_set_many(round=previous, counts=counts, user=None)
    round.previous = previous
    round.save(update_fields=["previous"])


def test_n_by_hand_with_the_previous_rate_and_a_population(tree, round):
    _previous_with_rate(tree, round)
    populations_set(round=round, populations={tree["s1"].pk: 500})
    rows = {r.unit.code: r for r in plan_rows(round)}
    # S1: p = 0.8, n0 = 1.96² · 0.16 / 0.0009 = 682.95…; n = 682.95 / (1 + 681.95 / 500) = 288.8… -> 289
    assert (rows["S1"].population, rows["S1"].expected_percent, rows["S1"].n) == (500, Decimal("80.00"), 289)
    assert rows["S1"].from_previous
    # S2: no rate before, so 0.9; no population: n0 = 384.16 -> 385
    assert (rows["S2"].population, rows["S2"].expected_percent, rows["S2"].n) == (None, Decimal("90.00"), 385)


def test_quotas_are_shares_of_n_and_the_rest_goes_to_any_type(tree, round):
    SamplePlan.objects.create(round=round, quotas={"parent": 60, "student": 30})
    row = next(r for r in plan_rows(round) if r.unit.code == "S2")
    # 385 · 0.6 = 231, · 0.3 = 115.5, · 0.1 = 38.5: the largest remainders, in order, take the one left
    assert row.quotas == {"parent": 231, "student": 116, "": 38}


def test_applying_the_plan_sets_the_online_targets(tree, round):
    populations_set(round=round, populations={tree["s1"].pk: 1000})
    plan_apply_as_targets(round=round, units=[tree["s1"], tree["s2"]])
    targets = dict(UnitTarget.objects.filter(round=round).values_list("unit__code", "sample_target"))
    assert targets == {"S1": 278, "S2": 385}
    populations_set(round=round, populations={tree["s1"].pk: None})
    plan_apply_as_targets(round=round, units=[tree["s1"]])
    assert UnitTarget.objects.get(round=round, unit=tree["s1"]).sample_target == 385


def test_the_command_prints_json_csv_and_a_table(tree, round, capsys):
    populations_set(round=round, populations={tree["s1"].pk: 200})
    call_command("sample_plan", round.code, "--format", "json")
    units = json.loads(capsys.readouterr().out)["units"]
    assert units == [
        {"code": "S1", "population": 200, "expected": "90.00", "n": 132},
        {"code": "S2", "population": None, "expected": "90.00", "n": 385},
    ]
    # 5 points at 99 %: n0 = 2.576² · 0.09 / 0.0025 = 238.89… -> 239 for S2;
    # S1: 238.89 / (1 + 237.89 / 200) = 238.89 / 2.1894… = 109.1… -> 110
    call_command("sample_plan", round.code, "--margin", "5", "--confidence", "99", "--format", "csv")
    assert capsys.readouterr().out.splitlines()[1:] == ["S1,200,90.00,110", "S2,,90.00,239"]
    call_command("sample_plan", round.code)
    assert "n = 517 in all" in capsys.readouterr().out


@pytest.mark.parametrize("args", [["NOPE"], ["R2026", "--margin", "abc"], ["R2026", "--margin", "0"]])
def test_the_command_refuses_bad_arguments(round, args):
    with pytest.raises(CommandError):
        call_command("sample_plan", *args)


def test_the_achieved_sample_its_margin_and_the_below_plan_flag(tree, round, client_for, users):
    import datetime

    from sampling.plans import achieved
    from surveys.models import Questionnaire

    for n in range(100):
        Questionnaire.objects.create(round=round, unit=tree["s1"], respondent_type="parent", channel="phone",
                                     date=datetime.date.today(), number=f"Q{n}")  # fmt: skip
    rows = plan_rows(round)
    got = achieved(round, rows, plan_of(round))
    # S1: 100 of 385; 1.96 · sqrt(0.09 / 100) = 1.96 · 0.03 = 0.0588 -> ± 5.88 points
    assert (got[tree["s1"].pk].count, got[tree["s1"].pk].margin, got[tree["s1"].pk].below_plan) == (
        100, Decimal("5.88"), True,
    )  # fmt: skip
    assert got[tree["s2"].pk].margin is None
    page = client_for(users["admin"]).get(f"/rounds/{round.code}/plan/").content.decode()
    assert "± 5.88" in page and "未达方案" in page
