"""Verification call-backs: the seeded draw, who may verify, the results through the one writer, the figures."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sampling.models import SamplePlan, Verification
from sampling.verification import (
    units_doubtful,
    verification_draw,
    verification_figures,
    verification_record,
    verification_size,
)
from surveys.figures import round_figures
from surveys.models import ChangeAction, Option, Questionnaire, ResultChange
from surveys.writing import QuestionnaireRows, questionnaires_add, round_ids
from tests.factories import RoleFactory, UserFactory
from units.models import PhoneExport, RoleKind
from units.permissions import may_verify

pytestmark = pytest.mark.django_db


def _add(round, unit, clerk, count: int, channel: str = "phone", start: int = 0, phone: bool = True):
    indicator_ids, option_ids = round_ids(round)
    for n in range(start, start + count):
        rows = QuestionnaireRows.single(
            indicator_ids, option_ids, unit_id=unit.pk, respondent_type="parent", channel=channel,
            date=datetime.date.today(), number="", phone=f"137{n:08d}" if phone else "",
            answers=dict.fromkeys(indicator_ids, option_ids[0]),
        )  # fmt: skip
        questionnaires_add(round=round, rows=rows, user=clerk, source="test")


@pytest.fixture
def clerk(tree):
    user = UserFactory()
    RoleFactory(user=user, unit=tree["s1"], kind=RoleKind.STAFF)
    return user


def test_the_size_is_the_share_rounded_up_at_least_the_minimum_at_most_all():
    assert verification_size(1000, Decimal(5), 5) == 50
    assert verification_size(101, Decimal(5), 5) == 6  # 5.05 -> 6
    assert verification_size(40, Decimal(5), 5) == 5  # 2 -> at least 5
    assert verification_size(3, Decimal(5), 5) == 3


def test_the_draw_takes_each_channel_in_proportion_and_is_reproducible(tree, round, clerk):
    _add(round, tree["s1"], clerk, 120, "phone")
    _add(round, tree["s1"], clerk, 80, "paper", start=500)
    _add(round, tree["s1"], clerk, 7, "paper", start=900, phone=False)  # no phone: never drawn
    draw = verification_draw(round=round, user=None, seed=11)
    items = Verification.objects.filter(draw=draw)
    # 200 with a phone: 5 % = 10, split 120 : 80 -> 6 phone, 4 paper
    assert items.filter(channel="phone").count() == 6 and items.filter(channel="paper").count() == 4
    first = set(items.values_list("questionnaire_ref", flat=True))
    Verification.objects.all().delete()
    again = verification_draw(round=round, user=None, seed=11)
    assert set(Verification.objects.filter(draw=again).values_list("questionnaire_ref", flat=True)) == first


def test_a_second_draw_never_takes_a_questionnaire_twice(tree, round, clerk):
    _add(round, tree["s1"], clerk, 8)
    verification_draw(round=round, user=None, seed=1)
    verification_draw(round=round, user=None, seed=2)
    refs = list(Verification.objects.values_list("questionnaire_ref", flat=True))
    assert len(refs) == len(set(refs)) == 8


def test_verifiers_are_from_above_never_the_units_own_clerks(tree, users, clerk):
    school_admin = UserFactory()
    RoleFactory(user=school_admin, unit=tree["s1"], kind=RoleKind.ADMIN)
    both = UserFactory()
    RoleFactory(user=both, unit=tree["d1"], kind=RoleKind.STAFF)
    RoleFactory(user=both, unit=tree["s1"], kind=RoleKind.STAFF)
    assert may_verify(users["staff"], tree["s1"]) and may_verify(users["admin"], tree["s1"])
    assert may_verify(users["superuser"], tree["s1"])
    assert (
        not may_verify(clerk, tree["s1"])
        and not may_verify(school_admin, tree["s1"])
        and not may_verify(both, tree["s1"])
    )
    assert not may_verify(users["leader"], tree["s1"]) and not may_verify(users["nobody"], tree["s1"])
    assert not may_verify(users["staff"], tree["s2"])  # another district
    assert not may_verify(users["staff"], tree["d1"])  # their own unit
    assert not may_verify(users["staff"], tree["s1"], entered_by_id=users["staff"].pk)  # entered it themselves
    assert not may_verify(users["superuser"], tree["s1"], entered_by_id=users["superuser"].pk)


def _item(round, tree, clerk, count=10):
    _add(round, tree["s1"], clerk, count)
    verification_draw(round=round, user=None, seed=3)
    return list(Verification.objects.order_by("id"))


def test_answers_differ_corrects_the_questionnaire_through_the_writer(tree, round, clerk, users):
    item = _item(round, tree, clerk)[0]
    options = {o.number: o.pk for o in Option.objects.filter(scale=round.scale)}
    indicator = round.ordered_indicators()[0]
    verification_record(item=item, result="different", user=users["staff"], answers={indicator.pk: options[3]})
    assert ResultChange.objects.filter(action=ChangeAction.EDITED, questionnaire_id_ref=item.questionnaire_ref).exists()
    figures = round_figures(round)
    assert figures.counts(tree["s1"].pk).dissatisfied == 1
    with pytest.raises(ValidationError):
        verification_record(item=item, result="confirmed", user=users["staff"])


def test_never_surveyed_takes_the_questionnaire_out_of_every_figure_with_a_trail(tree, round, clerk, users):
    item = _item(round, tree, clerk)[0]
    before = round_figures(round).counts(tree["s1"].pk).valid
    verification_record(item=item, result="never", user=users["staff"])
    assert not Questionnaire.objects.filter(pk=item.questionnaire_ref).exists()
    assert round_figures(round).counts(tree["s1"].pk).valid == before - 6  # its six answers
    assert ResultChange.objects.filter(
        action=ChangeAction.DELETED, questionnaire_id_ref=item.questionnaire_ref
    ).exists()
    item.refresh_from_db()
    assert (item.result, item.verifier) == ("never", users["staff"])


def test_figures_per_unit_and_clerk_and_the_doubtful_flag(tree, round, clerk, users):
    items = _item(round, tree, clerk, count=10)  # 10 with a phone: at least 5 drawn
    assert len(items) == 5
    results = ["confirmed", "confirmed", "confirmed", "never", "unreachable"]
    for item, result in zip(items, results, strict=True):
        verification_record(item=item, result=result, user=users["staff"])
    by_unit, by_clerk = verification_figures(round)
    s1 = by_unit[tree["s1"].pk]
    # verified 4 (unreachable is not), confirmed 3, discrepancy 1 / 4 = 25 %
    assert (s1.drawn, s1.verified, s1.confirmed, s1.discrepancy_percent) == (5, 4, 3, Decimal("25.00"))
    assert by_clerk[clerk.pk].discrepancy_percent == Decimal("25.00")
    assert units_doubtful(round) == {tree["s1"].pk: Decimal("25.00")}  # above the default 10 %
    SamplePlan.objects.create(round=round, doubtful_rate=25)
    assert units_doubtful(round) == {}  # not above 25 %


# ---------------------------------------------------------------- the page


def test_the_page_lists_only_what_the_user_may_verify_and_logs_the_reveal(client_for, tree, round, clerk, users):
    items = _item(round, tree, clerk)
    url = reverse("sampling:verify", args=[round.code])
    page = client_for(users["staff"]).get(url).content.decode()
    assert f"?item={items[0].pk}" in page
    assert f"?item={items[0].pk}" not in client_for(clerk).get(url).content.decode()
    shown = client_for(users["staff"]).get(url, {"item": items[0].pk}).content.decode()
    assert items[0].phone in shown
    assert PhoneExport.objects.filter(user=users["staff"], export="verification_call_back").count() == 1
    assert client_for(clerk).get(url, {"item": items[0].pk}).status_code == 404
    assert client_for(users["leader"]).get(url).status_code == 403
    assert client_for(users["nobody"]).get(url).status_code == 404


def test_recording_on_the_page_and_bad_input(client_for, tree, round, clerk, users):
    items = _item(round, tree, clerk)
    url = reverse("sampling:verify", args=[round.code])
    refused = client_for(clerk).post(url, {"item": items[0].pk, "result": "confirmed"})
    assert refused.status_code == 404
    assert client_for(users["staff"]).post(url, {"item": items[0].pk, "result": "maybe"}).status_code == 400
    no_answers = client_for(users["staff"]).post(url, {"item": items[0].pk, "result": "different"})
    assert no_answers.status_code == 400
    ok = client_for(users["staff"]).post(url, {"item": items[0].pk, "result": "confirmed"})
    assert ok.status_code == 302
    items[0].refresh_from_db()
    assert items[0].result == "confirmed"


def test_the_draw_is_for_whoever_manages_the_round(client_for, tree, round, clerk, users):
    _add(round, tree["s1"], clerk, 6)
    url = reverse("sampling:verify_draw", args=[round.code])
    assert client_for(users["admin"]).post(url, {"seed": 1}).status_code == 403
    assert client_for(users["superuser"]).post(url, {"seed": 1}).status_code == 302
    assert Verification.objects.filter(draw__seed=1).count() == 5


def test_the_page_rolls_the_figures_up_the_tree(client_for, tree, round, clerk, users):
    items = _item(round, tree, clerk, count=10)
    for item, result in zip(items, ["confirmed", "confirmed", "confirmed", "never", "unreachable"], strict=True):
        verification_record(item=item, result=result, user=users["staff"])
    draw = items[0].draw
    Verification.objects.bulk_create(
        Verification(draw=draw, round=round, unit=tree["s2"], questionnaire_ref=10_000 + n, channel="phone",
                     phone="13900000000", result="confirmed")
        for n in range(6)
    )  # fmt: skip
    city_admin = UserFactory()
    RoleFactory(user=city_admin, unit=tree["city"], kind=RoleKind.ADMIN)
    url = reverse("sampling:verify", args=[round.code])
    rows = {unit.code: c for unit, c in client_for(city_admin).get(url).context["units"]}
    # S1: 4 verified, 1 never surveyed: 25 %. D1 = S1. D2 = S2: 6 of 6 confirmed. C: 10 verified, 9 confirmed, 10 %.
    assert {code: (c.verified, c.confirmed, c.discrepancy_percent) for code, c in rows.items()} == {
        "C": (10, 9, Decimal("10.00")), "D1": (4, 3, Decimal("25.00")), "S1": (4, 3, Decimal("25.00")),
        "D2": (6, 6, Decimal("0.00")), "S2": (6, 6, Decimal("0.00")),
    }  # fmt: skip
    page = client_for(city_admin).get(url)
    assert page.context["doubtful"] == {tree["s1"].pk, tree["d1"].pk}  # C's 10 % is not above 10 %
    # The district's administrator sees D1 and S1, nothing above or beside.
    assert [u.code for u, _c in client_for(users["admin"]).get(url).context["units"]] == ["D1", "S1"]
