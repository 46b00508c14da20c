"""What can be wrong with an imported file, in words the user reads in their own language.

A problem is plain data (reason code, row, column, value, parameters) and is
put into words only when shown, so that a page or an error file speaks the
language of whoever reads it, not of the worker that found it. The reasons
common to every import are here; each import adds its own with
``add_reasons`` next to the checks that find them.
"""

from dataclasses import asdict, dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Errors kept on a job; beyond this only the number is kept (a file that bad is the wrong file).
PROBLEMS_KEPT = 10_000
VALUE_CHARS = 100

REASONS: dict[str, Promise] = {
    # the file as a whole
    "not_spreadsheet": _("The file is not a spreadsheet: upload an .xlsx, .xlsm, .xls, .ods or .csv file."),
    "corrupt": _("The file is damaged and cannot be read: open it in Excel or WPS, save it again and upload it."),
    "password": _("The file is protected by a password: remove the password and upload it again."),
    "encoding": _("The text file is neither UTF-8 nor GB18030: save it again as “CSV UTF-8”."),
    "empty": _("The file has no rows to import."),
    "too_large": _("The file is larger than the limit of %(limit)s MB."),
    # headers and cells of the sheet
    "missing_column": _("This column is missing."),
    "unknown_column": _("Unknown column."),
    "duplicate_column": _("This column appears twice."),
    "duplicate_column_as": _("This column repeats the column %(first)s (both mean %(column)s): keep one of them."),
    "unnamed_column": _("This column has data but no header."),
    "too_many_cells": _("This row has more cells than there are columns."),
    "formula": _("This cell holds a formula: paste values only."),
    "merged": _("Merged cells (%(cells)s): unmerge them and fill every cell."),
    # values
    "required": _("This cell must not be empty."),
    "unknown_value": _("“%(value)s” is not known."),
    "bad_date": _("Not a date (write it as 2026-05-01)."),
    "not_integer": _("Not a whole number."),
    "negative": _("A count cannot be negative."),
    "too_long": _("Longer than %(max)s characters."),
    # a rule of the domain, whose message its service gives (already in the user's language)
    "rule": _("%(message)s"),
}


def add_reasons(reasons: dict[str, Promise]) -> None:
    """Add the reasons of one import; a code means one thing everywhere."""
    for code, text in reasons.items():
        if REASONS.get(code, text) is not text:
            raise ValueError(f"Reason {code!r} is already defined differently.")
        REASONS[code] = text


def problem_text(problem: dict) -> str:
    """The reason of a stored problem in the active language."""
    message = str(REASONS.get(problem.get("reason"), problem.get("reason", "")))
    params = problem.get("params") or {}
    return message % params if params else message


@dataclass(frozen=True)
class Problem:
    """One thing wrong: an Excel row number (header row as in the file) and column, or ``row=None`` for the file."""

    reason: str
    row: int | None = None
    column: str | None = None
    value: str = ""
    params: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return asdict(self)

    @property
    def message(self) -> str:
        return problem_text(self.as_json())

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if not self.column:
            return gettext("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}
        return gettext("Row %(row)d, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class Problems:
    """Collects problems; counts them all but keeps only the first ``PROBLEMS_KEPT``."""

    def __init__(self) -> None:
        self.kept: list[Problem] = []
        self.total = 0

    def __bool__(self) -> bool:
        return self.total > 0

    def add(self, reason: str, row: int | None = None, column: str | None = None, value: object = "",
            params: dict | None = None) -> None:  # fmt: skip
        self.total += 1
        if len(self.kept) < PROBLEMS_KEPT:
            self.kept.append(Problem(reason, row, column, _value_text(value), params or {}))

    def room(self) -> int:
        return max(0, PROBLEMS_KEPT - len(self.kept))

    def add_rows(
        self, reason: str, rows, column: str | None, values: list, total: int, params_for=None, **params
    ) -> None:
        """``total`` rows with the same reason, of which the first ``len(rows)`` (with their ``values``) are kept."""
        for position in range(min(len(rows), self.room())):
            extra = params_for(position) if params_for else {}
            self.kept.append(
                Problem(reason, int(rows[position]), column, _value_text(values[position]), params | extra)
            )
        self.total += total

    def sorted(self) -> list[Problem]:
        return sorted(self.kept, key=lambda p: (p.row or 0, p.column or "", p.reason))


class FileRefused(Exception):
    """The file is refused (unreadable, wrong headers or any wrong row): nothing is written."""

    def __init__(self, problems: Problems | Problem) -> None:
        if isinstance(problems, Problem):
            single = Problems()
            single.kept.append(problems)
            single.total = 1
            problems = single
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems.kept[:5]))


def _value_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"
