"""Every workbook Manyi writes, opened as a clerk would open it.

Each kind registered with ``spreadsheets.writing.workbook_kind`` is produced
here through its page (or its job, for the ranking), with names in the data
that a spreadsheet program would run as formulas. Every workbook must show
them as text, and look as a careful clerk would have made it: widths on
every used column, a bold frozen header, print setup, dates as dates.
"""

import datetime
import importlib
import io
import pkgutil
import re
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.urls import reverse
from openpyxl.utils import get_column_letter

from assessment.services import scheme_create
from imports.models import JobStatus
from imports.services import import_job_create, import_job_run
from opendoor.models import Activity, ActivityRule, Opinion
from outreach.models import Visit
from reports.models import ReportJob
from reports.services import report_job_run
from spreadsheets.writing import KINDS, PORTRAIT_COLUMNS
from surveys.models import Option, ReportedCount
from tests.factories import (
    ConcernFactory,
    GroupMemberFactory,
    HouseholdFactory,
    LeadershipGroupFactory,
    RoleFactory,
    UserFactory,
    make_round,
)
from tests.imports.conftest import HEADER
from units.models import MemberRole

pytestmark = pytest.mark.django_db

EVIL = ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)"]
TEXT_SHEETS = {"说明"}  # instructions: lines of text, no header row
BLANK_KINDS = {"concerns template", "households template"}  # headers to fill in, no data
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(tree, users):
    """Units, a group, a concern, a visit, a round with counts: their names are formulas in disguise."""
    s1, s2 = tree["s1"], tree["s2"]
    s1.name, s2.name = EVIL[0], EVIL[1]
    s1.save(update_fields=["name"])
    s2.save(update_fields=["name"])
    users["admin"].first_name = "管理员"
    users["admin"].save(update_fields=["first_name"])
    group = LeadershipGroupFactory(
        unit=tree["d1"], name="一区满意度工作领导小组", purpose=EVIL[0], set_up_on=datetime.date(2026, 3, 1)
    )
    GroupMemberFactory(group=group, role=MemberRole.LEADER, person_name=EVIL[3], position=EVIL[2], phone="13812345678")
    ConcernFactory(unit=s1, text=EVIL[2], raiser_name=EVIL[3], raiser_phone="+86 138 1111 2222")
    household = HouseholdFactory(unit=s1, name=EVIL[3], guardian=EVIL[1])
    Visit.objects.create(
        household=household,
        date=datetime.date.today(),
        method="phone",
        by=users["admin"],
        notes=EVIL[0],
        phone_check="yes",
    )
    round = make_round([s1, s2])
    options = {o.category: o for o in Option.objects.filter(scale=round.scale)}
    indicator = round.ordered_indicators()[0]
    ReportedCount.objects.bulk_create(
        ReportedCount(round=round, unit=unit, indicator=indicator, option=options["satisfied"], count=n)
        for unit, n in ((s1, 40), (s2, 35))
    )
    return {"round": round}


def _body(response) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (
        response["Content-Type"]
    )
    return response.getvalue()


def _refused_upload(path: Path) -> Path:
    """A results file refused for an unknown unit, its questionnaire number a formula in disguise."""
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    sheet = workbook.add_worksheet("问卷")
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, [EVIL[3], "S9", EVIL[0], "电话", "2026-05-01", "13812345678", *["满意"] * 6])
    sheet.write_row(2, 0, ["Q2", "S1", "家长", "电话", "2026-05-01", "13987654321", *["满意"] * 6])
    workbook.close()
    return path


def _error_file(client, users, world, tmp_path) -> bytes:
    """The error file of a refused upload by D1's administrator (``client``)."""
    path = _refused_upload(tmp_path / "bad.xlsx")
    with path.open("rb") as handle:
        job = import_job_create(round=world["round"], user=users["admin"], upload=File(handle, name=path.name),
                                file_name=path.name,
                                kind="questionnaires", dry_run=False, queue=False)  # fmt: skip
    job = import_job_run(job_id=job.pk)
    assert job.status == JobStatus.REFUSED
    return _body(client.get(reverse("imports:error_file", args=[job.pk])))


def _open_door(client, tree) -> bytes:
    """Open-door coverage of D1: a rule for its schools, an activity with a summary and an opinion in disguise."""
    ActivityRule.objects.create(
        under=tree["d1"], unit_kind="school", kind="reception_day", schedule="monthly", weekday=0
    )
    activity = Activity.objects.create(
        unit=tree["s1"], kind="reception_day", held_on=datetime.date(2026, 9, 7), attended_by=EVIL[2], summary=EVIL[0]
    )
    Opinion.objects.create(activity=activity, text=EVIL[3])
    url = reverse("opendoor:export", args=["D1"])
    return _body(client.get(url, {"start": "2026-08-01", "end": "2026-12-31"}))


def _assessment(client, tree, world) -> bytes:
    round = world["round"]
    scheme = scheme_create(name="考核", scope=tree["d1"], level="school", rounds=[round], by=None,
                           components=[{"kind": "rate"}, {"kind": "rank"}, {"kind": "overdue"}, {"kind": "visits"}])  # fmt: skip
    return _body(client.get(reverse("assessment:scheme_export", args=[scheme.pk, round.code])))


def _people(client, tree) -> bytes:
    RoleFactory(unit=tree["s1"], kind="staff", user=UserFactory(first_name=EVIL[2]))
    return _body(client.get(reverse("assessment:people_export", args=["S1"])))


def _ranking(users, tree, world) -> bytes:
    job = ReportJob.objects.create(user=users["superuser"], round=world["round"], scope=tree["city"], level="school")
    return Path(report_job_run(job.pk).file.path).read_bytes()


# Every workbook Manyi writes, by the kind its writer registers, made as users make them.
PRODUCERS = {
    "units": lambda c, **_: [_body(c.get(reverse("units:export")))],
    "roster": lambda c, **_: [_body(c.get(reverse("units:roster_export", args=["D1"])))],
    "ledger": lambda c, **_: [_body(c.get(reverse("ledger:export", args=["D1"])))],
    "concerns template": lambda c, **_: [_body(c.get(reverse("ledger:import_template")))],
    "households template": lambda c, **_: [_body(c.get(reverse("outreach:import_template")))],
    "visits": lambda c, **_: [_body(c.get(reverse("outreach:visits_export", args=["D1"])))],
    "open-door activities": lambda c, tree, **_: [_open_door(c, tree)],
    "results template": lambda c, world, **_: [
        _body(c.get(reverse("imports:template", args=[world["round"].code]), {"kind": kind}))
        for kind in ("questionnaires", "counts")
    ],
    "error file": lambda c, users, world, tmp_path, **_: [_error_file(c, users, world, tmp_path)],
    "ranking": lambda c, users, tree, world, **_: [_ranking(users, tree, world)],
    "assessment": lambda c, tree, world, **_: [_assessment(c, tree, world)],
    "people effort": lambda c, tree, **_: [_people(c, tree)],
    "progress": lambda c, world, **_: [
        _body(c.get(reverse("respond:progress", args=[world["round"].code]), {"format": "xlsx"}))
    ],
}


def _import_every_module() -> None:
    """Import every module of the project's apps, so that every writer has registered its kind."""
    for config in apps.get_app_configs():
        if Path(config.path).is_relative_to(settings.BASE_DIR):
            for module in pkgutil.walk_packages([config.path], f"{config.name}."):
                importlib.import_module(module.name)


def test_every_workbook_kind_is_produced_by_this_test():
    _import_every_module()
    assert set(KINDS) == set(PRODUCERS), "list the new workbook in PRODUCERS"


@pytest.mark.parametrize("kind", sorted(PRODUCERS))
def test_every_workbook_is_made_as_a_careful_clerk_would(client_for, users, tree, world, tmp_path, kind):
    client = client_for(users["admin"])
    books = PRODUCERS[kind](client, users=users, tree=tree, world=world, tmp_path=tmp_path)
    texts = []
    for content in books:
        book = openpyxl.load_workbook(io.BytesIO(content))
        for sheet in book.worksheets:
            texts += _check_sheet(sheet, kind)
    if kind not in BLANK_KINDS:
        assert any(text in EVIL for text in texts), "the formulas in disguise must be in the workbook"


def _check_sheet(sheet, kind: str) -> list[str]:
    """Check one sheet; the text of its cells."""
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type != "f" for cell in cells), f"{sheet.title}: a formula"
    texts = [cell.value for cell in cells if cell.data_type == "s"]
    for cell in cells:
        if cell.value in EVIL or str(cell.value).lstrip("'") in EVIL:
            assert cell.data_type == "s" and cell.value in EVIL, f"{sheet.title}!{cell.coordinate}: {cell.value!r}"
    widths = _widths(sheet)
    used = {cell.column_letter for cell in cells}
    assert used <= set(widths), f"{sheet.title}: no width on {sorted(used - set(widths))}"
    assert all(widths[letter] >= 4 for letter in used), f"{sheet.title}: widths {widths}"
    _check_print_setup(sheet)
    if sheet.title in TEXT_SHEETS:
        return texts
    _check_header(sheet)
    for cell in cells:
        if cell.is_date:
            assert "yyyy-mm-dd" in cell.number_format and widths[cell.column_letter] >= 11, cell.coordinate
        elif kind != "error file":  # the error file keeps the clerk's cells as they were typed
            assert not (cell.data_type == "s" and ISO_DATE.fullmatch(cell.value)), (
                f"a date as text at {cell.coordinate}"
            )
    return texts


def _widths(sheet) -> dict[str, float]:
    """The width set on each column (openpyxl keeps neighbours of one width as one range)."""
    dimensions = list(sheet.column_dimensions.values())  # before any lookup adds an unset column
    return {
        get_column_letter(index): dimension.width
        for dimension in dimensions
        if dimension.customWidth
        for index in range(dimension.min, dimension.max + 1)
    }


def _check_header(sheet) -> None:
    assert sheet.freeze_panes, f"{sheet.title}: not frozen"
    header_row = int(re.sub(r"[A-Z]", "", sheet.freeze_panes)) - 1
    header = [cell for cell in sheet[header_row] if cell.value is not None]
    assert header and all(cell.font.b for cell in header), f"{sheet.title}: header row {header_row} not bold"
    assert sheet.print_title_rows == f"${header_row}:${header_row}"
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith(f"A{header_row}:")


def _check_print_setup(sheet) -> None:
    setup = sheet.page_setup
    assert setup.paperSize == 9, f"{sheet.title}: not A4"
    # One page wide (fitToWidth 1 is the default, so it may be left out), as many pages down as needed.
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and (setup.fitToWidth or 1) == 1 and setup.fitToHeight == 0
    wide = sheet.max_column > PORTRAIT_COLUMNS
    assert setup.orientation == ("landscape" if wide else "portrait"), f"{sheet.title}: {sheet.max_column} columns"
    assert "&P" in sheet.oddFooter.center.text


def test_the_error_file_shows_a_phone_whole_only_to_administrators_of_the_rows_unit(client_for, users, world, tmp_path):
    content = _error_file(client_for(users["admin"]), users, world, tmp_path)
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).worksheets[0].values)
    assert [row[1] for row in rows[1:]] == ["S9", "S1"]
    assert rows[1][5] == "138****5678"  # an unknown unit: nobody administers it
    assert rows[2][5] == "13987654321"  # S1 lies in the administrator's district
