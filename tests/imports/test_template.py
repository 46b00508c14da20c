"""The template of a round: exact headers, instructions, the user's units, drop-down lists; it imports as is."""

import io
import re
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from imports.models import JobKind, JobStatus
from surveys.models import ReportedCount
from tests.imports.conftest import COUNTS_HEADER, HEADER

pytestmark = pytest.mark.django_db


def download(client, round, kind: str) -> bytes:
    response = client.get(reverse("imports:template", args=[round.code]), {"kind": kind})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return response.getvalue()


def sheets(content: bytes) -> dict[str, list[list]]:
    workbook = load_workbook(io.BytesIO(content))
    return {sheet.title: [list(r) for r in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


def validations(content: bytes) -> list[tuple[str, str, str]]:
    """(type, cells, source) of the data sheet's drop-down lists and checks."""
    xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    found = re.findall(r'<dataValidation type="(\w+)"[^>]*sqref="([^"]+)"[^>]*>(?:<formula1>([^<]*)</formula1>)?', xml)
    return [(kind, cells, source) for kind, cells, source in found]


def test_questionnaire_template_has_headers_instructions_units_and_lists(client_for, users, round):
    content = download(client_for(users["staff"]), round, JobKind.QUESTIONNAIRES)
    workbook = sheets(content)
    assert list(workbook) == ["问卷", "说明", "单位", "选项"]
    assert workbook["问卷"][0] == HEADER
    assert any("R2026" in (line[0] or "") for line in workbook["说明"])
    # Only the units of the staff's district: S2 takes part but is not theirs.
    assert workbook["单位"] == [["单位编码", "单位名称"], ["S1", "一区第一小学"]]
    assert [line[1] for line in workbook["选项"][1:5]] == ["满意", "基本满意", "不满意", "不了解"]
    checks = validations(content)
    assert ("list", "B2:B1048576", "单位!$A$2:$A$2") in checks
    assert ("list", "G2:L1048576", "选项!$B$2:$B$5") in checks
    assert any(kind == "date" and cells == "E2:E1048576" for kind, cells, _ in checks)
    assert any(kind == "list" and cells == "C2:C1048576" and "家长" in source for kind, cells, source in checks)


def test_a_filled_questionnaire_template_imports(client_for, users, round, run_import, tmp_path):
    workbook = load_workbook(io.BytesIO(download(client_for(users["staff"]), round, JobKind.QUESTIONNAIRES)))
    sheet = workbook["问卷"]
    sheet.append(["A-1", "S1", "家长", "电话", "2026-03-01", "", "满意", "满意", "不满意", "", "", "不了解"])
    path = tmp_path / "filled.xlsx"
    workbook.save(path)
    job = run_import(round, path)
    assert (job.status, job.rows_imported) == (JobStatus.SUCCEEDED, 1), job.errors


def test_counts_template_lists_each_unit_and_indicator_and_imports_once_filled(client_for, users, round, run_import,
                                                                               tmp_path):  # fmt: skip
    content = download(client_for(users["staff"]), round, JobKind.COUNTS)
    rows = sheets(content)["汇总"]
    assert rows[0] == COUNTS_HEADER
    assert [r[:2] for r in rows[1:]] == [["S1", i.name] for i in round.ordered_indicators()]
    assert any(kind == "whole" and cells == "C2:F1048576" for kind, cells, _ in validations(content))
    workbook = load_workbook(io.BytesIO(content))
    workbook["汇总"]["C2"] = 7
    path = tmp_path / "counts.xlsx"
    workbook.save(path)
    job = run_import(round, path, kind=JobKind.COUNTS)
    assert (job.status, job.rows_imported) == (JobStatus.SUCCEEDED, 1), job.errors
    assert list(ReportedCount.objects.filter(count__gt=0).values_list("count", flat=True)) == [7]


def test_an_unknown_template_kind_is_bad_input(client_for, users, round):
    response = client_for(users["staff"]).get(reverse("imports:template", args=[round.code]), {"kind": "ledger"})
    assert response.status_code == 400
