"""Files that cannot be imported at all: wrong format, damaged, protected, empty, too large, formulas, closed round."""

import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from imports.models import JobStatus
from surveys.models import Questionnaire, RoundStatus
from tests.imports.conftest import reasons, row, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "not_spreadsheet"),
        ("report.csv", b"%PDF-1.4\x00\x01\x02 binary", "not_spreadsheet"),
        ("letter.docx", None, "not_spreadsheet"),  # a zip, but not a workbook
        ("results.xlsx", b"this is plain text, not a workbook", "corrupt"),
        ("results.xls", OLE_HEADER + b"Workbook".ljust(64, b"\x00"), "corrupt"),
        ("letter.doc", OLE_HEADER + b"WordDocument".ljust(64, b"\x00"), "not_spreadsheet"),
        ("secret.xlsx", OLE_HEADER + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64, "password"),
        ("empty.csv", b"", "empty"),
        ("utf16.csv", "问卷编号,单位编码\n".encode("utf-16"), "encoding"),
    ],
)
def test_unreadable_files_are_refused_with_the_reason(round, run_import, tmp_path, name, content, reason):
    path = tmp_path / name
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("word/document.xml", "<w:document/>")
    else:
        path.write_bytes(content)
    job = run_import(round, path)
    assert job.status == JobStatus.REFUSED
    assert reasons(job) == [(None, None, reason)]
    assert not Questionnaire.objects.exists()


def test_a_damaged_workbook_is_refused(round, run_import, tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", [row()])
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert reasons(run_import(round, damaged)) == [(None, None, "corrupt")]


@pytest.mark.parametrize("maker", ["csv", "xlsx"])
def test_a_file_with_headers_only_is_empty(round, run_import, tmp_path, maker):
    path = write_csv(tmp_path / "h.csv", []) if maker == "csv" else write_xlsx(tmp_path / "h.xlsx", [])
    assert reasons(run_import(round, path)) == [(None, None, "empty")]


def test_formulas_are_refused_with_their_cell(round, run_import, tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", [row("Q1"), row("Q2")], formula_at=(2, 6))
    job = run_import(round, path)
    assert reasons(job) == [(3, "整体办学水平", "formula")]
    assert not Questionnaire.objects.exists()


def test_merged_cells_are_refused(round, run_import, tmp_path):
    job = run_import(round, write_xlsx(tmp_path / "m.xlsx", [row("Q1"), row("Q2")], merge=(1, 1, 2)))
    assert reasons(job) == [(2, "单位编码", "merged")]
    assert job.errors[0]["params"] == {"cells": "B2:C2"}


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(round, run_import, tmp_path, settings):
    settings.MANYI_UPLOAD_MAX_MB = 1
    path = write_csv(tmp_path / "big.csv", [row(f"Q{i}") for i in range(20_000)])
    assert path.stat().st_size > 1024 * 1024
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        run_import(round, path)
    assert "larger than the limit of 1 MB" in refused.value.message_dict["file"][0]
    assert not round.import_jobs.exists()


def test_a_closed_round_refuses_imports(round, run_import, tmp_path):
    round.status = RoundStatus.CLOSED
    round.save(update_fields=["status"])
    with pytest.raises(ValidationError):
        run_import(round, write_csv(tmp_path / "a.csv", [row()]))
    assert not round.import_jobs.exists()


def test_a_round_closed_while_the_job_waits_refuses_it(round, tmp_path, users):
    from django.core.files import File

    from imports.services import import_job_create, import_job_run

    path = write_csv(tmp_path / "a.csv", [row()])
    with path.open("rb") as handle:
        job = import_job_create(round=round, user=users["staff"], upload=File(handle, name="a.csv"), file_name="a.csv",
                                kind="questionnaires", queue=False)  # fmt: skip
    round.status = RoundStatus.CLOSED
    round.save(update_fields=["status"])
    job = import_job_run(job_id=job.pk)
    assert reasons(job) == [(None, None, "round_closed")]
    assert not Questionnaire.objects.exists()
