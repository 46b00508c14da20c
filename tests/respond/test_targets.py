"""Each unit's own sample target and quotas: the function others call, the form, the Excel import."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from respond.models import OnlineSetting, UnitTarget
from respond.services import Answered, Refused, Target, submission_receive, unit_quotas, unit_targets_set
from tests.factories import RoleFactory, UnitFactory, UserFactory
from units.models import RoleKind, UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_admin(tree):
    user = UserFactory()
    RoleFactory(user=user, unit=tree["d2"], kind=RoleKind.ADMIN)
    return user


def _sheet(rows: list[list], headers=("单位编码", "样本量", "家长", "学生")) -> io.BytesIO:
    workbook = Workbook()
    for row in [list(headers), *rows]:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    out.name = "targets.xlsx"
    return out


def test_unit_targets_set_gives_a_unit_its_own_target_and_quotas(round, tree, users):
    OnlineSetting.objects.create(round=round, sample_target=30, quotas="parent:50")
    unit_targets_set(
        round=round, targets={tree["s1"].pk: Target(80, {"parent": 60, "student": 20})}, user=users["admin"]
    )
    setting = OnlineSetting.objects.get(round=round)
    assert UnitTarget.objects.get(unit=tree["s1"]).sample_target == 80
    assert unit_quotas(setting, [tree["s1"].pk, tree["s2"].pk]) == {
        tree["s1"].pk: {"parent": 60, "student": 20}, tree["s2"].pk: {"parent": 50}
    }  # fmt: skip
    unit_targets_set(round=round, targets={tree["s1"].pk: 40}, user=users["admin"])  # a bare number: the round's quotas
    assert unit_quotas(setting, [tree["s1"].pk])[tree["s1"].pk] == {"parent": 50}


def test_unit_targets_set_refuses_units_outside_the_users_subtree_or_the_round(round, tree, users, other_admin):
    outside_round = UnitFactory(code="S9", kind=UnitKind.SCHOOL, parent=tree["d1"])
    for user, unit in ((other_admin, tree["s1"]), (users["staff"], tree["s1"]), (users["admin"], outside_round)):
        with pytest.raises(ValidationError, match=unit.code):
            unit_targets_set(round=round, targets={unit.pk: 10}, user=user)
    with pytest.raises(ValidationError):  # all or nothing: S1 is not set either
        unit_targets_set(round=round, targets={tree["s1"].pk: 10, tree["s2"].pk: 10}, user=users["admin"])
    assert not UnitTarget.objects.exists()


@pytest.mark.parametrize(
    "target", [Target(-1), Target(10, {"parent": 0}), Target(10, {"parent": 70, "student": 40}), Target(10, {"x": 5})]
)
def test_unit_targets_set_refuses_bad_numbers(round, tree, users, target):
    with pytest.raises(ValidationError):
        unit_targets_set(round=round, targets={tree["s1"].pk: target}, user=users["admin"])
    assert not UnitTarget.objects.exists()


def test_the_form_sets_one_units_target_for_its_administrators_only(client_for, round, tree, users, other_admin):
    url = reverse("respond:targets", args=[round.code])
    data = {"unit": "S1", "sample_target": 50, "quotas": "家长:60"}
    assert client_for(users["staff"]).post(url, data).status_code == 403
    assert client_for(other_admin).post(url, data).status_code == 400  # S1 is not among D2's units
    client = client_for(users["admin"])
    bad = client.post(url, {**data, "quotas": "家长:160"})
    assert bad.status_code == 400 and "1 到 100" in bad.content.decode()
    assert client.post(url, {**data, "sample_target": "-3"}).status_code == 400
    assert not UnitTarget.objects.exists()
    assert client.post(url, data).status_code == 302
    target = UnitTarget.objects.get()
    assert (target.unit, target.sample_target, target.quotas) == (tree["s1"], 50, "parent:60")
    assert "parent:60" in client.get(url).content.decode()


def test_the_import_reads_quota_columns_all_or_nothing(client_for, round, tree, users):
    url = reverse("respond:targets", args=[round.code])
    client = client_for(users["admin"])
    bad = client.post(url, {"file": _sheet([["S1", 80, 60, 50], ["S1", 80, 120, None]])})
    page = bad.content.decode()
    assert bad.status_code == 400 and not UnitTarget.objects.exists()
    assert "第 2 行“学生”列：本行各类配额合计超过 100 %。" in page and "第 3 行“家长”列：请填写 1 到 100" in page
    assert client.post(url, {"file": _sheet([["S1", 80, "60%", None]])}).status_code == 302
    target = UnitTarget.objects.get()
    assert (target.sample_target, target.quotas) == (80, "parent:60")


def test_a_unit_stops_at_its_own_quota(round, tree, users, link, options):
    OnlineSetting.objects.create(round=round, sample_target=100, stop_when_full=True)
    unit_targets_set(round=round, targets={tree["s1"].pk: Target(2, {"parent": 50})}, user=users["admin"])
    indicator = round.ordered_indicators()[0]

    def send(i: int, kind: str):
        return submission_receive(link=link, answered=Answered(
            nonce=f"n{i}", started_at=timezone.now() - datetime.timedelta(minutes=2), address=f"10.0.0.{i}",
            user_agent="ua", device=f"d{i}", respondent_type=kind, answers={indicator.pk: options[1].pk},
        ))  # fmt: skip

    send(1, "parent")
    with pytest.raises(Refused):  # 50 % of 2: one parent
        send(2, "parent")
    send(3, "student")
    with pytest.raises(Refused):  # the unit's target of 2 is reached
        send(4, "student")
