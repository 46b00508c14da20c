"""One good file per import, as plain data, and the writers of the files clerks make from it.

Run as a script (``python -m tests.spreadsheets.cases``, LibreOffice installed) to write the
.xls and .ods fixtures of ``tests/fixtures/`` from these rows; they are committed, so the tests
need no LibreOffice.
"""

import csv
import datetime
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@dataclass(frozen=True)
class Case:
    header: list[str]
    rows: list[list]
    alias: tuple[str, str]  # a header and another name accepted for it
    date: str | None = None  # the header of a date column
    phone: str | None = None  # the header of a phone column


QUESTIONNAIRE_HEADER = ["问卷编号", "单位编码", "受访者类型", "渠道", "日期", "电话", "整体办学水平", "师德表现",
                        "教学工作", "学生课业负担", "学习生活条件及服务", "校园安全环境"]  # fmt: skip
CASES = {
    "units": Case(["编码", "名称", "类型", "上级编码"], [["S3", "新学校", "学校", "D1"]], ("编码", "单位编码")),
    "questionnaires": Case(
        QUESTIONNAIRE_HEADER,
        [["Q1", "S1", "家长", "电话", "2026-03-02", "13800000001", *["满意"] * 6]],
        ("电话", "手机号"),
        date="日期",
        phone="电话",
    ),  # fmt: skip
    "counts": Case(
        ["单位编码", "指标", "满意", "基本满意", "不满意", "不了解"],
        [["S1", "EDU1", 1, 2, 3, 4]],
        ("单位编码", "单位代码"),
    ),  # fmt: skip
    "concerns": Case(
        ["受理日期", "单位", "来源", "类别", "反映人", "电话", "反映内容"],
        [["2026-03-02", "", "校长接待日", "食堂饭菜质量", "王女士", "13800000001", "饭菜偏咸"]],
        ("电话", "联系电话"),
        date="受理日期",
        phone="电话",
    ),  # fmt: skip
    "households": Case(
        ["姓名", "家长", "类别", "电话", "住址", "单位"],
        [["王小明", "王父", "留守儿童", "13800000001", "一村", "S1"]],
        ("电话", "手机号码"),
        phone="电话",
    ),  # fmt: skip
}


def write_xlsx(path: Path, rows: list[list], merge: str | None = None) -> Path:
    """Every row as given (the header is one of them); ``merge``: a range such as "B2:C2"."""
    workbook = Workbook()
    sheet = workbook.active
    for values in rows:
        sheet.append(values)
    if merge:
        sheet.merge_cells(merge)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list], delimiter: str = ",", encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def convert(source: Path, target: Path) -> Path:
    """A copy of an .xlsx in another format, written by LibreOffice."""
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(["soffice", "--headless", "--convert-to", target.suffix[1:], "--outdir", out, str(source)],
                       check=True, capture_output=True)  # fmt: skip
        (Path(out) / f"{source.stem}{target.suffix}").rename(target)
    return target


def make_fixtures() -> None:
    FIXTURES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        for name, case in CASES.items():
            source = write_xlsx(Path(work) / f"{name}.xlsx", [case.header, *case.rows])
            for suffix in (".xls", ".ods"):
                convert(source, FIXTURES / f"{name}{suffix}")
        case = CASES["questionnaires"]
        merged = write_xlsx(Path(work) / "merged.xlsx", [case.header, *case.rows, *case.rows], merge="B2:B3")
        for suffix in (".xls", ".ods"):
            convert(merged, FIXTURES / f"merged{suffix}")
        formula = write_xlsx(Path(work) / "formula.xlsx", [case.header, [*case.rows[0][:6], "=1+0", *case.rows[0][7:]]])
        convert(formula, FIXTURES / "formula.ods")


if __name__ == "__main__":
    make_fixtures()
    print(f"Fixtures written to {FIXTURES} on {datetime.date.today()}")
