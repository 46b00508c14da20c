"""Every workbook Manyi writes, written one way.

A workbook looks as a careful clerk would have made it by hand: a bold header
row, frozen and filtered; columns as wide as their content (a Chinese
character counts twice, long text wraps at ``MAX_WIDTH``); dates as real
dates shown yyyy-mm-dd; phones and codes as text; printed on A4 fitted to
one page wide, landscape when wide, the header repeated on every page, the
title and page numbers in the margins.

Text is never written as a formula: a unit called ``=HYPERLINK(...)`` is
that text in the cell, whatever it begins with (XlsxWriter's
``strings_to_formulas`` off; CSV cells are escaped as OWASP advises).

Each export registers its kind with ``@workbook_kind``, so that the test
that opens every workbook fails when a new one is not listed there.
"""

import datetime
import numbers
import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from django.utils import timezone

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MAX_WIDTH = 60  # wider text wraps
MEASURED_ROWS = 2000  # widths are fitted to the first rows: a sheet of a million rows is not measured cell by cell
PADDING = 2
PORTRAIT_COLUMNS = 7  # wider sheets print landscape
A4 = 9
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# OWASP "CSV injection": a cell beginning with one of these is run as a formula by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")

OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "default_date_format": DATE_FORMAT,
}

KINDS: dict[str, Callable] = {}  # every workbook Manyi writes: kind -> the function that writes it


def workbook_kind(kind: str) -> Callable[[Callable], Callable]:
    """Register a function that writes a workbook (see ``tests/spreadsheets/test_workbooks.py``)."""

    def register(function: Callable) -> Callable:
        KINDS[kind] = function
        return function

    return register


def display_width(value: object) -> int:
    """The width of a cell's longest line in Excel's units: wide (CJK, full-width) characters count 2."""
    if isinstance(value, datetime.datetime):
        return len("2026-01-01 00:00")
    if isinstance(value, datetime.date):
        return len("2026-01-01")
    if isinstance(value, str) and value.isascii() and "\n" not in value:
        return len(value)
    lines = str(value).split("\n")
    return max(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line) for line in lines)


def sheet_name(title: str, used: set[str] | None = None) -> str:
    """A legal, unique sheet name: at most 31 characters, none of []:*?/\\, cut between words when too long."""
    name = " ".join(SHEET_NAME_FORBIDDEN.sub(" ", str(title)).split()).strip("'") or "Sheet"
    taken = {n.lower() for n in used or ()}
    candidate, n = _cut(name, SHEET_NAME_MAX), 1
    while candidate.lower() in taken:  # Excel compares sheet names without case
        n += 1
        suffix = f" ({n})"
        candidate = _cut(name, SHEET_NAME_MAX - len(suffix)) + suffix
    if used is not None:
        used.add(candidate)
    return candidate


def _cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters at the last space, if there is one in the second half."""
    if len(text) <= limit:
        return text
    space = text.rfind(" ", 0, limit + 1)
    return (text[:space] if space > limit // 2 else text[:limit]).rstrip(" ,，、:")


def csv_cell(value: object) -> str:
    """A CSV cell that spreadsheet programs open as text: a leading ' before anything they would run."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _header_footer(text: str) -> str:
    return text.replace("&", "&&")[:200]


class Book:
    """One workbook being written; ``close()`` writes it to ``out`` (a path or a binary file)."""

    def __init__(self, out: str | Path | IO[bytes], *, constant_memory: bool = False) -> None:
        target = str(out) if isinstance(out, Path) else out
        self.workbook = xlsxwriter.Workbook(target, {**OPTIONS, "constant_memory": constant_memory})
        self.used: set[str] = set()
        self.sheets: list[ListSheet] = []
        self._formats: dict[tuple, Any] = {}

    def format(self, **spec: Any) -> Any:
        """A cell format, made once per workbook whatever the number of cells that use it."""
        key = tuple(sorted(spec.items()))
        if key not in self._formats:
            self._formats[key] = self.workbook.add_format(spec)
        return self._formats[key]

    def list_sheet(self, name: str, headers: list[str], **options: Any) -> "ListSheet":
        sheet = ListSheet(self, self.workbook.add_worksheet(sheet_name(name, self.used)), headers, **options)
        self.sheets.append(sheet)
        return sheet

    def text_sheet(self, name: str, lines: Iterable[str], *, title: str = "") -> None:
        """A sheet of instructions: one line of text per row in a wide wrapped column."""
        worksheet = self.workbook.add_worksheet(sheet_name(name, self.used))
        worksheet.set_column(0, 0, 110, self.format(text_wrap=True, valign="top"))
        for row, line in enumerate(lines):
            if line:
                worksheet.write_string(row, 0, str(line))
        print_setup(worksheet, title or name, columns=1)

    def close(self) -> None:
        for sheet in self.sheets:
            sheet.finish()
        self.workbook.close()


def print_setup(worksheet, title: str, *, columns: int, header_row: int | None = None) -> None:
    """A4, one page wide, landscape when wide, the header row on every page, title and page numbers."""
    worksheet.set_paper(A4)
    worksheet.fit_to_pages(1, 0)
    if columns > PORTRAIT_COLUMNS:
        worksheet.set_landscape()
    else:
        worksheet.set_portrait()
    if header_row is not None:
        worksheet.repeat_rows(header_row)
    worksheet.set_header(f"&C{_header_footer(title)}")
    worksheet.set_footer("&C&P / &N")


class ListSheet:
    """A list: an optional title and preamble rows, a header row, then one row per thing.

    Widths are fitted to the header and the first ``MEASURED_ROWS`` rows; ``widths`` fixes
    some columns instead (a template's empty columns, the error file's reasons); ``formats``
    gives columns a format for what users will type in (a template's codes as text).
    ``freeze_columns`` keeps the first columns in view when scrolling sideways.
    """

    def __init__(
        self,
        book: Book,
        worksheet,
        headers: list[str],
        *,
        title: str = "",
        preamble: Iterable[list] = (),
        widths: dict[int, int] | None = None,
        formats: dict[int, dict] | None = None,
        freeze_columns: int = 0,
        header_format: dict | None = None,
    ) -> None:
        self.book, self.worksheet, self.headers = book, worksheet, [str(h) for h in headers]
        self.title = title or worksheet.get_name()
        self.fixed = dict(widths or {})
        self.formats = {column: book.format(**spec) for column, spec in (formats or {}).items()}
        self.freeze_columns = freeze_columns
        self.widths = [display_width(h) for h in self.headers]
        self.row = 0
        if title:
            worksheet.write_string(0, 0, title, book.format(bold=True, font_size=14))
            self.row = 1
        for cells in preamble:  # a few lines about the list: left to run over the empty cells to their right
            self._write(self.row, cells, measure=False, wrap=False)
            self.row += 1
        self.header_row = self.row
        header = book.format(bold=True, text_wrap=True, valign="top", **(header_format or {"bottom": 1}))
        worksheet.write_row(self.header_row, 0, self.headers, header)
        self.row += 1
        self.last_row = self.header_row

    def append(self, values: list, *, at: int | None = None, marked: Iterable[int] = (), fill: str = "") -> None:
        """Write one row (at sheet row ``at`` when given); the ``marked`` columns get the ``fill`` colour."""
        row = self.row if at is None else at
        self._write(row, values, measure=row - self.header_row <= MEASURED_ROWS, marked=set(marked), fill=fill)
        self.last_row = max(self.last_row, row)
        self.row = row + 1

    def _write(
        self,
        row: int,
        values: list,
        *,
        measure: bool = True,
        wrap: bool = True,
        marked: set[int] = frozenset(),
        fill: str = "",
    ) -> None:
        for column, value in enumerate(values):
            blank = value is None or value == "" or value != value  # value != value: a NaN from pandas
            if measure and not blank and column not in self.fixed:
                while column >= len(self.widths):
                    self.widths.append(0)
                self.widths[column] = max(self.widths[column], display_width(value))
            style = {"bg_color": fill} if fill and column in marked else {}
            if blank:
                if style:
                    self.worksheet.write_blank(row, column, None, self.book.format(**style))
            else:
                self._cell(row, column, value, style, wrap)

    def _cell(self, row: int, column: int, value: object, style: dict, wrap: bool) -> None:
        """One cell by the type of its value: text is always a string, never a formula."""
        sheet, plain = self.worksheet, self.book.format(**style) if style else None
        if isinstance(value, bool):
            sheet.write_boolean(row, column, value, plain)
        elif isinstance(value, numbers.Real | Decimal):
            sheet.write_number(row, column, value, plain)
        elif isinstance(value, datetime.datetime):
            local = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
            sheet.write_datetime(row, column, local, self.book.format(num_format=DATETIME_FORMAT, **style))
        elif isinstance(value, datetime.date):
            sheet.write_datetime(row, column, value, self.book.format(num_format=DATE_FORMAT, **style))
        else:
            text = str(value)
            if wrap and ("\n" in text or display_width(text) > MAX_WIDTH):
                plain = self.book.format(text_wrap=True, valign="top", **style)
            sheet.write_string(row, column, text, plain)

    def finish(self) -> None:
        columns = max(len(self.widths), max(self.fixed, default=-1) + 1)
        for column in range(columns):
            width = self.fixed.get(column) or min(self.widths[column] + PADDING, MAX_WIDTH)
            self.worksheet.set_column(column, column, width, self.formats.get(column))
        self.worksheet.freeze_panes(self.header_row + 1, self.freeze_columns)
        self.worksheet.autofilter(self.header_row, 0, self.last_row, len(self.headers) - 1)
        print_setup(self.worksheet, self.title, columns=columns, header_row=self.header_row)


def blank_list(out: IO[bytes], *, title: str, headers: list[str]) -> None:
    """A template to fill in: the title, then the header row the import looks for."""
    book = Book(out)
    book.list_sheet(title, headers, title=title)
    book.close()
