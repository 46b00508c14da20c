"""Reading the Excel sheets of the ledger and of visits (the workbooks are written by ``spreadsheets.writing``).

An import reads the first sheet; its header row (one of the first few rows,
so that a title line above it is allowed) names the columns in Chinese or
English. Errors name the row number and the column as written in the file,
so that a clerk can find the cell.
"""

import datetime
import re
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

HEADER_SEARCH_ROWS = 5


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # lazy translation: the header written in templates and exports
    aliases: tuple[str, ...] = ()  # other headers accepted on import
    required: bool = False

    def headers(self) -> set[str]:
        return {_normal(h) for h in (self.key, str(self.label), *self.aliases)}


@dataclass
class Row:
    number: int  # as Excel shows it
    values: dict[str, object]


@dataclass
class Sheet:
    rows: list[Row] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # column key -> header as written in the file
    errors: list[str] = field(default_factory=list)

    def error(self, row: Row, key: str, message: str) -> None:
        self.errors.append(
            _("Row %(row)d, column %(column)s: %(message)s")
            % {"row": row.number, "column": self.headers.get(key, key), "message": message}
        )

    def lookup(self, row: Row, key: str, table: dict, required: bool):
        """The value of ``table`` named in the cell (case-insensitive), or None with the error noted."""
        value = text(row.values.get(key))
        if not value:
            if required:
                self.error(row, key, _("a value is required."))
            return None
        found = table.get(value.lower())
        if found is None:
            self.error(row, key, _("%(value)s is not known.") % {"value": value})
        return found


def _normal(header: object) -> str:
    return re.sub(r"[\s*：:（）()]", "", str(header or "")).lower()


def _match_header(cells: tuple, columns: list[Column]) -> dict[int, Column]:
    found = {}
    for index, cell in enumerate(cells):
        for column in columns:
            if cell is not None and _normal(cell) in column.headers() and column not in found.values():
                found[index] = column
    return found


def _clean(value: object) -> object:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_sheet(upload, columns: list[Column]) -> Sheet:
    """The data rows of the first sheet, keyed by column; unreadable files and missing columns as errors."""
    sheet = Sheet()
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        sheet.errors.append(_("The file could not be read as an Excel workbook (.xlsx)."))
        return sheet
    try:
        _read_rows(workbook.worksheets[0], columns, sheet)
    finally:
        workbook.close()
    return sheet


def _read_rows(worksheet, columns: list[Column], sheet: Sheet) -> None:
    mapping: dict[int, Column] = {}
    for number, cells in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if not mapping:
            if number > HEADER_SEARCH_ROWS:
                break
            candidate = _match_header(cells, columns)
            if len(candidate) >= 2:
                mapping = candidate
                sheet.headers = {column.key: str(cells[i]).strip() for i, column in mapping.items()}
            continue
        values = {column.key: _clean(cells[i]) if i < len(cells) else None for i, column in mapping.items()}
        if any(v not in (None, "") for v in values.values()):
            sheet.rows.append(Row(number, values))
    if not mapping:
        sheet.errors.append(_("No header row was found: the first rows must name the columns."))
        return
    for column in columns:
        if column.required and column.key not in sheet.headers:
            sheet.errors.append(_("The column %(column)s is missing.") % {"column": column.label})
    if not sheet.rows and not sheet.errors:
        sheet.errors.append(_("The file has no data rows."))


def read_all_or_nothing(upload, columns: list[Column], parse_row) -> tuple[list, list[str]]:
    """Rows of an uploaded sheet parsed by ``parse_row(sheet, row)``, and the errors found.

    Any error, in the headers or in any row, means no rows at all: imports are all or nothing.
    """
    sheet = read_sheet(upload, columns)
    if sheet.errors:
        return [], sheet.errors
    rows = [parse_row(sheet, row) for row in sheet.rows]
    if sheet.errors:
        return [], sheet.errors
    return [data for data in rows if data is not None], []


def parse_date(value: object) -> datetime.date:
    """A date from a cell: an Excel date, or text such as 2026-03-02, 2026/3/2 or 2026年3月2日."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", str(value or "").strip())
    if not match:
        raise ValueError(str(value))
    return datetime.date(*(int(part) for part in match.groups()))


def text(value: object) -> str:
    return "" if value is None else str(value).strip()
