"""Every import takes the files clerks make: titles, their own columns, platform headers, .xls, .ods, ; CSV.

Each case of ``cases.CASES`` is one import's good file; each test changes it as a clerk would and
runs it through that import (units, questionnaires, counts, concerns, households to visit).
"""

import pytest
from django.utils import translation

from spreadsheets.problems import problem_text
from tests.spreadsheets.cases import CASES, FIXTURES, write_csv, write_xlsx
from units.models import Unit

pytestmark = pytest.mark.django_db

ALL = list(CASES)
WITH_DATES = [name for name, case in CASES.items() if case.date]
WITH_PHONES = [name for name, case in CASES.items() if case.phone]


def rows_of(name: str) -> list[list]:
    case = CASES[name]
    return [list(case.header), *(list(r) for r in case.rows)]


def with_cell(name: str, header: str, value) -> list[list]:
    """The case's file with ``value`` in column ``header`` of its first data row."""
    rows = rows_of(name)
    rows[1][rows[0].index(header)] = value
    return rows


@pytest.mark.parametrize("name", ALL)
def test_the_good_file_of_each_import_is_accepted(import_file, tmp_path, name):
    outcome = import_file(name, write_xlsx(tmp_path / "good.xlsx", rows_of(name)))
    assert outcome.accepted, outcome.problems
    assert outcome.ignored == []


@pytest.mark.parametrize("name", ALL)
def test_a_title_row_above_the_header_is_accepted(import_file, tmp_path, name):
    rows = [["2026年满意度调查 · 某某学校"], [], *rows_of(name)]
    assert import_file(name, write_xlsx(tmp_path / "title.xlsx", rows, merge="A1:D1")).accepted


@pytest.mark.parametrize("name", ALL)
def test_number_and_remarks_columns_are_ignored_and_said_to_be(import_file, tmp_path, name):
    header, *data = rows_of(name)
    rows = [["序号", *header, "备注"], *([n, *r, "电话回访"] for n, r in enumerate(data, start=1))]
    outcome = import_file(name, write_xlsx(tmp_path / "own-columns.xlsx", rows))
    assert outcome.accepted, outcome.problems
    assert outcome.ignored == ["序号", "备注"]


@pytest.mark.parametrize("name", ALL)
def test_blank_rows_with_only_a_preprinted_number_are_skipped(import_file, tmp_path, name):
    header, *data = rows_of(name)
    rows = [["序号", *header], *([1, *r] for r in data), *([n] + [""] * len(header) for n in range(2, 30))]
    outcome = import_file(name, write_xlsx(tmp_path / "numbered.xlsx", rows))
    assert outcome.accepted, outcome.problems


@pytest.mark.parametrize("name", ALL)
def test_another_common_name_of_a_header_is_accepted(import_file, tmp_path, name):
    original, other = CASES[name].alias
    rows = rows_of(name)
    rows[0][rows[0].index(original)] = other
    assert import_file(name, write_xlsx(tmp_path / "alias.xlsx", rows)).accepted


@pytest.mark.parametrize("name", ALL)
def test_a_column_given_twice_is_refused_naming_it(import_file, tmp_path, name):
    header, *data = rows_of(name)
    twice = header[1]
    rows = [[*header, twice], *([*r, r[1]] for r in data)]
    outcome = import_file(name, write_xlsx(tmp_path / "twice.xlsx", rows))
    assert not outcome.accepted
    assert (outcome.problems[0][1], outcome.problems[0][2]) == (twice, "duplicate_column")


@pytest.mark.parametrize("name", ALL)
def test_a_column_given_twice_under_two_names_is_refused_naming_both(import_file, tmp_path, name):
    original, other = CASES[name].alias
    header, *data = rows_of(name)
    position = header.index(original)
    rows = [[*header, other], *([*r, r[position]] for r in data)]
    outcome = import_file(name, write_xlsx(tmp_path / "twice.xlsx", rows))
    assert not outcome.accepted
    assert outcome.problems[0][1:] == (other, "duplicate_column_as")


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("suffix", [".xls", ".ods"])
def test_xls_and_ods_files_are_read(import_file, name, suffix):
    outcome = import_file(name, FIXTURES / f"{name}{suffix}")
    assert outcome.accepted, outcome.problems


@pytest.mark.parametrize("suffix", [".xls", ".ods"])
def test_merged_cells_of_xls_and_ods_files_are_refused(import_file, suffix):
    outcome = import_file("questionnaires", FIXTURES / f"merged{suffix}")
    assert outcome.problems == [(2, "单位编码", "merged")]


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(("delimiter", "encoding"), [(";", "utf-8-sig"), ("\t", "utf-8"), (";", "gb18030")])
def test_csv_separated_by_semicolons_or_tabs_is_read(import_file, tmp_path, name, delimiter, encoding):
    path = write_csv(tmp_path / "data.csv", rows_of(name), delimiter=delimiter, encoding=encoding)
    outcome = import_file(name, path)
    assert outcome.accepted, outcome.problems


@pytest.mark.parametrize("name", WITH_DATES)
@pytest.mark.parametrize(
    "typed", [20260302, "20260302", "2026－03－02", "2026/03/02", "2026.03.02", "2026年3月2日", "2026/3/2 10:23:45"]
)
def test_dates_as_clerks_type_them_are_read(import_file, tmp_path, name, typed):
    outcome = import_file(name, write_xlsx(tmp_path / "dates.xlsx", with_cell(name, CASES[name].date, typed)))
    assert outcome.accepted, outcome.problems
    assert str(outcome.values["date"]) == "2026-03-02"


@pytest.mark.parametrize("name", WITH_PHONES)
@pytest.mark.parametrize(
    "typed",
    ["138-1111-2222", "+86 138 1111 2222", "8613811112222", "１３８１１１１２２２２", "138.1111.2222", 13811112222],
)
def test_phones_are_stored_in_one_form(import_file, tmp_path, name, typed):
    outcome = import_file(name, write_xlsx(tmp_path / "phones.xlsx", with_cell(name, CASES[name].phone, typed)))
    assert outcome.accepted, outcome.problems
    assert outcome.values["phone"] == "13811112222"


@pytest.mark.parametrize("name", WITH_PHONES)
@pytest.mark.parametrize(
    ("typed", "reason"),
    [("1.39123E+10", "phone_lost_digits"), (123456789012345678.0, "phone_lost_digits"), ("138abc", "phone_invalid")],
)
def test_phones_that_lost_digits_or_are_not_phones_are_refused(import_file, tmp_path, name, typed, reason):
    header = CASES[name].phone
    outcome = import_file(name, write_xlsx(tmp_path / "phones.xlsx", with_cell(name, header, typed)))
    assert outcome.problems == [(2, header, reason)]


def test_unit_codes_in_another_letter_case_name_the_same_unit(import_file, tmp_path):
    outcome = import_file(
        "units", write_xlsx(tmp_path / "case.xlsx", [CASES["units"].header, ["s1", "改名小学", "学校", "d1"]])
    )
    assert outcome.accepted, outcome.problems
    assert Unit.objects.get(code="S1").name == "改名小学"
    assert not Unit.objects.filter(code="s1").exists()


def test_refusals_are_in_chinese_by_default_and_say_what_to_do(import_file, tmp_path):
    header = CASES["units"].header
    outcome = import_file(
        "units", write_xlsx(tmp_path / "twice.xlsx", [[*header, "单位编码"], ["S3", "新学校", "学校", "D1", "S3"]])
    )
    problem = {"reason": "duplicate_column_as", "params": {"first": "编码", "column": "编码"}}
    assert outcome.problems == [(1, "单位编码", "duplicate_column_as")]
    assert problem_text(problem) == "此列与“编码”列重复（都表示“编码”）：请只保留其中一列。"
    assert problem_text({"reason": "phone_lost_digits"}).startswith("号码在 Excel 中被存成了数字")
    with translation.override("en"):
        assert problem_text(problem) == "This column repeats the column 编码 (both mean 编码): keep one of them."
