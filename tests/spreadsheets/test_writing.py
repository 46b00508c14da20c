"""The writer's rules, one at a time: sheet names, widths, cells, CSV cells, downloads."""

import datetime
import io

import openpyxl
import pytest

from spreadsheets.downloads import XLSX_TYPE, attachment
from spreadsheets.writing import MAX_WIDTH, Book, csv_cell, display_width, sheet_name


def test_a_sheet_name_loses_forbidden_characters():
    assert sheet_name("台帐: 一区/二区 [2026]?") == "台帐 一区 二区 2026"


def test_a_long_sheet_name_is_cut_between_words():
    name = sheet_name("Ledger of concerns collected on paper in 2026")
    assert name == "Ledger of concerns collected on"
    assert len(sheet_name("满" * 40)) == 31


def test_sheet_names_are_unique_without_regard_to_case():
    used: set[str] = set()
    names = [sheet_name(title, used) for title in ("Groups", "groups", "GROUPS", "x" * 40, "x" * 40)]
    assert names == ["Groups", "groups (2)", "GROUPS (3)", "x" * 31, "x" * 27 + " (2)"]


def test_chinese_characters_count_twice_in_a_width():
    assert display_width("一区第一小学") == 12
    assert display_width("S1") == 2
    assert display_width("短\nlonger line") == 11
    assert display_width(datetime.date(2026, 3, 1)) == 10


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+1", "'+1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("-2", "-2"),  # a number, not a formula
        ("+86 138 1111 2222", "'+86 138 1111 2222"),
        ("王小明", "王小明"),
        (None, ""),
    ],
)
def test_a_csv_cell_that_would_run_as_a_formula_is_marked_as_text(value, cell):
    assert csv_cell(value) == cell


def test_cells_are_written_by_type_and_long_text_wraps():
    out = io.BytesIO()
    book = Book(out)
    sheet = book.list_sheet("列表", ["Text", "Number", "Date", "When", "Empty"])
    when = datetime.datetime(2026, 3, 1, 8, 30, tzinfo=datetime.UTC)
    sheet.append(["=1+1", 3.5, datetime.date(2026, 3, 1), when, None])
    sheet.append(["长" * 40, 2, None, None, ""])
    book.close()
    worksheet = openpyxl.load_workbook(out).active
    first, second = worksheet[2], worksheet[3]
    assert [c.data_type for c in first[:4]] == ["s", "n", "d", "d"] and first[4].value is None
    assert first[0].value == "=1+1" and first[2].number_format == "yyyy-mm-dd"
    assert first[3].number_format == "yyyy-mm-dd hh:mm"
    assert second[0].alignment.wrap_text and not first[0].alignment.wrap_text
    assert worksheet.column_dimensions["A"].width == pytest.approx(MAX_WIDTH, abs=1)


def test_an_attachment_is_named_in_utf8_with_the_type_of_its_suffix():
    response = attachment(b"PK", "一区-台帐.xlsx")
    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E4%B8%80%E5%8C%BA-%E5%8F%B0%E5%B8%90.xlsx"
    assert attachment(io.BytesIO(b"a,b"), "errors.csv")["Content-Type"] == "text/csv; charset=utf-8"
