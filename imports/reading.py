"""Reading an uploaded file into its header and chunks of raw cells, whatever the format.

Format is decided by content, not by the name: an .xlsx/.xlsm is a zip with
``xl/workbook.xml`` (read with python-calamine, the fastest reader); an old
.xls or an encrypted workbook is an OLE2 file; anything else must be a CSV in
UTF-8 (with or without BOM) or GB18030, read by pandas in chunks so that a
million rows stay within a few hundred MB.
"""

import codecs
import csv
import datetime
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from xml.etree import ElementTree

import pandas as pd
from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from imports.problems import FileRefused, Problem, Problems

CHUNK_ROWS = 100_000
# Sheets of our template that are not data; the data sheet is the first other one.
HELPER_SHEETS = {"说明", "单位", "选项"}
# The column added by the error file; ignored on import, so that a corrected error file can be imported as is.
ERROR_COLUMN = "错误"

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SAMPLE_BYTES = 64 * 1024


@dataclass
class Source:
    """A readable file: its header row and a way to read its rows in chunks.

    ``chunks(text_columns)`` yields DataFrames whose columns are positions in
    the header and whose index is the spreadsheet row number (header = 1).
    Columns in ``text_columns`` (mostly distinct values: numbers, phones) are
    read as text; the others as categories, which parse faster and take less
    memory when values repeat.
    """

    format: str  # "xlsx" or "csv"
    headers: list[str]
    estimated_rows: int
    chunks: Callable[[set[int]], Iterator[pd.DataFrame]]
    encoding: str = ""


def open_source(path: Path, file_name: str, check_cells: bool = True) -> Source:
    """The file's header and rows, or ``FileRefused`` saying why it cannot be read.

    ``check_cells`` refuses workbooks with formulas or merged cells (off only to copy a refused file).
    """
    if path.stat().st_size == 0:
        raise FileRefused(Problem("empty"))
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    suffix = PurePath(file_name).suffix.lower()
    if head.startswith(ZIP_MAGIC):
        if not _is_workbook(path):
            raise FileRefused(Problem("not_spreadsheet" if zipfile.is_zipfile(path) else "corrupt"))
        return _xlsx_source(path, check_cells)
    if head.startswith(OLE_MAGIC):
        raise FileRefused(Problem("password" if _is_encrypted(path) else "old_excel"))
    if suffix in {".xlsx", ".xlsm"}:
        raise FileRefused(Problem("corrupt"))
    if suffix == ".xls":
        raise FileRefused(Problem("old_excel"))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRefused(Problem("encoding"))
    if b"\x00" in head:
        raise FileRefused(Problem("not_spreadsheet"))
    return _csv_source(path, head)


def cell_text(value: object) -> str:
    """A cell as the text a clerk typed: 1001.0 -> "1001", a date -> "2026-05-01", blanks -> ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def header_text(value: object) -> str:
    return " ".join(cell_text(value).split())


# ---------------------------------------------------------------- xlsx


def _xlsx_source(path: Path, check_cells: bool) -> Source:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
        name = next((n for n in names if n.strip() not in HELPER_SHEETS), names[0] if names else None)
        if name is None:
            raise FileRefused(Problem("empty"))
        rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except PasswordError:
        raise FileRefused(Problem("password")) from None
    except (CalamineError, zipfile.BadZipFile, ValueError, OSError):
        raise FileRefused(Problem("corrupt")) from None
    while rows and not any(cell_text(v) for v in rows[-1]):
        rows.pop()
    if len(rows) < 2 or not any(cell_text(v) for v in rows[0]):
        raise FileRefused(Problem("empty"))
    headers = [header_text(v) for v in rows[0]]
    if check_cells:
        _refuse_formulas_and_merged_cells(path, name, headers)

    def chunks(text_columns: set[int]) -> Iterator[pd.DataFrame]:
        for start in range(1, len(rows), CHUNK_ROWS):
            part = rows[start : start + CHUNK_ROWS]
            frame = pd.DataFrame(part, columns=range(len(headers)), dtype=object)
            frame.index = pd.RangeIndex(start + 1, start + 1 + len(part))
            yield frame

    return Source("xlsx", headers, len(rows) - 1, chunks)


def _is_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


_CELL_REF = re.compile(rb"([A-Z]{1,3})([0-9]+)")
_FORMULA_CELL = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,3}[0-9]+)"[^>]*>\s*<(?:\w+:)?f[\s>/]')
_MERGED = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]{1,3}[0-9]+(?::[A-Z]{1,3}[0-9]+)?)"')


def _refuse_formulas_and_merged_cells(path: Path, sheet_name: str, headers: list[str]) -> None:
    """Calamine reads a formula's cached value and fills no merged cell: both would import silently wrong data."""
    try:
        with zipfile.ZipFile(path) as archive:
            xml = archive.read(_sheet_xml_name(archive, sheet_name))
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        raise FileRefused(Problem("corrupt")) from None
    problems = Problems()
    if b"<f" in xml or b":f" in xml:
        for ref in _FORMULA_CELL.findall(xml):
            row, column = _cell_position(ref, headers)
            problems.add("formula", row, column)
    for ref in _MERGED.findall(xml) if b"mergeCell" in xml else []:
        row, column = _cell_position(ref.split(b":")[0], headers)
        problems.add("merged", row, column, params={"cells": ref.decode()})
    if problems:
        raise FileRefused(problems)


def _cell_position(ref: bytes, headers: list[str]) -> tuple[int, str]:
    letters, digits = _CELL_REF.match(ref).groups()
    index = 0
    for letter in letters.decode():
        index = index * 26 + ord(letter) - 64
    header = headers[index - 1] if index <= len(headers) and headers[index - 1] else letters.decode()
    return int(digits), header


_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _sheet_xml_name(archive: zipfile.ZipFile, sheet_name: str) -> str:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in rels.iter(f"{_NS_PKG}Relationship")}
    for sheet in workbook.iter(f"{_NS_MAIN}sheet"):
        if sheet.get("name") == sheet_name:
            target = targets[sheet.get(f"{_NS_REL}id")]
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise KeyError(sheet_name)


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


def _csv_source(path: Path, head: bytes) -> Source:
    encoding = _encoding(head)
    try:
        with path.open(encoding=encoding, newline="") as handle:
            reader = csv.reader(handle)
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
            path, encoding=encoding, header=None, skiprows=1, names=list(range(len(headers))), dtype=dtype,
            keep_default_na=False, na_filter=False, skip_blank_lines=False, chunksize=CHUNK_ROWS, engine="c",
        )  # fmt: skip
        try:
            for frame in reader:
                frame.index = frame.index + 2
                yield frame
        except pd.errors.ParserError as error:
            found = re.search(r"line (\d+)", str(error))
            raise FileRefused(Problem("too_many_cells", int(found.group(1)) if found else None)) from None
        except UnicodeDecodeError:
            raise FileRefused(Problem("encoding")) from None

    return Source("csv", headers, estimated, chunks, encoding)


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
