"""The import pages: who may use them, wrong methods, bad input, the job page, its downloads."""

import csv
import html
import io

import pytest
from django.urls import reverse

from imports.models import ImportJob, JobStatus
from surveys.models import Questionnaire, RoundStatus
from tests.factories import make_round
from tests.imports.conftest import HEADER, reasons, row, upload_file, write_csv, write_xlsx

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}  # pages whose words are checked are read in English


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def job(round, run_import, tmp_path):
    """A refused job of the staff of D1: row 3 has an unknown unit and a phone."""
    rows = [row("Q1", phone="13812345678"), row("Q2", unit="S9", phone="13987654321")]
    return run_import(round, write_csv(tmp_path / "bad.csv", rows))


@pytest.fixture
def d1_round(tree):
    """A round in which only S1 (district D1) takes part: invisible to the staff of D2."""
    return make_round([tree["s1"]], code="R-D1")


def urls(round, job) -> list[str]:
    return [
        reverse("imports:upload", args=[round.code]),
        reverse("imports:template", args=[round.code]),
        reverse("imports:job", args=[job.pk]),
        reverse("imports:progress", args=[job.pk]),
        reverse("imports:error_file", args=[job.pk]),
    ]


def test_anonymous_is_sent_to_login(client, round, job):
    for url in [*urls(round, job), reverse("imports:rerun", args=[job.pk])]:
        response = client.post(url) if url.endswith("/rerun/") else client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["staff", "superuser"])
def test_staff_and_superusers_use_every_page(client_for, users, round, job, role):
    if role == "superuser":
        ImportJob.objects.filter(pk=job.pk).update(user=users["superuser"])
    client = client_for(users[role])
    for url in urls(round, job):
        assert client.get(url).status_code == 200, url


def test_administrators_in_scope_may_import(client_for, users, round, tmp_path, django_capture_on_commit_callbacks):
    client = client_for(users["admin"])
    assert client.get(reverse("imports:upload", args=[round.code])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports:upload", args=[round.code]),
            {"file": upload_file(write_csv(tmp_path / "a.csv", [row()])), "kind": "questionnaires"},
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("imports:job", args=[job.pk])
    assert (job.status, job.user, Questionnaire.objects.count()) == (JobStatus.SUCCEEDED, users["admin"], 1)


def test_leaders_see_the_round_but_may_not_import(client_for, users, round, job):
    client = client_for(users["leader"])
    for url in urls(round, job):
        assert client.get(url).status_code == 403, url
    response = client.post(reverse("imports:upload", args=[round.code]), {"kind": "questionnaires"})
    assert response.status_code == 403
    assert client.post(reverse("imports:rerun", args=[job.pk])).status_code == 403


def test_another_district_gets_not_found_and_no_data(client_for, other_staff, users, d1_round, round, job):
    client = client_for(other_staff)
    for url in [reverse("imports:upload", args=[d1_round.code]), reverse("imports:template", args=[d1_round.code])]:
        response = client.get(url)
        assert response.status_code == 404
        assert d1_round.name not in text(response)
    # The round of the job is visible to D2 (S2 takes part), but the job is someone else's.
    for url in urls(round, job)[2:]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "13987654321" not in text(response)
    assert client_for(users["nobody"]).get(reverse("imports:upload", args=[round.code])).status_code == 404


def test_wrong_methods_are_refused(client_for, users, round, job):
    client = client_for(users["staff"])
    assert client.put(reverse("imports:upload", args=[round.code])).status_code == 405
    for url in urls(round, job)[1:]:
        assert client.post(url).status_code == 405, url
    assert client.get(reverse("imports:rerun", args=[job.pk])).status_code == 405


def test_an_upload_without_file_names_the_field(client_for, users, round):
    response = client_for(users["staff"]).post(reverse("imports:upload", args=[round.code]), {"kind": "questionnaires"})
    assert response.status_code == 400
    assert "file" in response.context["form"].errors
    assert not ImportJob.objects.exists()


def test_an_upload_over_the_limit_is_refused_on_the_page(client_for, users, round, tmp_path, settings):
    settings.MANYI_UPLOAD_MAX_MB = 1
    big = write_csv(tmp_path / "big.csv", [row(f"Q{i}") for i in range(20_000)])
    response = client_for(users["staff"]).post(
        reverse("imports:upload", args=[round.code]), {"file": upload_file(big), "kind": "questionnaires"}, **EN
    )
    assert response.status_code == 400
    assert "1 MB" in " ".join(response.context["form"].errors["file"])
    assert not ImportJob.objects.exists()


def test_a_file_already_imported_is_refused_on_the_page(client_for, users, round, tmp_path, run_import):
    path = write_csv(tmp_path / "a.csv", [row()])
    first = run_import(round, path)
    response = client_for(users["staff"]).post(
        reverse("imports:upload", args=[round.code]), {"file": upload_file(path), "kind": "questionnaires"}, **EN
    )
    assert response.status_code == 400
    assert f"already imported into this round (import #{first.pk})" in text(response)
    assert ImportJob.objects.count() == 1 and Questionnaire.objects.count() == 1


def test_a_closed_round_offers_no_upload_and_refuses_one(client_for, users, round, tmp_path):
    round.status = RoundStatus.CLOSED
    round.save(update_fields=["status"])
    client = client_for(users["staff"])
    assert 'id="import-form"' not in text(client.get(reverse("imports:upload", args=[round.code])))
    response = client.post(
        reverse("imports:upload", args=[round.code]),
        {"file": upload_file(write_csv(tmp_path / "a.csv", [row()])), "kind": "questionnaires"},
    )
    assert response.status_code == 400
    assert not ImportJob.objects.exists()


def test_the_job_page_lists_every_error(client_for, users, job):
    assert reasons(job) == [(3, "单位编码", "unknown_unit")]
    body = text(client_for(users["staff"]).get(reverse("imports:job", args=[job.pk]), **EN))
    assert "Unknown unit." in body and "S9" in body
    assert reverse("imports:error_file", args=[job.pk]) in body


def test_a_phone_error_shows_the_phone_whole_only_to_superusers(client_for, users, round, tmp_path, run_import):
    # The page does not know the unit of the refused row, so not even its administrator reads the number whole.
    path = write_csv(tmp_path / "p.csv", [row("Q1", phone="13812345678"), row("Q2", phone="13812345678")])
    masked, whole = ("138****5678", "13812345678"), ("13812345678", "138****5678")
    for role, (shown, hidden) in (("staff", masked), ("admin", masked), ("superuser", whole)):
        job = run_import(round, path, user=users[role])
        body = text(client_for(users[role]).get(reverse("imports:job", args=[job.pk])))
        assert shown in body and hidden not in body


def test_progress_is_a_fragment_that_reloads_the_page_when_finished(client_for, users, job):
    client = client_for(users["staff"])
    response = client.get(reverse("imports:progress", args=[job.pk]))
    assert response["HX-Refresh"] == "true"
    assert 'id="job-status"' in text(response) and "<html" not in text(response)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, progress=0)
    response = client.get(reverse("imports:progress", args=[job.pk]))
    assert "HX-Refresh" not in response and "hx-trigger" in text(response)


def test_the_error_file_adds_a_column_and_masks_phones(client_for, users, job):
    response = client_for(users["staff"]).get(reverse("imports:error_file", args=[job.pk]), **EN)
    assert response.status_code == 200
    assert "bad-" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [*HEADER, "错误"]
    assert rows[1][-1] == "" and rows[1][5] == "138****5678"
    assert rows[2][-1] == "单位编码: Unknown unit." and rows[2][1] == "S9"


def test_the_csv_error_file_marks_formulas_as_text(client_for, users, round, run_import, tmp_path):
    job = run_import(round, write_csv(tmp_path / "bad.csv", [row("=1+1", unit="S9")]))
    response = client_for(users["staff"]).get(reverse("imports:error_file", args=[job.pk]), **EN)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[1][0] == "'=1+1" and rows[1][1] == "S9"


def test_a_corrected_csv_error_file_imports_as_typed(client_for, users, round, run_import, tmp_path):
    job = run_import(round, write_csv(tmp_path / "bad.csv", [row("=1+1", unit="S9"), row("'Q2", unit="S9")]))
    response = client_for(users["staff"]).get(reverse("imports:error_file", args=[job.pk]), **EN)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    corrected = [[*line[:1], "S1", *line[2:-1]] for line in rows[1:]]  # the unit fixed, the error column dropped
    job = run_import(round, write_csv(tmp_path / "corrected.csv", corrected))
    assert job.status == JobStatus.SUCCEEDED, job.errors
    # The ' Manyi wrote before the formula is gone; a ' the clerk typed before a letter stays.
    assert set(Questionnaire.objects.values_list("number", flat=True)) == {"=1+1", "'Q2"}


def test_the_error_file_shows_a_phone_whole_only_to_administrators_of_the_rows_unit(
    client_for, users, round, tmp_path, run_import
):
    rows = [row("Q1", phone="13812345678"), row("Q2", unit="S9", phone="13912345678")]
    for role, first in (("admin", "13812345678"), ("staff", "138****5678")):
        job = run_import(round, write_csv(tmp_path / "phones.csv", rows), user=users[role])
        response = client_for(users[role]).get(reverse("imports:error_file", args=[job.pk]), **EN)
        lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        # S1 lies in the administrator's district; S9 is no unit of the round: masked for both.
        assert [lines[1][5], lines[2][5]] == [first, "139****5678"]


def test_the_error_file_of_a_workbook_is_a_workbook(client_for, users, round, run_import, tmp_path):
    from openpyxl import load_workbook

    job = run_import(round, write_xlsx(tmp_path / "bad.xlsx", [row("Q1"), row("Q2", date="2020-01-01")]))
    response = client_for(users["staff"]).get(reverse("imports:error_file", args=[job.pk]), **EN)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    values = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert values[0][-1] == "错误"
    assert values[2][1] == "S1" and values[2][-1].startswith("日期: The date is outside the round's period")
    assert sheet.cell(row=3, column=5).fill.fgColor.rgb.endswith("F8CBAD")


def test_no_error_file_for_a_successful_job(client_for, users, round, run_import, tmp_path):
    job = run_import(round, write_csv(tmp_path / "ok.csv", [row()]))
    assert client_for(users["staff"]).get(reverse("imports:error_file", args=[job.pk])).status_code == 404


def test_run_again_requeues_a_failed_job_only(client_for, users, job, django_capture_on_commit_callbacks):
    client = client_for(users["staff"])
    response = client.post(reverse("imports:rerun", args=[job.pk]), follow=True, **EN)
    assert "Only a failed import can be run again." in text(response)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:rerun", args=[job.pk]))
    assert ImportJob.objects.get(pk=job.pk).status == JobStatus.REFUSED  # run again: still the same bad file


def test_the_round_page_links_to_imports_for_those_who_may_enter(client_for, users, round):
    link = reverse("imports:upload", args=[round.code])
    assert link in text(client_for(users["staff"]).get(reverse("surveys:round_detail", args=[round.code])))
    assert link not in text(client_for(users["leader"]).get(reverse("surveys:round_detail", args=[round.code])))


def test_the_upload_page_offers_both_templates(client_for, users, round):
    body = text(client_for(users["staff"]).get(reverse("imports:upload", args=[round.code])))
    template = reverse("imports:template", args=[round.code])
    assert f"{template}?kind=questionnaires" in body and f"{template}?kind=counts" in body


def test_the_job_page_names_the_columns_ignored_and_says_a_dry_run_was_only_a_check(client_for, users, round,
                                                                                     tmp_path, run_import):  # fmt: skip
    path = write_csv(tmp_path / "n.csv", [[1, *row(), "备注"]], header=["序号", *HEADER, "备注"])
    job = run_import(round, path, dry_run=True)
    body = text(client_for(users["staff"]).get(reverse("imports:job", args=[job.pk])))
    assert "已忽略的列： 序号、备注" in body
    assert "检查通过：共 1 行，未导入（仅检查）。" in body
    assert not Questionnaire.objects.exists()


def test_the_error_file_masks_phones_under_another_header_name(client_for, users, round, tmp_path, run_import):
    header = [h if h != "电话" else "手机号" for h in HEADER]
    job = run_import(round, write_csv(tmp_path / "m.csv", [row(phone="13812345678"), row(unit="S9")], header=header))
    response = client_for(users["staff"]).get(reverse("imports:error_file", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][5] == "手机号" and rows[1][5] == "138****5678"


def test_an_error_file_with_whole_phones_is_logged_and_one_with_masked_phones_is_not(
    client_for, users, round, tmp_path, run_import
):
    from units.models import PhoneExport

    rows = [row("Q1", phone="13812345678"), row("Q2", unit="S9", phone="13912345678")]
    for role in ("staff", "admin"):
        job = run_import(round, write_csv(tmp_path / f"{role}.csv", rows), user=users[role])
        client_for(users[role]).get(reverse("imports:error_file", args=[job.pk]), **EN).getvalue()
    # Only the administrator's copy held a whole number (S1's); the staff member's were all masked.
    assert list(PhoneExport.objects.values_list("user", "export", "phones")) == [(users["admin"].pk, "error file", 1)]


def test_the_templates_come_first_as_plain_buttons(client_for, users, round):
    body = client_for(users["staff"]).get(reverse("imports:upload", args=[round.code])).content.decode()
    template = reverse("imports:template", args=[round.code])
    assert body.index(template) < body.index('id="import-form"')  # download, then upload
    links = [line for line in body.splitlines() if template in line]
    assert len(links) == 2 and all('class="btn btn-primary"' in line for line in links)
