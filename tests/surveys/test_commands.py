import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from surveys.models import Round, RoundStatus, Tally

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_round_over_kinds_under_a_unit(tree):
    out = run(
        "create_round",
        "R1",
        "--name",
        "测评",
        "--start",
        "2026-01-01",
        "--end",
        "2026-06-30",
        "--under",
        "C",
        "--kinds",
        "school",
        "--target-rate",
        "90",
        "--target-rank",
        "3",
        "--open",
    )
    round = Round.objects.get(code="R1")
    assert "2 units" in out
    assert set(round.participations.values_list("unit__code", flat=True)) == {"S1", "S2"}
    assert [i.code for i in round.ordered_indicators()] == ["EDU1", "EDU2", "EDU3", "EDU4", "EDU5", "EDU6"]
    assert round.status == RoundStatus.OPEN
    assert round.target_rate == 90 and round.target_rank == 3


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--under", "NOPE", "no unit"),
        ("--kinds", "castle", "unknown kind"),
        ("--start", "2026-13-01", "not a date"),
        ("--target-rate", "120", "between 0 and 100"),
        ("--indicators", "EDU1,XX", "unknown indicator"),
        ("--scale", "nope", "no scale"),
    ],
)
def test_create_round_refuses_bad_arguments(tree, option, value, message):
    args = {"--name": "测评", "--start": "2026-01-01", "--end": "2026-06-30", "--under": "C", "--kinds": "school"}
    args[option] = value
    with pytest.raises(CommandError, match=message):
        run("create_round", "R1", *[x for pair in args.items() for x in pair])
    assert not Round.objects.exists()


def test_create_round_refuses_end_before_start(tree):
    with pytest.raises(CommandError, match="结束日期不能早于开始日期"):
        run(
            "create_round",
            "R1",
            "--name",
            "x",
            "--start",
            "2026-06-01",
            "--end",
            "2026-01-01",
            "--under",
            "C",
            "--kinds",
            "school",
        )


def test_copy_round_keeps_units_indicators_targets_and_links_previous(tree, round):
    out = run("copy_round", round.code, "R2027", "--name", "2027", "--start", "2027-01-01", "--end", "2027-12-31")
    new = Round.objects.get(code="R2027")
    assert "2 units" in out
    assert new.previous == round and new.status == RoundStatus.DRAFT
    assert new.target_rate == round.target_rate and new.scale == round.scale
    assert new.ordered_indicators() == round.ordered_indicators()
    with pytest.raises(CommandError, match="已存在"):
        run("copy_round", round.code, "R2027", "--name", "x", "--start", "2027-01-01", "--end", "2027-12-31")


def test_survey_rates_json_for_every_unit_and_ancestor(tree, round, answer):
    answer(tree["s1"], {0: 1, 1: 3})
    answer(tree["s2"], {0: 2, 1: 4})
    payload = json.loads(run("survey_rates", round.code, "--format", "json"))
    by_code = {u["code"]: u for u in payload["units"]}
    assert set(by_code) == {"C", "D1", "D2", "S1", "S2"}
    assert by_code["C"]["overall"] == {
        "satisfied": 1,
        "basically_satisfied": 1,
        "dissatisfied": 1,
        "excluded": 1,
        "valid": 3,
        "rate": 66.67,
    }
    assert by_code["S1"]["indicators"]["EDU2"]["rate"] == 0.0
    assert by_code["S2"]["indicators"]["EDU2"]["rate"] is None
    assert by_code["D1"]["participating"] is False and by_code["S1"]["participating"] is True


def test_survey_rates_for_one_subtree_as_csv(tree, round, answer):
    answer(tree["s1"], {0: 1})
    lines = run("survey_rates", round.code, "--unit", "D1", "--format", "csv").strip().splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["D1", "S1"]
    assert "100.00" in lines[1]


def test_survey_rates_refuses_unknown_round_or_unit(tree, round):
    with pytest.raises(CommandError):
        run("survey_rates", "NOPE")
    with pytest.raises(CommandError):
        run("survey_rates", round.code, "--unit", "NOPE")


def test_check_tallies_finds_a_wrong_tally_and_repairs_it(round, tree, answer):
    answer(tree["s1"], {0: 1})
    out = StringIO()
    call_command("check_tallies", round.code, stdout=out)
    assert "0 tallies differ" in out.getvalue()
    Tally.objects.filter(round=round).update(count=5)
    with pytest.raises(CommandError, match="--repair"):
        call_command("check_tallies", round.code, stdout=StringIO())
    out = StringIO()
    call_command("check_tallies", round.code, "--repair", stdout=out)
    assert "1 tallies corrected" in out.getvalue()
    call_command("check_tallies", round.code, stdout=StringIO())  # equal again: no error
    with pytest.raises(CommandError, match="no round"):
        call_command("check_tallies", "NOPE")
