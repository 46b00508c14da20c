"""The pages of samples and phone interviews: who may, who may not, bad input."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from respond.models import UnitTarget
from sampling.calls import call_draw, callers_assign
from sampling.models import CallAttempt, CallNumber, CallReveal, SamplePlan, UnitPopulation
from surveys.models import Option, Questionnaire, ResultChange
from tests.factories import RoleFactory, UserFactory
from units.models import RoleKind

pytestmark = pytest.mark.django_db


def url(name: str, round) -> str:
    return reverse(f"sampling:{name}", args=[round.code])


def _csv(text: str, name: str = "list.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


@pytest.fixture
def city_admin(tree):
    user = UserFactory()
    RoleFactory(user=user, unit=tree["city"], kind=RoleKind.ADMIN)
    return user


# ---------------------------------------------------------------- the plan


@pytest.mark.parametrize("who, status", [("admin", 200), ("superuser", 200), ("staff", 403), ("leader", 403),
                                         ("nobody", 404)])  # fmt: skip
def test_the_plan_page_is_for_administrators(client_for, users, round, who, status):
    assert client_for(users[who]).get(url("plan", round)).status_code == status


def test_an_administrator_sees_only_the_units_of_their_subtree(client_for, users, round):
    page = client_for(users["admin"]).get(url("plan", round)).content.decode()
    assert "S1" in page and "二区第一小学" not in page


def test_a_district_administrator_sets_a_population_of_their_unit_only(client_for, users, tree, round):
    client = client_for(users["admin"])
    assert client.post(url("population_set", round), {"unit": tree["s1"].pk, "population": 200}).status_code == 302
    assert UnitPopulation.objects.get(round=round, unit=tree["s1"]).population == 200
    assert client.post(url("population_set", round), {"unit": tree["s2"].pk, "population": 5}).status_code == 400
    assert client.post(url("population_set", round), {"unit": tree["s1"].pk, "population": -1}).status_code == 400
    assert client_for(users["staff"]).post(url("population_set", round), {"unit": tree["s1"].pk}).status_code == 403


def test_populations_from_excel_all_or_nothing(client_for, users, tree, round):
    client = client_for(users["admin"])
    bad = client.post(url("populations_upload", round), {"file": _csv("单位编码,人数\nS1,300\nS2,10\nS1,x\n")})
    assert bad.status_code == 400 and not UnitPopulation.objects.exists()
    page = bad.content.decode()
    assert "第 3 行" in page and "第 4 行" in page
    good = client.post(url("populations_upload", round), {"file": _csv("单位编码,人数\nS1,300\n")})
    assert good.status_code == 302 and UnitPopulation.objects.get(unit=tree["s1"]).population == 300


def test_the_settings_are_for_whoever_manages_the_round(client_for, users, city_admin, round):
    data = {"margin": "5", "confidence": "99", "max_attempts": 3, "retry_hours": 3, "verify_share": "5", "verify_minimum": 5,
            "doubtful_rate": "10", "quotas_text": "家长:60,学生:30"}  # fmt: skip
    assert client_for(users["admin"]).post(url("plan_settings", round), data).status_code == 403
    assert client_for(city_admin).post(url("plan_settings", round), data).status_code == 302
    plan = SamplePlan.objects.get(round=round)
    assert (plan.confidence, plan.quotas, plan.retry_hours) == (99, {"parent": 60, "student": 30}, 3)
    for bad in (
        {"margin": "0"},
        {"retry_hours": "0"},
        {"confidence": "80"},
        {"quotas_text": "家长:90,学生:30"},
        {"quotas_text": "猫:5"},
    ):
        assert client_for(city_admin).post(url("plan_settings", round), data | bad).status_code == 400


def test_applying_the_plan_as_targets_touches_only_the_users_units(client_for, users, tree, round):
    assert client_for(users["admin"]).post(url("plan_targets", round)).status_code == 302
    assert dict(UnitTarget.objects.values_list("unit__code", "sample_target")) == {"S1": 385}
    assert client_for(users["staff"]).post(url("plan_targets", round)).status_code == 403
    assert client_for(users["admin"]).get(url("plan_targets", round)).status_code == 405


# ---------------------------------------------------------------- call lists


def test_a_call_list_import_refuses_bad_and_repeated_phones(client_for, users, tree, round):
    client = client_for(users["admin"])
    text = "单位编码,电话,受访者类型\nS1,13900000001,家长\nS1,139-0000-0001,家长\nS1,12345,学生\nS2,13900000002,家长\n"
    response = client.post(url("call_list_upload", round), {"file": _csv(text)})
    assert response.status_code == 400 and not CallNumber.objects.exists()
    page = response.content.decode()
    assert all(f"第 {row} 行" in page for row in (3, 4, 5))
    ok = client.post(
        url("call_list_upload", round), {"file": _csv("单位编码,电话,受访者类型,姓名\nS1,13900000001,家长,王\n")}
    )
    assert ok.status_code == 302 and CallNumber.objects.get().name == "王"
    again = client.post(
        url("call_list_upload", round), {"file": _csv("单位编码,电话,受访者类型\nS1,13900000001,学生\n")}
    )
    assert again.status_code == 400 and CallNumber.objects.count() == 1


@pytest.mark.parametrize("who, status", [("admin", 200), ("staff", 403), ("leader", 403), ("nobody", 404)])
def test_the_call_lists_page_is_for_administrators(client_for, users, round, who, status):
    assert client_for(users[who]).get(url("calls", round)).status_code == status


def test_the_draw_is_for_whoever_manages_the_round_and_records_its_seed(client_for, users, city_admin, round, listed):
    assert client_for(users["admin"]).post(url("draw", round), {"seed": 5}).status_code == 403
    assert client_for(city_admin).post(url("draw", round), {"seed": "x"}).status_code == 302
    assert not CallNumber.objects.filter(draw__isnull=False).exists()
    response = client_for(city_admin).post(url("draw", round), {"seed": 5}, follow=True)
    assert "（种子 5）" in response.content.decode() or "seed 5" in response.content.decode()
    assert CallNumber.objects.filter(draw__seed=5).count() == 60


def test_assigning_a_caller_who_may_not_enter_for_the_unit_is_refused(client_for, users, tree, round, listed):
    call_draw(round=round, user=None, seed=1)
    client = client_for(users["admin"])
    other = UserFactory()
    RoleFactory(user=other, unit=tree["d2"], kind=RoleKind.STAFF)
    refused = client.post(url("assign", round), {"unit": tree["s1"].pk, "caller": users["leader"].pk, "count": 5})
    assert refused.status_code == 400
    assert client.post(url("assign", round), {"unit": tree["s1"].pk, "caller": other.pk, "count": 5}).status_code == 400
    ok = client.post(url("assign", round), {"unit": tree["s1"].pk, "caller": users["staff"].pk, "count": 5})
    assert ok.status_code == 302 and CallNumber.objects.filter(caller=users["staff"]).count() == 5


# ---------------------------------------------------------------- the caller's screen


@pytest.fixture
def assigned(round, tree, users, listed):
    call_draw(round=round, user=None, seed=1)
    callers_assign(round=round, unit=tree["s1"], caller=users["staff"], count=2)
    return list(CallNumber.objects.filter(caller=users["staff"]).order_by("id"))


def test_the_caller_sees_their_next_number_whole_and_the_reveal_is_logged(client_for, users, round, assigned):
    page = client_for(users["staff"]).get(url("dial", round)).content.decode()
    assert assigned[0].phone in page
    assert CallReveal.objects.filter(user=users["staff"], number=assigned[0]).count() == 1


def test_another_clerk_sees_no_number_of_the_caller(client_for, users, tree, round, assigned):
    other = UserFactory()
    RoleFactory(user=other, unit=tree["d1"], kind=RoleKind.STAFF)
    page = client_for(other).get(url("dial", round)).content.decode()
    assert assigned[0].phone not in page and 'id="no-number"' in page
    post = client_for(other).post(url("dial", round), {"number": assigned[0].pk, "result": "complete"})
    assert post.status_code == 404 and not CallAttempt.objects.exists()
    assert client_for(users["leader"]).get(url("dial", round)).status_code == 403
    assert client_for(users["nobody"]).get(url("dial", round)).status_code == 404


def test_a_result_is_recorded_and_a_reached_respondent_opens_the_questionnaire_here(client_for, users, tree, round,
                                                                                    assigned):  # fmt: skip
    client = client_for(users["staff"])
    response = client.post(url("dial", round), {"number": assigned[0].pk, "result": "no_answer"})
    assert response.status_code == 302 and response.url == url("dial", round)
    response = client.post(url("dial", round), {"number": assigned[1].pk, "result": "complete"})
    interview = reverse("sampling:interview", args=[round.code, assigned[1].pk])
    assert response.url == f"{interview}?result=complete"  # the phone is never in a URL
    assert not CallAttempt.objects.filter(number=assigned[1]).exists()  # recorded with the questionnaire
    page = client.get(response.url).content.decode()
    assert assigned[1].phone in page and "data-entry-form" in page and "js/entry.js" in page
    assert 'value="phone"' in page and 'value="mail"' not in page  # channel 电话 only
    assert client.post(url("dial", round), {"number": assigned[1].pk, "result": "bogus"}).status_code == 400


def _interview_data(round, number, **changes):
    indicators = round.ordered_indicators()
    first = Option.objects.filter(scale=round.scale).order_by("number").first()
    data = {"unit": number.unit_id, "respondent_type": number.respondent_type or "parent", "channel": "phone",
            "date": timezone.localdate().isoformat(), "number": "", "phone": number.phone, "result": "complete"}  # fmt: skip
    data |= {f"answer_{indicator.pk}": first.number for indicator in indicators}
    return data | changes


def test_saving_the_interview_writes_the_questionnaire_and_records_the_attempt(client_for, users, tree, round,
                                                                               assigned):  # fmt: skip
    client = client_for(users["staff"])
    number = assigned[0]
    interview = reverse("sampling:interview", args=[round.code, number.pk])
    response = client.post(interview, _interview_data(round, number))
    assert response.status_code == 302 and response.url == url("dial", round)
    attempt = CallAttempt.objects.get(number=number)
    questionnaire = Questionnaire.objects.get(pk=attempt.questionnaire_ref)
    assert (attempt.result, attempt.caller) == ("complete", users["staff"])
    assert (questionnaire.unit_id, questionnaire.channel, questionnaire.phone) == (
        number.unit_id,
        "phone",
        number.phone,
    )
    assert ResultChange.objects.filter(
        questionnaire_id_ref=questionnaire.pk, detail__source="phone"
    ).exists()  # the writer
    number.refresh_from_db()
    assert number.disposition == "I"
    # Partly completed: the same, with a P attempt.
    other = assigned[1]
    partial = reverse("sampling:interview", args=[round.code, other.pk])
    assert client.post(partial, _interview_data(round, other, result="partial")).status_code == 302
    assert CallAttempt.objects.get(number=other).result == "partial"


def test_the_interview_refuses_others_and_bad_input(client_for, users, tree, round, assigned):
    number = assigned[0]
    interview = reverse("sampling:interview", args=[round.code, number.pk])
    other = UserFactory()
    RoleFactory(user=other, unit=tree["d1"], kind=RoleKind.STAFF)  # may enter for S1, but not its caller
    assert client_for(other).get(interview).status_code == 404
    assert client_for(other).post(interview, _interview_data(round, number)).status_code == 404
    assert client_for(users["leader"]).get(interview).status_code == 403
    assert client_for(users["nobody"]).get(interview).status_code == 404
    client = client_for(users["staff"])
    assert client.get(interview, {"result": "refused"}).status_code == 400
    assert client.post(interview, _interview_data(round, number, channel="paper")).status_code == 400
    assert client.post(interview, _interview_data(round, number, unit=tree["s2"].pk)).status_code == 400
    assert client.post(interview, _interview_data(round, number, date="yesterday")).status_code == 400
    assert not CallAttempt.objects.exists() and not Questionnaire.objects.exists()
    round.status = "closed"
    round.save(update_fields=["status"])
    assert client.get(interview).status_code == 302  # back to the screen: nothing can be entered


def test_firm_records_upload_for_staff_only(client_for, users, round, listed):
    text = "单位编码,电话,拨打时间,结果\nS1,13900000000,2026-05-01 18:30,完成\n"
    assert client_for(users["leader"]).get(url("records", round)).status_code == 403
    bad = client_for(users["staff"]).post(url("records", round), {"file": _csv(text.replace("完成", "好"))})
    assert bad.status_code == 400 and not CallAttempt.objects.exists()
    ok = client_for(users["staff"]).post(url("records", round), {"file": _csv(text)})
    assert ok.status_code == 302 and CallNumber.objects.get(phone="13900000000").disposition == "I"


def _xlsx(rows: list[list]) -> SimpleUploadedFile:
    import io

    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.close()
    return SimpleUploadedFile("list.xlsx", out.getvalue())


def test_a_call_list_from_excel_with_phones_as_numbers_and_lost_digits(client_for, users, tree, round):
    client = client_for(users["admin"])
    lost = _xlsx([["单位编码", "电话", "受访者类型"], ["S1", 13900000001, "家长"], ["S1", "1.39123E+10", "学生"]])
    refused = client.post(url("call_list_upload", round), {"file": lost})
    assert refused.status_code == 400 and "Excel" in refused.content.decode() and not CallNumber.objects.exists()
    good = _xlsx([["单位编码", "电话", "受访者类型"], ["S1", 13900000001, "家长"], ["s1", "139 0000 0002", "学生"]])
    assert client.post(url("call_list_upload", round), {"file": good}).status_code == 302
    assert sorted(CallNumber.objects.values_list("phone", "respondent_type")) == [
        ("13900000001", "parent"), ("13900000002", "student"),
    ]  # fmt: skip


def test_uploads_and_lists_refuse_staff_and_wrong_methods(client_for, users, round):
    staff = client_for(users["staff"])
    assert staff.post(url("populations_upload", round), {"file": _csv("单位编码,人数\nS1,3\n")}).status_code == 403
    assert staff.post(url("call_list_upload", round), {"file": _csv("单位编码,电话,受访者类型\n")}).status_code == 403
    assert staff.post(url("assign", round), {}).status_code == 403
    admin = client_for(users["admin"])
    for name in ("plan_settings", "population_set", "populations_upload", "call_list_upload", "draw", "assign"):
        assert admin.get(url(name, round)).status_code == 405, name
    missing = admin.post(url("call_list_upload", round), {"file": _csv("单位编码,电话\nS1,13900000001\n")})
    assert missing.status_code == 400 and "受访者类型" in missing.content.decode()


def test_a_callers_rates_on_the_page_count_only_the_numbers_of_the_users_units(client_for, users, tree, round, listed):
    from sampling.calls import attempt_record, call_rates

    caller = UserFactory(username="caller-both")
    RoleFactory(user=caller, unit=tree["d1"], kind=RoleKind.STAFF)
    call_draw(round=round, user=None, seed=1)
    callers_assign(round=round, unit=tree["s1"], caller=caller, count=1)
    callers_assign(round=round, unit=tree["s2"], caller=caller, count=1)
    for number in CallNumber.objects.filter(caller=caller):
        attempt_record(number=number, result="complete", user=caller)
    assert call_rates(round).by_caller[caller.pk].I == 2
    assert call_rates(round, caller_units={tree["s1"].pk}).by_caller[caller.pk].I == 1
    page = client_for(users["admin"]).get(url("calls", round))
    row = next(r for r in page.context["by_caller"] if r["caller"] == "caller-both")
    assert row["counts"].I == 1
