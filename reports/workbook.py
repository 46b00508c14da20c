"""The ranking workbook: four sheets with the page's figures and colours.

Sheet names and column headers are Chinese on purpose: they are a data format
that offices exchange, not interface text. Rates are written as the rounded
percent the page shows (91.11 % is stored as 0.9111), so that a spreadsheet
shows exactly the page's figures. The toolkit's workbook in constant-memory
mode writes row by row, so a workbook of any size takes little memory; the
formats are made once per workbook, never per cell.
"""

import datetime
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import xlsxwriter
from django.utils import timezone

from reports.ranking import NO_DATA, Figure, Ranking, Row
from spreadsheets.writing import Book, print_setup, sheet_name, workbook_kind
from units.models import KIND_LABELS

SHEETS = ("总体排名", "分指标满意率", "分指标排名", "原始票数")
LINE_COLOUR = "#dc3545"  # Bootstrap's danger red: the target-rank line on the page
HEADER_COLOUR = "#e9ecef"
KIND_NAMES = {kind: label for label, kind in reversed(KIND_LABELS.items()) if len(label) <= 3}

Progress = Callable[[int], None]


def _no_progress(percent: int) -> None:
    pass


class _Styles:
    """Cell formats, made once per combination (a workbook may hold only so many)."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.workbook = workbook
        self.cache: dict[tuple, object] = {}
        self.title = workbook.add_format({"bold": True, "font_size": 13})
        self.header = workbook.add_format(
            {"bold": True, "bg_color": HEADER_COLOUR, "border": 1, "text_wrap": True, "valign": "vcenter"}
        )

    def get(self, number: str = "", colour: str = "", line: bool = False) -> object:
        key = (number, colour, line)
        if key not in self.cache:
            spec: dict = {"num_format": number} if number else {}
            if colour:
                spec.update(bg_color=colour, pattern=1)
            if line:
                spec.update(bottom=5, bottom_color=LINE_COLOUR)
            self.cache[key] = self.workbook.add_format(spec)
        return self.cache[key]


PERCENT = "0.00%"
POINTS = "+0.00;-0.00;0.00"
CHANGE = "+0;-0;0"
MARGIN = "0.00"


def rate_value(figure: Figure) -> float | str:
    """The rate as the page prints it, as a fraction of 1 for a percent format; "—" without data."""
    return NO_DATA if figure.hundredths is None else figure.hundredths / 10_000


def _yes(flag: bool | None) -> str:
    return "" if flag is None else ("是" if flag else "否")


def title_text(ranking: Ranking, today: datetime.date) -> str:
    level = KIND_NAMES.get(ranking.level, ranking.level)
    return (
        f"{ranking.round.name}（{ranking.round.code}） 范围：{ranking.scope.name} "
        f"同级：{level} 生成日期：{today:%Y-%m-%d}"
    )


@workbook_kind("ranking")
def workbook_write(
    ranking: Ranking, out: str | Path | IO[bytes], progress: Progress = _no_progress, today: datetime.date | None = None
) -> None:
    """Write the four sheets of ``ranking`` to ``out`` (a path or a binary file)."""
    book = Book(out, constant_memory=True)
    styles = _Styles(book.workbook)
    title = title_text(ranking, today or timezone.localdate())
    for number, (name, headers, widths, rows) in enumerate(workbook_sheets(ranking, styles)):
        _write(book.workbook.add_worksheet(sheet_name(name, book.used)), styles, title, headers, widths, rows)
        progress(round(100 * (number + 1) / (len(SHEETS) + 1)))
    book.close()
    progress(100)


def workbook_sheets(ranking: Ranking, styles) -> Iterator[tuple[str, list[str], list[int], Iterator["Cells"]]]:
    """(sheet name, headers, column widths, rows of (value, format)) for each sheet, in order."""
    steps = [_overall_sheet, _indicator_rates_sheet, _indicator_ranks_sheet, _raw_counts_sheet]
    for name, step in zip(SHEETS, steps, strict=True):
        yield name, *step(ranking, styles)


Cells = list[tuple[object, object]]  # (value, format) per column


def _write(sheet, styles: _Styles, title: str, headers: list[str], widths: list[int], rows: Iterator[Cells]) -> None:
    sheet.write(0, 0, title, styles.title)
    for column, (header, width) in enumerate(zip(headers, widths, strict=True)):
        sheet.set_column(column, column, width)
        sheet.write(1, column, header, styles.header)
    sheet.set_row(1, 32)
    sheet.freeze_panes(2, 3)
    last = 1
    for last, cells in enumerate(rows, start=2):
        for column, (value, style) in enumerate(cells):
            sheet.write(last, column, value, style)
    sheet.autofilter(1, 0, last, len(headers) - 1)
    print_setup(sheet, title, columns=len(headers), header_row=1)


def _overall_sheet(ranking: Ranking, styles: _Styles):
    headers = [
        "名次", "单位编码", "单位名称", "有效票数", "满意", "基本满意", "不满意", "不了解", "总体满意率",
        "95%区间下限", "95%区间上限", "达标", "达标需转化票数", "达标需新增满意票数", "上轮满意率",
        "满意率变化（百分点）", "上轮名次", "名次变化", "有效票数不足", "与上一名无明显差异",
    ]  # fmt: skip
    widths = [6, 14, 28, 10, 8, 9, 8, 8, 11, 11, 11, 6, 13, 15, 11, 14, 9, 9, 11, 14]
    planned = ranking.planned
    if planned:  # beside the rate's interval: the margin at the questionnaires achieved, and the sample itself
        confidence = ranking.checks.confidence
        headers[11:11] = [f"误差范围（±百分点，{confidence}%置信）", "已完成问卷", "计划样本量"]
        widths[11:11] = [14, 10, 10]
    headers.append("数据核查")
    widths.append(26)

    def rows() -> Iterator[Cells]:
        for row in ranking.rows:
            plain, percent = styles.get(line=row.line_below), styles.get(PERCENT, line=row.line_below)
            overall, counts, needed, before = row.overall, row.overall.counts, row.votes_needed, row.previous
            interval = overall.interval_hundredths
            sample = [
                ("" if row.margin is None else float(row.margin), styles.get(MARGIN, line=row.line_below)),
                (row.sample.achieved if row.sample else "", plain),
                (row.sample.planned if row.sample else "", plain),
            ]
            yield [
                (_blank(row.sort_rank), plain),
                (row.unit.code, plain),
                (row.unit.name, plain),
                (counts.valid, plain),
                (counts.satisfied, plain),
                (counts.basic, plain),
                (counts.dissatisfied, plain),
                (counts.excluded, plain),
                (rate_value(overall), percent),
                ("" if interval is None else interval[0] / 10_000, percent),
                ("" if interval is None else interval[1] / 10_000, percent),
                *(sample if planned else []),
                (_yes(row.target_met), plain),
                ("" if needed is None else needed.convert, plain),
                ("" if needed is None or needed.gain is None else needed.gain, plain),
                ("" if before is None else rate_value(before), percent),
                ("" if row.rate_change is None else float(row.rate_change), styles.get(POINTS, line=row.line_below)),
                ("" if before is None else _blank(before.rank), plain),
                (_blank(row.rank_change), styles.get(CHANGE, line=row.line_below)),
                ("是" if row.low_votes else "", plain),
                ("是" if row.not_clearly_different else "", plain),
                (check_note(row), plain),
            ]

    return headers, widths, rows()


def check_note(row: Row) -> str:
    """数据存疑 (with the discrepancy rate of the call-backs) and 低于计划 (fewer questionnaires than planned)."""
    notes = []
    if row.doubtful is not None:
        notes.append(f"数据存疑（回访不符率{row.doubtful}%）")
    if row.below_plan:
        notes.append(f"低于计划（{row.sample.achieved}/{row.sample.planned}份）")
    return "；".join(notes)


def _blank(value: int | None) -> int | str:
    return "" if value is None else value


def _lead(row: Row, styles: _Styles) -> Cells:
    plain = styles.get(line=row.line_below)
    return [(_blank(row.sort_rank), plain), (row.unit.code, plain), (row.unit.name, plain)]


def _indicator_rates_sheet(ranking: Ranking, styles: _Styles):
    headers = ["名次", "单位编码", "单位名称", "总体满意率"] + [indicator.name for indicator in ranking.indicators]

    def rows() -> Iterator[Cells]:
        for row in ranking.rows:
            yield _lead(row, styles) + [
                (rate_value(cell), styles.get(PERCENT, cell.colour, row.line_below)) for cell in row.cells
            ]

    return headers, [6, 14, 28] + [12] * len(row_cells(ranking)), rows()


def _indicator_ranks_sheet(ranking: Ranking, styles: _Styles):
    headers = ["名次", "单位编码", "单位名称", "总体名次"] + [indicator.name for indicator in ranking.indicators]

    def rows() -> Iterator[Cells]:
        for row in ranking.rows:
            yield _lead(row, styles) + [
                (_blank(cell.rank), styles.get(colour=cell.colour, line=row.line_below)) for cell in row.cells
            ]

    return headers, [6, 14, 28] + [12] * len(row_cells(ranking)), rows()


def row_cells(ranking: Ranking) -> list[None]:
    """One entry per rate column: overall, then each indicator."""
    return [None] * (len(ranking.indicators) + 1)


def _raw_counts_sheet(ranking: Ranking, styles: _Styles):
    figures = ranking.figures
    options = [option.name for option in figures.options]
    headers = ["名次", "单位编码", "单位名称", "指标"] + options + ["有效票数", "满意率"]
    plain, percent = styles.get(), styles.get(PERCENT)

    def rows() -> Iterator[Cells]:
        for row in ranking.rows:
            lead = [(_blank(row.sort_rank), plain), (row.unit.code, plain), (row.unit.name, plain)]
            for indicator, cell in zip(ranking.indicators, row.indicators, strict=True):
                votes = figures.option_counts(row.unit.id, indicator.id)
                yield (
                    lead
                    + [(indicator.name, plain)]
                    + [(n, plain) for n in votes]
                    + [(cell.valid, plain), (rate_value(cell), percent)]
                )

    return headers, [6, 14, 28, 22] + [9] * len(options) + [10, 10], rows()
