"""Cells as clerks type them: text, header names, dates and whole numbers, whatever the file's format."""

import datetime
import re
import unicodedata

_EXCEL_EPOCH = datetime.date(1899, 12, 30)
# Excel's serial numbers of the years 1954 to 2119: a plain number in a date column is one of these.
_SERIAL_MIN, _SERIAL_MAX = 20_000, 80_000
# 2026-05-01, 2026/5/1, 2026.5.1, 2026年5月1日, with dashes of every width (NFKC turns － into -),
# optionally followed by a time ("2026/5/1 10:23:45", as online platforms export the time of submission).
_DATE = re.compile(r"(\d{4})\s*[-/.年‐‑‒–—―−]\s*(\d{1,2})\s*[-/.月‐‑‒–—―−]\s*(\d{1,2})\s*日?(?:[\sT].*)?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
# What a header may carry besides its name: spaces, a * marking it required, a colon, brackets.
_HEADER_NOISE = re.compile(r"[\s*：:（）()【】\[\]]")


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
    """A header as written, with runs of blanks made one space (for messages)."""
    return " ".join(cell_text(value).split())


def header_key(value: object) -> str:
    """A header as compared: full-width made plain, without blanks, *, colons or brackets, in lower case."""
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", cell_text(value))).casefold()


def parse_date(value: object) -> datetime.date:
    """A date from a cell, or ValueError.

    Accepted: an Excel date, an Excel serial number, the number or text 20261001, and text such as
    2026-10-01, 2026－10－01, 2026/10/01, 2026.10.01 or 2026年10月1日 (a time after it is ignored).
    """
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value != value or not float(value).is_integer():
            raise ValueError(value)
        number = int(value)
        if _SERIAL_MIN < number < _SERIAL_MAX:
            return _EXCEL_EPOCH + datetime.timedelta(days=number)
        value = str(number)
    text = unicodedata.normalize("NFKC", cell_text(value))
    found = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if not found:
        raise ValueError(value)
    return datetime.date(*(int(part) for part in found.groups()))


def whole_number(value: object) -> int:
    """A whole number from a cell (3, 3.0, "3", "1,200", "３"), or ValueError."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        number = value
    else:
        text = unicodedata.normalize("NFKC", cell_text(value)).replace(",", "")
        try:
            number = float(text)
        except ValueError:
            raise ValueError(value) from None
    if number != number or not number.is_integer():
        raise ValueError(value)
    return int(number)
