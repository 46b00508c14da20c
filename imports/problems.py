"""What can be wrong with an imported file, in words the user reads in their own language.

A problem is stored on the job as plain JSON (row, column, value, reason code,
parameters) and put into words only when shown, so that the page and the
error file speak the language of whoever reads them, not of the worker.
"""

from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext_lazy as _

# Errors kept on a job; beyond this only the number is kept (a file that bad is the wrong file).
PROBLEMS_KEPT = 10_000
VALUE_CHARS = 100

REASONS = {
    # the file as a whole
    "not_spreadsheet": _("The file is not a spreadsheet: upload an .xlsx, .xlsm or .csv file."),
    "old_excel": _("Old .xls files cannot be read: open the file in Excel, save it as .xlsx and upload it again."),
    "corrupt": _("The file is damaged and cannot be read."),
    "password": _("The file is protected by a password: remove the password and upload it again."),
    "encoding": _("The text file is neither UTF-8 nor GB18030: save it again as “CSV UTF-8”."),
    "empty": _("The file has no rows to import."),
    "too_large": _("The file is larger than the limit of %(limit)s MB."),
    "round_closed": _("The round is not open: results cannot be imported."),
    "already_imported": _(
        "This file was already imported into this round (import #%(job)s): it is refused so that no vote is counted twice."
    ),
    "changed": _(
        "Units, indicators or options of the round changed while the file was being checked: import it again."
    ),
    "worker_stopped": _(
        "The import stopped before it finished (the worker was stopped). Nothing was written: run it again."
    ),
    "crashed": _("The import failed because of an internal error. Nothing was written: run it again."),
    # headers and cells of the sheet
    "missing_column": _("This column is missing."),
    "missing_unit_column": _("The unit is missing: add a column 单位编码 (unit code) or 单位名称 (unit name)."),
    "unknown_column": _("Unknown column."),
    "duplicate_column": _("This column appears twice."),
    "indicator_not_in_round": _("This indicator is not part of the round."),
    "unnamed_column": _("This column has data but no header."),
    "too_many_cells": _("This row has more cells than there are columns."),
    "formula": _("This cell holds a formula: paste values only."),
    "merged": _("Merged cells (%(cells)s): unmerge them and fill every cell."),
    # values
    "required": _("This cell must not be empty."),
    "unknown_unit": _("Unknown unit."),
    "ambiguous_unit": _("Several units have this name: use the unit code (单位编码)."),
    "not_participating": _("This unit does not take part in the round."),
    "unknown_respondent_type": _("Unknown respondent type (expected one of %(choices)s)."),
    "unknown_channel": _("Unknown channel (expected one of %(choices)s)."),
    "bad_date": _("Not a date (write it as 2026-05-01)."),
    "date_outside": _("The date is outside the round's period (%(start)s to %(end)s)."),
    "bad_option": _("Not an option of the round's scale (%(choices)s)."),
    "no_answers": _("The row answers no indicator."),
    "too_long": _("Longer than %(max)s characters."),
    "duplicate_number_in_file": _("This questionnaire number already appears in row %(row)s."),
    "duplicate_number_in_round": _(
        "This questionnaire number is already in the round: it was imported or entered before."
    ),
    "duplicate_phone_in_file": _(
        "This phone number already appears in row %(row)s; the round allows one answer per phone."
    ),
    "duplicate_phone_in_round": _("This phone number has already answered in this round."),
    "unknown_indicator": _("Unknown indicator of this round."),
    "duplicate_count_row": _("This unit and indicator already appear in row %(row)s."),
    "negative": _("A count cannot be negative."),
    "not_integer": _("A count must be a whole number."),
}


@dataclass(frozen=True)
class Problem:
    reason: str
    row: int | None = None
    column: str | None = None
    value: str = ""
    params: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return asdict(self)


def problem_text(problem: dict) -> str:
    """The reason of a stored problem in the active language."""
    message = str(REASONS.get(problem.get("reason"), problem.get("reason", "")))
    params = problem.get("params") or {}
    return message % params if params else message


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
    """The file cannot be imported at all (not readable, wrong headers): nothing is written."""

    def __init__(self, problems: Problems | Problem) -> None:
        if isinstance(problems, Problem):
            single = Problems()
            single.kept.append(problems)
            single.total = 1
            problems = single
        self.problems = problems
        super().__init__(", ".join(p.reason for p in problems.kept[:5]))


def _value_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"
