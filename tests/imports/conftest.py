"""Fixtures for imports: a round over S1 (district D1) and S2 (district D2), files written to disk, a runner."""

import csv
import datetime
import io
from pathlib import Path

import pytest
import xlsxwriter
from django.core.files import File

from imports.models import ImportJob, JobKind
from imports.services import import_job_create, import_job_run
from surveys.models import Option
from tests.factories import RoleFactory, UserFactory, make_round
from units.models import RoleKind

HEADER = ["问卷编号", "单位编码", "受访者类型", "渠道", "日期", "电话", "整体办学水平", "师德表现", "教学工作",
          "学生课业负担", "学习生活条件及服务", "校园安全环境"]  # fmt: skip
COUNTS_HEADER = ["单位编码", "指标", "满意", "基本满意", "不满意", "不了解"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def round(tree):
    return make_round([tree["s1"], tree["s2"]])


@pytest.fixture
def options(round):
    """Options of the round's scale by number: 1 满意, 2 基本满意, 3 不满意, 4 不了解."""
    return {o.number: o for o in Option.objects.filter(scale=round.scale)}


@pytest.fixture
def other_staff(tree):
    """Staff of district D2: the round is visible to them (S2 takes part) but S1 is not theirs."""
    user = UserFactory()
    RoleFactory(user=user, unit=tree["d2"], kind=RoleKind.STAFF)
    return user


def row(number="Q1", unit="S1", who="家长", channel="电话", date="2026-05-01", phone="", answers=("满意",) * 6):
    return [number, unit, who, channel, date, phone, *answers]


def write_csv(path: Path, rows: list[list], header: list | None = None, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header or HEADER)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list], header: list | None = None, formula_at=None, merge=None,
               sheets: tuple[str, ...] = ()) -> Path:  # fmt: skip
    """``formula_at``: (row, column) zero-based cell to hold a formula; ``merge``: (row, first, last column)."""
    workbook = xlsxwriter.Workbook(str(path))
    for name in sheets:
        workbook.add_worksheet(name)
    sheet = workbook.add_worksheet("数据")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, header or HEADER)
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            if isinstance(value, datetime.date):
                sheet.write_datetime(r, c, datetime.datetime.combine(value, datetime.time()), date_format)
            elif value not in ("", None):
                sheet.write(r, c, value)
    if formula_at:
        sheet.write_formula(*formula_at, "=1+0", None, 1)
    if merge:
        sheet.merge_range(merge[0], merge[1], merge[0], merge[2], "S1")
    workbook.close()
    return path


@pytest.fixture
def run_import(users, django_capture_on_commit_callbacks):
    """``run_import(round, path, user=staff, kind=..., dry_run=False)``: create the job and run it in-process."""

    def run(round, path: Path, user=None, kind=JobKind.QUESTIONNAIRES, dry_run=False) -> ImportJob:
        user = users["staff"] if user is None else user
        with path.open("rb") as handle:
            upload = File(handle, name=path.name)
            job = import_job_create(round=round, user=user, upload=upload, file_name=path.name, kind=kind,
                                    dry_run=dry_run, queue=False)  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            return import_job_run(job_id=job.pk)

    return run


def reasons(job: ImportJob) -> list[tuple]:
    """(row, column, reason) of every error of a job."""
    return [(e["row"], e["column"], e["reason"]) for e in job.errors]


def upload_file(path: Path) -> io.BytesIO:
    buffer = io.BytesIO(path.read_bytes())
    buffer.name = path.name
    return buffer
