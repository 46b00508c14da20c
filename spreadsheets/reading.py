"""Reading an uploaded spreadsheet: its header row and its rows, whatever the format.

The format is decided by the content, not by the name: a zip holding
``xl/workbook.xml`` is an .xlsx/.xlsm workbook, a zip whose ``mimetype`` says
so is an OpenDocument .ods, an OLE2 file is an old .xls (or a workbook
encrypted by a password); all three are read with python-calamine, the fastest
reader. Anything else must be a CSV in UTF-8 (with or without BOM) or GB18030,
separated by commas, semicolons or tabs, read by pandas in chunks so that a
million rows stay within a few hundred MB.

The header row is the first of the first rows that names two known columns,
so a title line above it is allowed. Columns named 序号 or 备注 are ignored
(and said to be), so is the column 错误 of an error file; a column named
twice is refused.
"""

import codecs
import csv
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from xml.etree import ElementTree

import pandas as pd
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from spreadsheets.cells import cell_text, header_key, header_text
from spreadsheets.problems import FileRefused, Problem, Problems

CHUNK_ROWS = 100_000
HEADER_SEARCH_ROWS = 5
# Sheets of our templates that are not data; the data sheet is the first other one.
HELPER_SHEETS = {"说明", "单位", "选项"}
# The column added by the error file; ignored on import, so that a corrected error file can be imported as is.
ERROR_COLUMN = "错误"
# Columns clerks add for themselves: a pre-printed row number, remarks. Ignored, with a note.
IGNORED_HEADERS = {header_key(h) for h in ("序号", "编号序号", "备注", "说明", "No.", "remarks")}
ACCEPT = ".xlsx,.xlsm,.xls,.ods,.csv"  # for the upload pickers
EXTENSIONS = ["xlsx", "xlsm", "xls", "ods", "csv"]

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
SAMPLE_BYTES = 64 * 1024
DELIMITERS = [",", ";", "\t"]


@dataclass
class Source:
    """A readable file: its header row and a way to read the rows below it in chunks.

    ``chunks(text_columns)`` yields DataFrames whose columns are positions in
    the header and whose index is the spreadsheet row number (row 1 is the
    first line of the file). For a CSV, columns in ``text_columns`` (mostly
    distinct values: numbers, phones) are read as text; the others as
    categories, which parse faster and take less memory when values repeat.
    """

    format: str  # "xlsx", "xls", "ods" or "csv"
    headers: list[str]
    header_row: int
    estimated_rows: int
    chunks: Callable[[set[int]], Iterator[pd.DataFrame]]
    encoding: str = ""
    delimiter: str = ","


def open_source(path: Path, file_name: str, header_keys: Iterable[str] = (), check_cells: bool = True) -> Source:
    """The file's header and rows, or ``FileRefused`` saying why it cannot be read.

    ``header_keys`` (as ``header_key`` makes them) tell the header row from a title above it.
    ``check_cells`` refuses workbooks with formulas or merged cells (off only to copy a refused file).
    """
    if path.stat().st_size == 0:
        raise FileRefused(Problem("empty"))
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    keys = set(header_keys)
    suffix = PurePath(file_name).suffix.lower()
    if head.startswith(ZIP_MAGIC):
        return _workbook_source(path, _zip_format(path), keys, check_cells, "corrupt")
    if head.startswith(OLE_MAGIC):
        if _is_encrypted(path):
            raise FileRefused(Problem("password"))
        # Word and other Office files are OLE2 files too: only one named .xls is a damaged workbook.
        return _workbook_source(path, "xls", keys, check_cells, "corrupt" if suffix == ".xls" else "not_spreadsheet")
    if suffix in {".xlsx", ".xlsm", ".xls", ".ods"}:
        raise FileRefused(Problem("corrupt"))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRefused(Problem("encoding"))
    if b"\x00" in head:
        raise FileRefused(Problem("not_spreadsheet"))
    return _csv_source(path, head, keys)


def _header_index(rows: list[list], keys: set[str]) -> int:
    """The first of the first rows naming two known columns (the first row when none does)."""
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if sum(header_key(cell) in keys for cell in cells) >= 2:
            return index
    return 0


# ---------------------------------------------------------------- workbooks


def _zip_format(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
                return "ods"
    except zipfile.BadZipFile:
        raise FileRefused(Problem("corrupt")) from None
    raise FileRefused(Problem("not_spreadsheet"))


def _workbook_source(path: Path, format: str, keys: set[str], check_cells: bool, unreadable: str) -> Source:
    try:
        with path.open("rb") as handle:
            workbook = CalamineWorkbook.from_filelike(handle)
        names = workbook.sheet_names
        name = next((n for n in names if n.strip() not in HELPER_SHEETS), names[0] if names else None)
        if name is None:
            raise FileRefused(Problem("empty"))
        sheet = workbook.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=False)
        merged = sheet.merged_cell_ranges or []
    except PasswordError:
        raise FileRefused(Problem("password")) from None
    except (CalamineError, zipfile.BadZipFile, ValueError, OSError):
        raise FileRefused(Problem(unreadable)) from None
    while rows and not any(cell_text(v) for v in rows[-1]):
        rows.pop()
    start = _header_index(rows, keys)
    if len(rows) < start + 2 or not any(cell_text(v) for v in rows[start]):
        raise FileRefused(Problem("empty"))
    headers = [header_text(v) for v in rows[start]]
    if check_cells:
        _refuse_formulas_and_merged_cells(path, format, name, headers, start + 1, merged)

    def chunks(text_columns: set[int]) -> Iterator[pd.DataFrame]:
        for first in range(start + 1, len(rows), CHUNK_ROWS):
            part = rows[first : first + CHUNK_ROWS]
            frame = pd.DataFrame(part, columns=range(len(headers)), dtype=object)
            frame.index = pd.RangeIndex(first + 1, first + 1 + len(part))
            yield frame

    return Source(format, headers, start + 1, len(rows) - start - 1, chunks)


def _refuse_formulas_and_merged_cells(path: Path, format: str, sheet_name: str, headers: list[str],
                                      header_row: int, merged: list) -> None:  # fmt: skip
    """Formulas and merged cells from the header row down, which would import silently wrong data.

    A formula written by a program may have no stored value (calamine reads the stored one); a merged
    cell keeps its value in the first cell only. Above the header (a title) both are allowed. An .xls
    always stores the values of its formulas, so only its merged cells are refused.
    """
    problems = Problems()
    cells: list[tuple[str, int, int, int, int]] = [("merged", r0, c0, r1, c1) for (r0, c0), (r1, c1) in merged]
    try:
        if format == "xlsx":
            cells += _xlsx_formulas(path, sheet_name)
        elif format == "ods":
            cells += _ods_formulas_and_merges(path, sheet_name)
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        raise FileRefused(Problem("corrupt")) from None
    for reason, row, column, last_row, last_column in cells:
        if last_row + 1 < header_row:
            continue
        header = headers[column] if column < len(headers) and headers[column] else _letters(column)
        params = {"cells": f"{_letters(column)}{row + 1}:{_letters(last_column)}{last_row + 1}"}
        problems.add(reason, row + 1, header, params=params if reason == "merged" else None)
    if problems:
        raise FileRefused(problems)


def _letters(column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


_CELL_REF = re.compile(rb"([A-Z]{1,3})([0-9]+)")
_FORMULA_CELL = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,3}[0-9]+)"[^>]*>\s*<(?:\w+:)?f[\s>/]')
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_NS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _xlsx_formulas(path: Path, sheet_name: str) -> list[tuple[str, int, int, int, int]]:
    with zipfile.ZipFile(path) as archive:
        xml = archive.read(_sheet_xml_name(archive, sheet_name))
    if b"<f" not in xml and b":f" not in xml:
        return []
    found = []
    for ref in _FORMULA_CELL.findall(xml):
        letters, digits = _CELL_REF.match(ref).groups()
        column = 0
        for letter in letters.decode():
            column = column * 26 + ord(letter) - 64
        found.append(("formula", int(digits) - 1, column - 1, int(digits) - 1, column - 1))
    return found


def _sheet_xml_name(archive: zipfile.ZipFile, sheet_name: str) -> str:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in rels.iter(f"{_NS_PKG}Relationship")}
    for sheet in workbook.iter(f"{_NS_MAIN}sheet"):
        if sheet.get("name") == sheet_name:
            target = targets[sheet.get(f"{_NS_REL}id")]
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise KeyError(sheet_name)


def _ods_formulas_and_merges(path: Path, sheet_name: str) -> list[tuple[str, int, int, int, int]]:
    """Calamine reports no merged cells of an .ods: they are read from its content.xml."""
    found = []
    table, cell_tags = f"{_NS_TABLE}table", {f"{_NS_TABLE}table-cell", f"{_NS_TABLE}covered-table-cell"}
    inside, row = False, 0
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
        for event, element in ElementTree.iterparse(content, events=("start", "end")):
            if element.tag == table:
                if event == "start":
                    inside = element.get(f"{_NS_TABLE}name") == sheet_name
                elif inside:
                    break
            elif inside and event == "end" and element.tag == f"{_NS_TABLE}table-row":
                column = 0
                for cell in (c for c in element if c.tag in cell_tags):
                    across = int(cell.get(f"{_NS_TABLE}number-columns-spanned", 1))
                    down = int(cell.get(f"{_NS_TABLE}number-rows-spanned", 1))
                    if across > 1 or down > 1:
                        found.append(("merged", row, column, row + down - 1, column + across - 1))
                    if cell.get(f"{_NS_TABLE}formula"):
                        found.append(("formula", row, column, row, column))
                    column += int(cell.get(f"{_NS_TABLE}number-columns-repeated", 1))
                row += int(element.get(f"{_NS_TABLE}number-rows-repeated", 1))
                element.clear()
    return found


def _is_encrypted(path: Path) -> bool:
    """An encrypted .xlsx is an OLE2 file holding a stream named "EncryptedPackage"."""
    marker = "EncryptedPackage".encode("utf-16-le")
    with path.open("rb") as handle:
        tail = b""
        while block := handle.read(1024 * 1024):
            if marker in tail + block:
                return True
            tail = block[-len(marker) :]
    return False


# ---------------------------------------------------------------- csv


def _csv_source(path: Path, head: bytes, keys: set[str]) -> Source:
    encoding = _encoding(head)
    try:
        with path.open(encoding=encoding, newline="") as handle:
            first_lines = [line for _, line in zip(range(HEADER_SEARCH_ROWS), handle, strict=False)]
            delimiter = _delimiter(first_lines)
            lines = list(csv.reader(io.StringIO("".join(first_lines)), delimiter=delimiter))
            start = _header_index(lines, keys)
            handle.seek(0)
            reader = csv.reader(handle, delimiter=delimiter)
            for _ in range(start):
                next(reader, None)
            headers = [header_text(v) for v in next(reader, [])]
            has_rows = next(reader, None) is not None
    except (UnicodeDecodeError, csv.Error):
        raise FileRefused(Problem("encoding")) from None
    if not any(headers) or not has_rows:
        raise FileRefused(Problem("empty"))
    # Only for the progress bar: rows guessed from the length of the first lines.
    estimated = int(path.stat().st_size / (len(head) / max(1, head.count(b"\n"))))

    def chunks(text_columns: set[int]) -> Iterator[pd.DataFrame]:
        dtype = {i: (str if i in text_columns else "category") for i in range(len(headers))}
        reader = pd.read_csv(
            path, encoding=encoding, header=None, skiprows=start + 1, names=list(range(len(headers))), dtype=dtype,
            sep=delimiter, keep_default_na=False, na_filter=False, skip_blank_lines=False, chunksize=CHUNK_ROWS,
            engine="c",
        )  # fmt: skip
        try:
            for frame in reader:
                frame.index = frame.index + start + 2
                yield _unescape_text(frame, text_columns)
        except pd.errors.ParserError as error:
            found = re.search(r"line (\d+)", str(error))
            raise FileRefused(Problem("too_many_cells", int(found.group(1)) if found else None)) from None
        except UnicodeDecodeError:
            raise FileRefused(Problem("encoding")) from None

    return Source("csv", headers, start + 1, estimated, chunks, encoding, delimiter)


# What ``spreadsheets.writing.csv_cell`` puts before a cell that would run as a formula.
_ESCAPED = r"^'(?=[=+\-@\t\r])"


def _unescape_text(frame: pd.DataFrame, text_columns: set[int]) -> pd.DataFrame:
    """Text cells without the ' Manyi's CSV files put before a formula, so an error file imports as it was typed.

    Excel and WPS drop that mark when they open the file; a file that went round unopened still has it.
    """
    for column in text_columns:
        values = frame[column]
        if values.str.startswith("'").any():
            frame[column] = values.str.replace(_ESCAPED, "", regex=True)
    return frame


def _delimiter(lines: list[str]) -> str:
    """Comma, semicolon (Excel in many European locales) or tab: whichever the first lines hold most of."""
    sample = "".join(lines)
    return max(DELIMITERS, key=lambda d: (sample.count(d), -DELIMITERS.index(d)))


def _encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030, decided on the first 64 KB (the header row is Chinese)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        raise FileRefused(Problem("encoding")) from None


# ---------------------------------------------------------------- headers


@dataclass
class Headers:
    """Where each known column is in the file, and what else the header row holds."""

    positions: dict[str, int] = field(default_factory=dict)  # column key -> position
    written: dict[str, str] = field(default_factory=dict)  # column key -> header as written in the file
    ignored: list[str] = field(default_factory=list)  # 序号, 备注: said to be ignored
    others: list[int] = field(default_factory=list)  # positions of headers naming no known column
    unnamed: list[int] = field(default_factory=list)  # positions of columns without a header


def match_headers(headers: list[str], aliases: dict[str, str], header_row: int, problems: Problems) -> Headers:
    """Each header found in ``aliases`` (header key -> column key); a column given twice is a problem."""
    found = Headers()
    for position, header in enumerate(headers):
        key = header_key(header)
        if not key:
            found.unnamed.append(position)
        elif header == ERROR_COLUMN:
            continue
        elif key in IGNORED_HEADERS:
            found.ignored.append(header)
        elif key not in aliases:
            found.others.append(position)
        elif aliases[key] in found.positions:
            first, column = found.written[aliases[key]], aliases[key]
            if header_key(first) == key:
                problems.add("duplicate_column", header_row, header, header)
            else:
                problems.add("duplicate_column_as", header_row, header, header, {"first": first, "column": column})
        else:
            found.positions[aliases[key]] = position
            found.written[aliases[key]] = header
    return found


def ignored_note(headers: list[str]) -> str:
    """What a clerk is told of the columns left out, or "" when there are none."""
    if not headers:
        return ""
    return _("Columns ignored: %(columns)s.") % {"columns": "、".join(headers)}


# ---------------------------------------------------------------- small sheets, row by row


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # lazy translation: the header written in templates and exports
    aliases: tuple[str, ...] = ()  # other headers accepted on import
    required: bool = False

    def header_keys(self) -> set[str]:
        labels = set()
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                labels.add(str(self.label))
        return {header_key(h) for h in (self.key, *labels, *self.aliases)}


@dataclass
class Row:
    number: int  # as Excel shows it
    values: dict[str, object]

    def text(self, key: str) -> str:
        return cell_text(self.values.get(key))


@dataclass
class Sheet:
    """The rows of a small sheet, keyed by column, and the problems found while parsing them."""

    rows: list[Row]
    headers: Headers
    problems: Problems = field(default_factory=Problems)

    def error(self, row: Row, key: str, reason: str, **params) -> None:
        column = self.headers.written.get(key, key)
        self.problems.add(reason, row.number, column, row.text(key), params)

    def lookup(self, row: Row, key: str, table: dict, required: bool):
        """The value of ``table`` named in the cell (case-insensitive), or None with the problem noted."""
        value = row.text(key)
        if not value:
            if required:
                self.error(row, key, "required")
            return None
        found = table.get(value.lower())
        if found is None:
            self.error(row, key, "unknown_value", value=value)
        return found


@contextmanager
def _local_path(upload) -> Iterator[tuple[Path, str]]:
    """A path to read and the file's name, for a path, an uploaded file or any binary file object."""
    if isinstance(upload, str | Path):
        yield Path(upload), Path(upload).name
        return
    name = getattr(upload, "name", "") or ""
    if hasattr(upload, "temporary_file_path"):
        yield Path(upload.temporary_file_path()), name
        return
    with tempfile.NamedTemporaryFile(suffix=PurePath(name).suffix) as copy:
        upload.seek(0)
        shutil.copyfileobj(upload, copy)
        copy.flush()
        yield Path(copy.name), name


def read_sheet(upload, columns: list[Column]) -> Sheet:
    """The non-blank rows of the first sheet, keyed by column; refuses unreadable files and missing columns."""
    aliases = {key: column.key for column in columns for key in column.header_keys()}
    with _local_path(upload) as (path, name):
        source = open_source(path, name, header_keys=aliases)
        problems = Problems()
        headers = match_headers(source.headers, aliases, source.header_row, problems)
        for column in columns:
            if column.required and column.key not in headers.positions:
                problems.add("missing_column", source.header_row, str(column.label))
        if problems:
            raise FileRefused(problems)
        headers.ignored += [source.headers[p] for p in headers.others]
        rows = []
        for frame in source.chunks(set(range(len(source.headers)))):
            for number, *cells in frame.itertuples(name=None):
                values = {key: cells[p] for key, p in headers.positions.items()}
                if any(cell_text(v) for v in values.values()):
                    rows.append(Row(number, values))
    if not rows:
        raise FileRefused(Problem("empty"))
    return Sheet(rows, headers)


def read_all_or_nothing(
    upload, columns: list[Column], parse_row: Callable[[Sheet, Row], object]
) -> tuple[list, list[str]]:
    """Rows of an uploaded sheet parsed by ``parse_row(sheet, row)``, and the headers ignored.

    Any problem, in the headers or in any row, refuses the whole file (``FileRefused``): all or nothing.
    """
    sheet = read_sheet(upload, columns)
    rows = [parse_row(sheet, row) for row in sheet.rows]
    if sheet.problems:
        raise FileRefused(sheet.problems)
    return [data for data in rows if data is not None], sheet.headers.ignored
