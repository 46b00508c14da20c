"""Assessment pages: who may use each, who may not, bad input."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document

from assessment.models import NoticeJob, NoticeTemplate, Result, Scheme
from assessment.services import scheme_create
from outreach.models import Household, Visit
from tests.factories import HouseholdFactory, RoleFactory, UserFactory
from units.models import RoleKind, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheme(round, assessed):
    """A scheme for the schools of district D1 (S1, S3, S4), attached to the round."""
    return scheme_create(
        name="一区学校考核", scope=Unit.objects.get(code="D1"), level="school", rounds=[round],
        components=[{"kind": "rate"}, {"kind": "rank"}, {"kind": "overdue"}, {"kind": "callback"}], by=None,
    )  # fmt: skip


def _page(scheme, round):
    return reverse("assessment:scheme_round", args=[scheme.pk, round.code])


# ---------------------------------------------------------------- the scheme's page


@pytest.mark.parametrize("role", ["admin", "staff", "leader", "superuser"])
def test_who_sees_the_scope_sees_the_table_and_why(client_for, users, scheme, round, assessed, role):
    response = client_for(users[role]).get(_page(scheme, round))
    assert response.status_code == 200
    page = response.content.decode()
    assert "一区第三小学" in page and "不得评先评优" in page
    for concern in assessed["late"]:
        assert reverse("ledger:concern", args=[concern.pk]) in page  # the concerns behind the deduction


def test_a_user_outside_the_scope_does_not_find_it(client_for, users, scheme, round, tree):
    other = UserFactory()
    RoleFactory(user=other, unit=tree["d2"], kind=RoleKind.ADMIN)
    assert client_for(other).get(_page(scheme, round)).status_code == 404
    assert client_for(users["nobody"]).get(_page(scheme, round)).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, scheme, round):
    assert client.get(_page(scheme, round)).status_code == 302


def test_a_round_the_scheme_is_not_attached_to_is_not_found(client_for, users, scheme, earlier_round):
    assert client_for(users["admin"]).get(_page(scheme, earlier_round)).status_code == 404
    assert client_for(users["admin"]).get(reverse("assessment:scheme_round", args=[999, "R2026"])).status_code == 404


def test_a_schools_leader_does_not_find_the_districts_scheme(client_for, users, scheme, round):
    leader = UserFactory()
    RoleFactory(user=leader, unit=Unit.objects.get(code="S1"), kind=RoleKind.LEADER)
    assert client_for(leader).get(_page(scheme, round)).status_code == 404


def test_administrators_publish_and_the_result_stays(client_for, users, scheme, round):
    client = client_for(users["admin"])
    response = client.post(reverse("assessment:publish", args=[scheme.pk, round.code]))
    assert response.status_code == 302
    result = Result.objects.get()
    assert result.rows.count() == 3 and result.version.number == 1
    form = {
        "name": "一区学校考核",
        "scope": "D1",
        "level": "school",
        "rounds": round.code,
        "rate__on": "on",
        "rate__worth": "10",
    }
    assert client.post(reverse("assessment:scheme_edit", args=[scheme.pk]), form).status_code == 302
    assert scheme.versions.count() == 2
    page = client.get(_page(scheme, round)).content.decode()
    assert "6.75" in page  # S1's published total, under version 1
    live = client.get(_page(scheme, round) + "?live=1").content.decode()
    assert "10.00" in live


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_staff_and_leaders_may_not_publish_or_edit(client_for, users, scheme, round, role):
    client = client_for(users[role])
    assert client.post(reverse("assessment:publish", args=[scheme.pk, round.code])).status_code == 403
    assert client.get(reverse("assessment:scheme_edit", args=[scheme.pk])).status_code == 403
    assert client.get(reverse("assessment:scheme_create")).status_code == 403
    assert not Result.objects.exists()


def test_publish_is_a_post(client_for, users, scheme, round):
    assert (
        client_for(users["admin"]).get(reverse("assessment:publish", args=[scheme.pk, round.code])).status_code == 405
    )


def test_the_excel_export_has_the_table_and_the_breakdown(client_for, users, scheme, round):
    response = client_for(users["leader"]).get(reverse("assessment:scheme_export", args=[scheme.pk, round.code]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    table = list(book.worksheets[0].iter_rows(values_only=True))
    codes = [row[0] for row in table[2:]]
    assert codes == ["S1", "S3", "S4"]
    assert any("不得评先评优" in str(cell) for row in table for cell in row)
    breakdown = list(book.worksheets[1].iter_rows(values_only=True))
    assert len(breakdown) == 2 + 3 * 4  # title, header, four components for each of three schools


# ---------------------------------------------------------------- defining a scheme


def test_an_administrator_defines_a_scheme(client_for, users, round):
    form = {
        "name": "新方案", "scope": "D1", "level": "school", "rounds": round.code,
        "rate__on": "on", "rate__worth": "5", "visits__on": "on", "visits__points": "2", "visits__cap": "",
    }  # fmt: skip
    response = client_for(users["admin"]).post(reverse("assessment:scheme_create"), form)
    assert response.status_code == 302
    scheme = Scheme.objects.get(name="新方案")
    assert [c["kind"] for c in scheme.current.components] == ["rate", "visits"]
    assert scheme.current.components[1]["cap"] is None


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"scope": "D2"}, "D2"),  # not theirs to manage
        ({"rounds": "R2026, NOPE"}, "NOPE"),
        ({"rate__worth": "-1"}, ""),
        ({"rate__on": ""}, ""),  # no component at all
        ({"level": "planet"}, "planet"),
    ],
)
def test_bad_schemes_are_refused_naming_what_is_wrong(client_for, users, round, change, words):
    form = {
        "name": "新方案",
        "scope": "D1",
        "level": "school",
        "rounds": round.code,
        "rate__on": "on",
        "rate__worth": "5",
    }
    form.update(change)
    response = client_for(users["admin"]).post(reverse("assessment:scheme_create"), form)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not Scheme.objects.exists()


def test_the_index_lists_the_schemes_in_scope(client_for, users, scheme, tree):
    assert "一区学校考核" in client_for(users["leader"]).get(reverse("assessment:index")).content.decode()
    other = UserFactory()
    RoleFactory(user=other, unit=tree["d2"], kind=RoleKind.ADMIN)
    assert "一区学校考核" not in client_for(other).get(reverse("assessment:index")).content.decode()


# ---------------------------------------------------------------- people


@pytest.fixture
def teacher(tree, users):
    user = UserFactory(first_name="张老师")
    RoleFactory(user=user, unit=tree["s1"], kind=RoleKind.STAFF)
    for n in range(3):
        household = HouseholdFactory(unit=tree["s1"], assigned_to=user)
        if n < 2:
            Visit.objects.create(household=household, date=_today(), method="home", by=user, notes="家访",
                                 phone_check="ok")  # fmt: skip
    return user


def _today():
    from django.utils import timezone

    return timezone.localdate()


def test_people_of_a_unit_with_their_visits(client_for, users, teacher, tree):
    response = client_for(users["leader"]).get(reverse("assessment:people", args=["S1"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "张老师" in page
    assert Household.objects.filter(assigned_to=teacher).count() == 3


def test_people_export(client_for, users, teacher):
    response = client_for(users["staff"]).get(reverse("assessment:people_export", args=["S1"]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["张老师"][3:6] == (10, 3, 2)  # quota, households, visited this period


def test_people_of_another_district_are_not_found(client_for, users):
    assert client_for(users["admin"]).get(reverse("assessment:people", args=["S2"])).status_code == 404
    assert client_for(users["admin"]).get(reverse("assessment:people_export", args=["S2"])).status_code == 404


def test_people_with_a_bad_period(client_for, users):
    client = client_for(users["admin"])
    assert client.get(reverse("assessment:people", args=["S1"]), {"first": "yesterday"}).status_code == 400
    response = client.get(reverse("assessment:people", args=["S1"]), {"first": "2026-06-01", "last": "2026-05-01"})
    assert response.status_code == 400


# ---------------------------------------------------------------- the 通报


def test_the_ranking_page_has_the_notice_button(client_for, users, round, assessed):
    page = client_for(users["leader"]).get(reverse("reports:ranking", args=[round.code]), {"scope": "D1"})
    assert reverse("assessment:notice_create", args=[round.code]) in page.content.decode()


def test_a_notice_job_builds_the_document(client_for, users, round, assessed, django_capture_on_commit_callbacks):
    client = client_for(users["leader"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assessment:notice_create", args=[round.code]), {"scope": "D1", "level": "school"}
        )
    assert response.status_code == 302
    job = NoticeJob.objects.get()
    assert job.status == "done", job.error
    assert client.get(reverse("assessment:notice_job", args=[job.pk])).status_code == 200
    download = client.get(reverse("assessment:notice_download", args=[job.pk]))
    assert download.status_code == 200
    document = Document(io.BytesIO(b"".join(download.streaming_content)))
    assert [row.cells[1].text for row in document.tables[0].rows[1:]] == [
        "一区第一小学",
        "一区第二小学",
        "一区第三小学",
    ]


def test_notice_jobs_are_their_owners_only(client_for, users, round, assessed):
    client_for(users["leader"]).post(
        reverse("assessment:notice_create", args=[round.code]), {"scope": "D1", "level": "school"}
    )
    job = NoticeJob.objects.get()
    other = client_for(users["admin"])
    assert other.get(reverse("assessment:notice_job", args=[job.pk])).status_code == 404
    assert other.get(reverse("assessment:notice_download", args=[job.pk])).status_code == 404


@pytest.mark.parametrize(
    ("data", "status"), [({"scope": "D2", "level": "school"}, 404), ({"scope": "D1", "level": "planet"}, 400)]
)
def test_a_notice_for_a_bad_scope_or_level_is_refused(client_for, users, round, data, status):
    response = client_for(users["leader"]).post(reverse("assessment:notice_create", args=[round.code]), data)
    assert response.status_code == status
    assert not NoticeJob.objects.exists()


def _docx(text: str) -> bytes:
    document = Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_an_administrator_uploads_a_template(client_for, users, round, assessed, django_capture_on_commit_callbacks):
    client = client_for(users["admin"])
    url = reverse("assessment:notice_template", args=["D1"])
    upload = SimpleUploadedFile("mine.docx", _docx("{{ title }}"))
    assert client.post(url, {"file": upload, "office": "一区教育局"}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(users["leader"]).post(
            reverse("assessment:notice_create", args=[round.code]), {"scope": "D1", "level": "school"}
        )
    job = NoticeJob.objects.get()
    document = Document(job.file.path)
    assert [p.text for p in document.paragraphs] == ["关于R2026 满意度调查一区各学校测评结果的通报"]
    assert response.status_code == 302
    client = client_for(users["admin"])
    assert client.post(url, {"remove": "1"}).status_code == 302
    assert not NoticeTemplate.objects.exists()


@pytest.mark.parametrize(("name", "content"), [("mine.txt", b"hello"), ("mine.docx", b"not a zip")])
def test_a_bad_template_is_refused(client_for, users, name, content):
    response = client_for(users["admin"]).post(
        reverse("assessment:notice_template", args=["D1"]), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_only_administrators_change_the_template(client_for, users, role):
    assert client_for(users[role]).get(reverse("assessment:notice_template", args=["D1"])).status_code == 403


def test_the_export_of_a_scheme_outside_ones_units_is_not_found(client_for, tree, scheme, round):
    other = UserFactory()
    RoleFactory(user=other, unit=tree["d2"], kind=RoleKind.LEADER)
    assert client_for(other).get(reverse("assessment:scheme_export", args=[scheme.pk, round.code])).status_code == 404


def test_the_notice_button_answers_htmx_with_the_job(client_for, users, round, assessed):
    response = client_for(users["leader"]).post(
        reverse("assessment:notice_create", args=[round.code]),
        {"scope": "D1", "level": "school"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    job = NoticeJob.objects.get()
    assert f"notice-job-{job.pk}" in response.content.decode()
    bad = client_for(users["leader"]).post(
        reverse("assessment:notice_create", args=[round.code]),
        {"scope": "D1", "level": "x"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 200 and NoticeJob.objects.count() == 1  # htmx swaps in only 2xx answers
