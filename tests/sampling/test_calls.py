"""Call lists: the seeded draw, attempts and their final dispositions, rates against hand counts, firm imports."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from sampling.calls import attempt_record, call_draw, call_rates, callers_assign, numbers_to_call
from sampling.maths import Dispositions
from sampling.models import CallAttempt, CallNumber, SamplePlan
from sampling.plans import populations_set
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _drawn(round) -> set[str]:
    return set(CallNumber.objects.filter(round=round, draw__isnull=False).values_list("phone", flat=True))


def test_the_draw_follows_the_plan_per_unit_and_quota(tree, round, listed):
    # S1 population 40: n = 384.16 / (1 + 383.16 / 40) = 36.37… -> 37; quotas 60 % parents -> 22, 40 % students -> 15
    populations_set(round=round, populations={tree["s1"].pk: 40})
    SamplePlan.objects.create(round=round, quotas={"parent": 60, "student": 40})
    draw = call_draw(round=round, user=None, seed=7)
    drawn = CallNumber.objects.filter(round=round, draw=draw)
    assert drawn.filter(unit=tree["s1"], respondent_type="parent").count() == 22
    assert drawn.filter(unit=tree["s1"], respondent_type="student").count() == 15
    # S2 wants 385 and has 10 parents: all of them
    assert drawn.filter(unit=tree["s2"]).count() == 10
    assert draw.drawn == 47 and draw.seed == 7


def test_the_same_seed_draws_the_same_numbers_and_another_seed_others(tree, round, listed):
    populations_set(round=round, populations={tree["s1"].pk: 40})
    call_draw(round=round, user=None, seed=7)
    first = _drawn(round)
    CallNumber.objects.filter(round=round).update(draw=None)
    call_draw(round=round, user=None, seed=7)
    assert _drawn(round) == first
    CallNumber.objects.filter(round=round).update(draw=None)
    call_draw(round=round, user=None, seed=8)
    assert _drawn(round) != first


def test_a_second_draw_only_tops_up(tree, round, listed):
    populations_set(round=round, populations={tree["s1"].pk: 40})
    call_draw(round=round, user=None, seed=1)
    again = call_draw(round=round, user=None, seed=2)
    assert again.drawn == 0


def _number(round, tree, caller, phone="13900000000"):
    number = CallNumber.objects.get(round=round, phone=phone)
    number.draw = call_draw(round=round, user=None, seed=1) if number.draw is None else number.draw
    number.caller = caller
    number.save()
    return number


def test_attempts_make_the_final_disposition(tree, round, listed):
    caller = UserFactory()
    number = _number(round, tree, caller)
    at = timezone.now() - datetime.timedelta(days=1)
    attempt_record(number=number, result="no_answer", user=caller, at=at)
    number.refresh_from_db()
    assert (number.attempts, number.disposition) == (1, "NC")
    attempt_record(number=number, result="partial", user=caller, at=at + datetime.timedelta(hours=3))
    number.refresh_from_db()
    assert number.disposition == "P"
    attempt_record(number=number, result="complete", user=caller)
    number.refresh_from_db()
    assert number.disposition == "I"
    with pytest.raises(ValidationError):
        attempt_record(number=number, result="no_answer", user=caller)


def test_attempts_stop_at_the_plan_maximum(tree, round, listed):
    SamplePlan.objects.create(round=round, max_attempts=2)
    caller = UserFactory()
    number = _number(round, tree, caller)
    attempt_record(number=number, result="busy", user=caller)
    attempt_record(number=number, result="busy", user=caller)
    with pytest.raises(ValidationError):
        attempt_record(number=number, result="busy", user=caller)
    assert not numbers_to_call(round, caller).filter(pk=number.pk).exists()


def test_a_number_not_reached_waits_before_it_is_offered_again(tree, round, listed):
    caller = UserFactory()
    number = _number(round, tree, caller)
    assert numbers_to_call(round, caller).first() == number
    attempt_record(number=number, result="no_answer", user=caller)
    assert not numbers_to_call(round, caller).filter(pk=number.pk).exists()
    CallAttempt.objects.filter(number=number).update(at=timezone.now() - datetime.timedelta(hours=3))
    CallNumber.objects.filter(pk=number.pk).update(last_called_at=timezone.now() - datetime.timedelta(hours=3))
    assert numbers_to_call(round, caller).filter(pk=number.pk).exists()


def test_assigning_gives_only_drawn_free_numbers(tree, round, listed):
    populations_set(round=round, populations={tree["s1"].pk: 40})
    call_draw(round=round, user=None, seed=3)
    caller = UserFactory()
    assert callers_assign(round=round, unit=tree["s1"], caller=caller, count=30) == 30
    assert callers_assign(round=round, unit=tree["s1"], caller=UserFactory(), count=30) == 7
    assert CallNumber.objects.filter(caller=caller, draw__isnull=True).count() == 0


def _call(round, phone, *results):
    number = CallNumber.objects.get(round=round, phone=phone)
    start = timezone.now() - datetime.timedelta(days=2)
    for hours, result in enumerate(results):
        attempt_record(number=number, result=result, user=None, at=start + datetime.timedelta(hours=3 * hours))


def test_rates_by_hand_per_unit_and_rolled_up(tree, round, listed):
    CallNumber.objects.filter(round=round).update(draw=call_draw(round=round, user=None, seed=1))
    # S1 has 50 numbers drawn: 2 I, 1 P, 2 R, 1 NC, 1 O, 1 ineligible, the other 42 never dialled (UO)
    _call(round, "13900000000", "no_answer", "complete")
    _call(round, "13900000001", "complete")
    _call(round, "13900000002", "partial")
    _call(round, "13900000003", "busy", "refused")
    _call(round, "13900000004", "hung_up")
    _call(round, "13900000005", "call_back")
    _call(round, "13900000006", "language")
    _call(round, "13900000007", "no_answer", "vacant")
    rates = call_rates(round)
    s1 = rates.by_unit[tree["s1"].pk]
    assert s1 == Dispositions(I=2, P=1, R=2, NC=1, O=1, UO=42, ineligible=1)
    # RR1 = 2 / 49 = 4.08 %, RR2 = 3 / 49 = 6.12 %, COOP1 = 2 / 6 = 33.33 %, REF1 = 2 / 49 = 4.08 %, CON1 = 6 / 49
    assert rates.by_unit[tree["city"].pk] == s1 + Dispositions(UO=10)
    assert tree["d2"].pk in rates.by_unit and tree["d1"].pk in rates.by_unit


def test_the_call_rates_command(tree, round, listed, capsys):
    CallNumber.objects.filter(round=round).update(draw=call_draw(round=round, user=None, seed=1))
    _call(round, "13900000000", "complete")
    _call(round, "13900000001", "refused")
    _call(round, "13900000007", "not_target")
    call_command("call_rates", round.code, "--format", "json")
    units = {u["code"]: u for u in json.loads(capsys.readouterr().out)["units"]}
    # S1: I 1, R 1, ineligible 1, UO 47: RR1 = 1 / 49 = 2.04 %, COOP1 = 1 / 2 = 50 %, CON1 = 2 / 49 = 4.08 %
    assert units["S1"] == {
        "code": "S1", "I": 1, "P": 0, "R": 1, "NC": 0, "O": 0, "UO": 47, "ineligible": 1,
        "rr1": "2.04", "rr2": "2.04", "coop1": "50.00", "ref1": "2.04", "con1": "4.08",
    }  # fmt: skip
    # S2: 10 never dialled: COOP1 has no denominator
    assert units["S2"]["coop1"] is None and units["S2"]["rr1"] == "0.00"
    call_command("call_rates", round.code, "--format", "csv")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "code,I,P,R,NC,O,UO,ineligible,rr1,rr2,coop1,ref1,con1"
    assert "S2,0,0,0,0,0,10,0,0.00,0.00,,0.00,0.00" in lines
    with pytest.raises(CommandError):
        call_command("call_rates", "NOPE")


def _csv(tmp_path, text: str):
    path = tmp_path / "calls.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_calls_adds_attempts_and_new_numbers(tree, round, listed, tmp_path, capsys):
    path = _csv(
        tmp_path,
        "单位编码,电话,拨打时间,结果\n"
        "S1,139-0000-0000,2026-05-01 18:30,无人接听\n"
        "S1,13900000000,2026-05-02 10:00,完成\n"
        "S2,13800000009,2026/05/02 11:00,拒访\n",
    )
    call_command("import_calls", round.code, str(path))
    assert "3 call attempts" in capsys.readouterr().out
    first = CallNumber.objects.get(round=round, phone="13900000000")
    assert (first.attempts, first.disposition, first.is_drawn()) == (2, "I", True)
    new = CallNumber.objects.get(round=round, phone="13800000009")
    assert (new.unit, new.disposition, new.is_drawn()) == (tree["s2"], "R", True)


def test_import_calls_is_all_or_nothing_and_names_every_bad_row(tree, round, listed, tmp_path):
    path = _csv(
        tmp_path,
        "单位编码,电话,拨打时间,结果\n"
        "S1,13900000000,2026-05-01 18:30,完成\n"
        "S1,12345,2026-05-01 18:30,完成\n"
        "S2,13900000001,2026-05-01 18:30,完成\n"
        "S1,13900000002,昨天,完成\n"
        "S1,13900000003,2026-05-01 18:30,接了\n"
        "X9,13900000004,2026-05-01 18:30,完成\n",
    )
    with pytest.raises(CommandError) as refused:
        call_command("import_calls", round.code, str(path))
    message = str(refused.value)
    for row in ("3", "4", "5", "6", "7"):
        assert f"第 {row} 行" in message or f"Row {row}" in message, message
    assert "S1" in message  # the other unit of 13900000001
    assert not CallAttempt.objects.exists()


def _at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A fixed local time (Asia/Shanghai) in March 2026."""
    return timezone.make_aware(datetime.datetime(2026, 3, day, hour, minute))


def test_the_retry_wait_is_the_plans(tree, round, listed):
    caller = UserFactory()
    number = _number(round, tree, caller)
    attempt_record(number=number, result="no_answer", user=caller, at=_at(2, 9))
    # The default wait is 2 hours: due at 11:00, not at 10:59.
    assert not numbers_to_call(round, caller, now=_at(2, 10, 59)).filter(pk=number.pk).exists()
    assert numbers_to_call(round, caller, now=_at(2, 11)).filter(pk=number.pk).exists()
    SamplePlan.objects.create(round=round, retry_hours=4)
    assert not numbers_to_call(round, caller, now=_at(2, 12, 59)).filter(pk=number.pk).exists()
    assert numbers_to_call(round, caller, now=_at(2, 13)).filter(pk=number.pk).exists()


def test_a_number_not_tried_in_this_time_of_day_comes_first(tree, round, listed):
    caller = UserFactory()
    a = _number(round, tree, caller, phone="13900000000")
    b = _number(round, tree, caller, phone="13900000001")
    CallNumber.objects.filter(round=round, caller=caller).exclude(pk__in=[a.pk, b.pk]).update(caller=None)
    attempt_record(number=a, result="no_answer", user=caller, at=_at(1, 15))  # 下午, the day before
    attempt_record(number=b, result="busy", user=caller, at=_at(2, 9))  # 上午
    # At 15:30 (下午) both are due with one attempt; A was called longer ago but already in the afternoon:
    # B, never tried in the afternoon, comes first.
    assert list(numbers_to_call(round, caller, now=_at(2, 15, 30))) == [b, a]
    # In the evening neither was tried: the one called longest ago first.
    assert list(numbers_to_call(round, caller, now=_at(2, 19))) == [a, b]
    # The next morning B was tried in the morning, A was not.
    assert list(numbers_to_call(round, caller, now=_at(3, 8))) == [a, b]


def test_the_plan_form_refuses_a_bad_retry_wait(round):
    from sampling.forms import PlanForm

    for hours in ["0", "73", "abc"]:
        form = PlanForm({"margin": "3", "confidence": "95", "max_attempts": "5", "retry_hours": hours,
                         "verify_share": "5", "verify_minimum": "5", "doubtful_rate": "10"},
                        instance=SamplePlan(round=round))  # fmt: skip
        assert not form.is_valid() and "retry_hours" in form.errors
