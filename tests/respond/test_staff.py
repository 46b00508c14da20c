"""Staff pages of online answering: who may use them, who may not, and what they do."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from respond.models import Invitation, Mode, OnlineSetting, Status, Submission, SurveyLink
from respond.services import Answered, links_ensure, submission_receive
from surveys.models import Questionnaire, ResultChange
from surveys.tallies import tally_mismatches
from tests.factories import RoleFactory, UserFactory, make_round
from units.models import RoleKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_admin(tree):
    """An administrator of district D2: S1 (in D1) is outside their subtree."""
    user = UserFactory()
    RoleFactory(user=user, unit=tree["d2"], kind=RoleKind.ADMIN)
    return user


def _page_urls(round, unit) -> list[str]:
    return [
        reverse("respond:links", args=[round.code]),
        reverse("respond:qr_png", args=[round.code, unit.code]),
        reverse("respond:qr_svg", args=[round.code, unit.code]),
        reverse("respond:posters", args=[round.code]) + f"?unit={unit.code}",
        reverse("respond:invitations", args=[round.code]),
    ]


def test_links_and_qr_codes_are_for_administrators_of_the_unit(client_for, users, round, tree):
    client = client_for(users["admin"])
    links = client.get(reverse("respond:links", args=[round.code]))
    assert links.status_code == 200
    page = links.content.decode()
    link = SurveyLink.objects.active().get(round=round, unit=tree["s1"])
    assert link.token in page and tree["s2"].name not in page  # S2 lies outside the admin's district
    png = client.get(reverse("respond:qr_png", args=[round.code, "S1"]))
    assert png.status_code == 200 and png["Content-Type"] == "image/png" and png.content[:4] == b"\x89PNG"
    svg = client.get(reverse("respond:qr_svg", args=[round.code, "S1"]))
    assert svg.status_code == 200 and b"<svg" in svg.content
    poster = client.get(reverse("respond:posters", args=[round.code]) + "?unit=S1").content.decode()
    assert round.name in poster and tree["s1"].name in poster and "<svg" in poster and link.token in poster


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_staff_and_leaders_may_not_manage_links(client_for, users, round, tree, role):
    client = client_for(users[role])
    assert [client.get(url).status_code for url in _page_urls(round, tree["s1"])] == [403] * 5


def test_an_administrator_of_another_district_gets_404_for_a_unit_outside(client_for, other_admin, round, tree):
    client = client_for(other_admin)
    for url in _page_urls(round, tree["s1"])[1:4]:
        assert client.get(url).status_code == 404
    assert client.post(reverse("respond:revoke", args=[round.code, "S1"])).status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, round, tree):
    others = [reverse(f"respond:{name}", args=[round.code]) for name in ["held", "opinions", "progress"]]
    for url in [*_page_urls(round, tree["s1"]), *others]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response.url


def test_a_round_outside_the_users_scope_is_404(client_for, tree, users):
    other = make_round([tree["s2"]], code="OTHER")
    client = client_for(users["admin"])
    for name in ["respond:links", "respond:held", "respond:progress", "respond:invitations"]:
        assert client.get(reverse(name, args=[other.code])).status_code == 404


def test_reissue_and_revoke(client_for, users, round, tree):
    client = client_for(users["admin"])
    old = links_ensure(round, [tree["s1"]])[tree["s1"].pk]
    assert client.get(reverse("respond:reissue", args=[round.code, "S1"])).status_code == 405
    assert client.post(reverse("respond:reissue", args=[round.code, "S1"])).status_code == 302
    new = SurveyLink.objects.active().get(round=round, unit=tree["s1"])
    assert new.token != old.token
    assert client.get(reverse("respond:answer", args=[old.token])).status_code == 404
    client.post(reverse("respond:revoke", args=[round.code, "S1"]))
    assert not SurveyLink.objects.active().filter(round=round, unit=tree["s1"]).exists()
    assert client.get(reverse("respond:answer", args=[new.token])).status_code == 404


def test_posters_of_a_subtree_on_one_page(client_for, users, round, tree):
    page = client_for(users["superuser"]).get(reverse("respond:posters", args=[round.code]) + "?under=C")
    assert page.status_code == 200
    assert page.content.decode().count('class="poster"') == 2


def test_the_round_setting_is_changed_by_who_manages_the_round(client_for, users, round):
    url = reverse("respond:setting_save", args=[round.code])
    data = {"mode": Mode.INVITATION, "respondent_types": ["parent"], "address_hourly_limit": 10,
            "sample_target": 50, "invitation_text": "请家长扫码"}  # fmt: skip
    # The district admin does not hold every participant (S2 is in D2): they may not change the round's setting.
    assert client_for(users["admin"]).post(url, data).status_code == 403
    assert client_for(users["superuser"]).post(url, data).status_code == 302
    setting = OnlineSetting.objects.get(round=round)
    assert (setting.mode, setting.sample_target, setting.respondent_types) == (Mode.INVITATION, 50, "parent")


def _sheet(rows: list[list], headers: tuple = ("单位编码", "电话", "姓名", "受访者类型")) -> io.BytesIO:
    workbook = Workbook()
    for row in [list(headers), *rows]:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    out.name = "invitations.xlsx"
    return out


def test_an_invitation_list_imports_all_or_nothing(client_for, users, round):
    client = client_for(users["admin"])
    url = reverse("respond:invitations", args=[round.code])
    bad = client.post(url, {"file": _sheet([["S1", "13812345678", "", "家长"], ["S2", "", "李四", "教师"],
                                            ["S1", "abc", "", "家长"], ["S1", "", "", "外星人"]])})  # fmt: skip
    assert bad.status_code == 400 and not Invitation.objects.exists()
    text = bad.content.decode()
    assert "第 3 行“单位编码”列：无法识别“S2”。" in text  # S2 is outside the administrator's district
    assert "第 4 行“电话”列：不是电话号码" in text
    assert "第 5 行“受访者类型”列：无法识别“外星人”。" in text
    good = client.post(url, {"file": _sheet([["S1", "13812345678", "", "家长"], ["S1", "", "李四", "教师"]])})
    assert good.status_code == 302
    assert sorted(Invitation.objects.values_list("respondent_type", flat=True)) == ["parent", "teacher"]
    assert len({i.code for i in Invitation.objects.all()}) == 2


def test_the_invitation_list_shows_who_answered_not_what(client_for, users, round, tree, link, answer_data):
    OnlineSetting.objects.update_or_create(round=round, defaults={"mode": Mode.INVITATION})
    invitation = Invitation.objects.create(round=round, unit=tree["s1"], name="王五", respondent_type="parent")
    Client().post(reverse("respond:answer", args=[link.token]), answer_data(code=invitation.code, opinion="秘密意见"))
    page = client_for(users["admin"]).get(reverse("respond:invitations", args=[round.code])).content.decode()
    assert "王五" in page and "秘密意见" not in page
    invitation.refresh_from_db()
    assert invitation.used_at is not None


def _held(link, n: int = 1) -> list[Submission]:
    """``n`` answers held for being too fast (sent 2 s after the form was shown)."""
    held = []
    for i in range(n):
        answered = Answered(
            nonce=f"held-{link.pk}-{i}", started_at=timezone.now() - datetime.timedelta(seconds=2),
            address=f"10.0.0.{i}", user_agent="test", device=f"device-{i}", respondent_type="parent",
            answers={link.round.ordered_indicators()[0].pk: link.round.scale.options.get(number=1).pk},
        )  # fmt: skip
        held.append(submission_receive(link=link, answered=answered))
    return held


def test_held_answers_count_nowhere_until_accepted(client_for, users, round, link):
    held = _held(link, 3)
    assert {s.status for s in held} == {Status.HELD} and {s.flags for s in held} == {"fast"}
    assert not Questionnaire.objects.exists()
    client = client_for(users["staff"])
    url = reverse("respond:held", args=[round.code])
    page = client.get(url).content.decode()
    assert "答题用时短于最短时间" in page
    assert client.post(url, {"decision": "accept", "ids": [held[0].pk, held[1].pk], "reason": ""}).status_code == 400
    response = client.post(url, {"decision": "accept", "ids": [held[0].pk, held[1].pk], "reason": "家长会现场扫码"})
    assert response.status_code == 302
    assert Questionnaire.objects.filter(channel="online").count() == 2
    assert tally_mismatches(round.id) == []
    changes = ResultChange.objects.filter(action="created", user=users["staff"])
    assert changes.count() == 2 and {c.detail["source"] for c in changes} == {"online"}
    client.post(url, {"decision": "reject", "ids": [held[2].pk], "reason": "重复"})
    held[2].refresh_from_db()
    assert (held[2].status, held[2].reason, held[2].reviewed_by) == (Status.REJECTED, "重复", users["staff"])
    assert Questionnaire.objects.count() == 2


def test_held_answers_of_another_district_cannot_be_decided(client_for, other_admin, users, round, link):
    (submission,) = _held(link)
    client = client_for(other_admin)
    url = reverse("respond:held", args=[round.code])
    assert "没有待审核的答卷" in client.get(url).content.decode()
    response = client.post(url, {"decision": "accept", "ids": [submission.pk], "reason": "x"})
    assert response.status_code == 400
    submission.refresh_from_db()
    assert submission.status == Status.HELD
    assert client_for(users["leader"]).get(url).status_code == 403


def test_progress_rolls_up_to_the_district(client_for, users, round, link, answer_data):
    OnlineSetting.objects.update_or_create(round=round, defaults={"sample_target": 4})
    for _ in range(2):
        browser = Client()
        browser.get(reverse("respond:answer", args=[link.token]))
        browser.post(reverse("respond:answer", args=[link.token]), answer_data())
    _held(link)
    client = client_for(users["leader"])
    page = client.get(reverse("respond:progress", args=[round.code])).content.decode()
    assert "一区" in page and "一区第一小学" in page and "二区第一小学" not in page
    assert "4 (50 %)" in page  # S1 and D1: 2 of 4
    download = client.get(reverse("respond:progress", args=[round.code]) + "?format=xlsx")
    workbook = load_workbook(io.BytesIO(download.getvalue()))
    header, *rows = workbook.active.iter_rows(min_row=2, values_only=True)
    assert header == ("单位编码", "单位", "今日", "合计", "待审核", "目标", "网络", "家长")
    assert rows == [("D1", "一区", 2, 2, 1, 4, 2, 2), ("S1", "一区第一小学", 2, 2, 1, 4, 2, 2)]


def test_the_round_page_polls_the_progress_panel_and_counts_held_answers(client_for, users, round, link):
    _held(link, 2)
    page = client_for(users["staff"]).get(reverse("surveys:round_detail", args=[round.code])).content.decode()
    assert reverse("respond:progress", args=[round.code]) in page and "every 20s" in page
    assert page.count('id="online-progress"') == 1 and page.index("<title>") < page.index("</title>") < page.index(
        "online-progress"
    )
    assert reverse("respond:held", args=[round.code]) in page
    assert '<span class="badge text-bg-warning" id="held-count">2</span>' in page


def test_the_survey_links_command(round, tree, capsys):
    call_command("survey_links", round.code, "--base-url", "https://manyi.example.cn/", "--format", "json")
    rows = json.loads(capsys.readouterr().out)
    assert [r["单位编码"] for r in rows] == ["S1", "S2"]
    token = SurveyLink.objects.active().get(round=round, unit=tree["s1"]).token
    assert rows[0] == {"单位编码": "S1", "单位名称": tree["s1"].name, "URL": f"https://manyi.example.cn/s/{token}/"}
    call_command("survey_links", round.code, "--under", "D2", "--base-url", "https://x.cn")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "单位编码,单位名称,URL" and len(out) == 2 and out[1].startswith("S2,")


def test_an_opinion_becomes_one_anonymous_ledger_concern(client_for, users, round, link, answer_data):
    from ledger.models import CategoryOfConcern, Concern

    Client().post(
        reverse("respond:answer", args=[link.token]), answer_data(opinion="食堂饭菜太咸", phone="13812345678")
    )
    submission = Submission.objects.get()
    client = client_for(users["staff"])
    page = client.get(reverse("respond:opinions", args=[round.code])).content.decode()
    assert "食堂饭菜太咸" in page
    category = CategoryOfConcern.objects.get(code="canteen")
    url = reverse("respond:opinion_concern", args=[round.code, submission.pk])
    response = client.post(url, {"category": category.pk})
    concern = Concern.objects.get()
    assert response.status_code == 302 and response.url == reverse("ledger:concern", args=[concern.pk])
    assert (concern.text, concern.unit, concern.raiser_phone) == ("食堂饭菜太咸", link.unit, "")
    client.post(url, {"category": category.pk})
    assert Concern.objects.count() == 1


def test_opinions_are_for_staff_of_the_unit(client_for, users, other_admin, round, link, answer_data):
    Client().post(reverse("respond:answer", args=[link.token]), answer_data(opinion="意见"))
    submission = Submission.objects.get()
    assert client_for(users["leader"]).get(reverse("respond:opinions", args=[round.code])).status_code == 403
    outsider = client_for(other_admin)
    assert "意见</td>" not in outsider.get(reverse("respond:opinions", args=[round.code])).content.decode()
    url = reverse("respond:opinion_concern", args=[round.code, submission.pk])
    assert outsider.post(url, {"category": 1}).status_code == 404


def test_unit_targets_import_all_or_nothing_and_show_in_progress(client_for, users, round, tree):
    OnlineSetting.objects.update_or_create(round=round, defaults={"sample_target": 30})
    client = client_for(users["admin"])
    url = reverse("respond:targets", args=[round.code])

    bad = client.post(url, {"file": _sheet([["S1", 80], ["S2", 10], ["S1", -1]], headers=("单位编码", "样本目标"))})
    assert bad.status_code == 400
    assert (
        "第 3 行“单位编码”列：无法识别“S2”。" in bad.content.decode()
        and "第 4 行“样本目标”列：请填写 0 或更大的整数。" in bad.content.decode()
    )
    assert client.post(url, {"file": _sheet([["S1", 80]], headers=("单位编码", "样本目标"))}).status_code == 302
    page = client_for(users["superuser"]).get(reverse("respond:progress", args=[round.code])).content.decode()
    assert "80 (0 %)" in page and "30 (0 %)" in page and "110 (0 %)" in page  # S1, S2, and the city above both
    assert client_for(users["staff"]).get(url).status_code == 403


def test_the_unit_page_says_how_many_answers_are_held_and_counts_none_of_them(client_for, users, round, tree):
    def held(unit) -> Submission:
        return Submission.objects.create(round=round, unit=unit, started_at=timezone.now(), address_hash="-",
                                         mode=Mode.OPEN, nonce=f"n-{Submission.objects.count()}",
                                         respondent_type="parent", status=Status.HELD)  # fmt: skip

    held(tree["s1"]), held(tree["s1"]), held(tree["s2"])
    client = client_for(users["leader"])
    page = client.get(reverse("reports:unit", args=[round.code, "S1"])).content.decode()
    assert 'id="held-answers"' in page and "另有 2 份网上答卷待审核，未计入" in page
    district = client.get(reverse("reports:unit", args=[round.code, "D1"])).content.decode()
    assert "另有 2 份网上答卷待审核" in district  # S2's answer lies in the other district
    Submission.objects.filter(unit=tree["s1"]).update(status=Status.REJECTED)
    assert 'id="held-answers"' not in client.get(reverse("reports:unit", args=[round.code, "S1"])).content.decode()
