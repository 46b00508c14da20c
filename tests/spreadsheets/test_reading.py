"""The one reader: formats by content, the header row below a title, separators of CSV files, merged cells."""

import zipfile

import pytest

from spreadsheets.cells import header_key
from spreadsheets.problems import FileRefused, Problems
from spreadsheets.reading import match_headers, open_source
from tests.spreadsheets.cases import CASES, FIXTURES, write_csv, write_xlsx

KEYS = {header_key(h) for h in CASES["questionnaires"].header}


def refusal(path, name=None) -> list[tuple]:
    with pytest.raises(FileRefused) as refused:
        open_source(path, name or path.name, header_keys=KEYS)
    return [(p.reason, p.row, p.column) for p in refused.value.problems.kept]


def first_rows(source) -> list[list]:
    return next(source.chunks(set(range(len(source.headers))))).values.tolist()


@pytest.mark.parametrize(("suffix", "format"), [(".xls", "xls"), (".ods", "ods")])
def test_xls_and_ods_are_read_by_their_content_whatever_their_name(tmp_path, suffix, format):
    renamed = tmp_path / "results.xlsx"
    renamed.write_bytes((FIXTURES / f"questionnaires{suffix}").read_bytes())
    source = open_source(renamed, renamed.name, header_keys=KEYS)
    assert (source.format, source.headers, source.header_row) == (format, CASES["questionnaires"].header, 1)
    assert first_rows(source)[0][:3] == ["Q1", "S1", "家长"]


def test_the_header_row_is_found_below_a_title(tmp_path):
    case = CASES["questionnaires"]
    path = write_xlsx(tmp_path / "t.xlsx", [["2026年问卷录入表"], ["填表人：张三"], case.header, *case.rows])
    source = open_source(path, path.name, header_keys=KEYS)
    assert (source.headers, source.header_row) == (case.header, 3)
    assert next(source.chunks(set())).index.tolist() == [4]  # rows keep their numbers in the file


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_separators_are_found_and_a_title_line_skipped(tmp_path, delimiter):
    case = CASES["questionnaires"]
    path = write_csv(tmp_path / "d.csv", [["问卷"], case.header, *case.rows], delimiter=delimiter)
    source = open_source(path, path.name, header_keys=KEYS)
    assert (source.delimiter, source.headers, source.header_row) == (delimiter, case.header, 2)
    assert first_rows(source)[0][:2] == ["Q1", "S1"]


def test_an_opendocument_text_is_not_a_spreadsheet(tmp_path):
    path = tmp_path / "letter.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    assert refusal(path) == [("not_spreadsheet", None, None)]


def test_a_damaged_ods_is_damaged(tmp_path):
    path = tmp_path / "cut.ods"
    path.write_bytes((FIXTURES / "questionnaires.ods").read_bytes()[:3000])
    assert refusal(path) == [("corrupt", None, None)]


def test_merged_cells_above_the_header_are_allowed_and_below_it_refused(tmp_path):
    case = CASES["questionnaires"]
    title = write_xlsx(tmp_path / "title.xlsx", [["标题"], case.header, *case.rows], merge="A1:F1")
    assert open_source(title, title.name, header_keys=KEYS).header_row == 2
    data = write_xlsx(tmp_path / "data.xlsx", [case.header, *case.rows, *case.rows], merge="B2:B3")
    assert refusal(data) == [("merged", 2, "单位编码")]


def test_a_column_named_twice_is_a_problem_and_notes_and_remarks_are_set_aside():
    problems = Problems()
    aliases = {"电话": "phone", "手机号": "phone", "姓名": "name"}
    found = match_headers(["序号", "姓名", "电话", "手机号", "备注", "", "错误", "其他"], aliases, 1, problems)
    assert (found.positions, found.ignored, found.others, found.unnamed) == (
        {"name": 1, "phone": 2}, ["序号", "备注"], [7], [5]
    )  # fmt: skip
    assert [(p.reason, p.column, p.params) for p in problems.kept] == [
        ("duplicate_column_as", "手机号", {"first": "电话", "column": "phone"})
    ]


def test_a_csv_row_longer_than_the_header_is_named_by_its_line_below_a_title(tmp_path):
    case = CASES["questionnaires"]
    path = write_csv(tmp_path / "long.csv", [["问卷"], case.header, *case.rows, [*case.rows[0], "多余"]])
    source = open_source(path, path.name, header_keys=KEYS)
    with pytest.raises(FileRefused) as refused:
        list(source.chunks(set()))
    assert [(p.reason, p.row) for p in refused.value.problems.kept] == [("too_many_cells", 4)]


def test_a_formula_in_an_ods_is_refused_with_its_cell():
    assert refusal(FIXTURES / "formula.ods") == [("formula", 2, "整体办学水平")]
