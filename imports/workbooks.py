"""Files handed to users: the template of a round, and a refused file with an error column added."""

import csv
import datetime
import io
import tempfile
from collections import defaultdict
from itertools import zip_longest
from pathlib import Path, PurePath

from django.conf import settings
from django.utils.translation import gettext as _

from imports.models import ImportJob, JobKind
from imports.validation import (
    CHANNEL_LABELS,
    COUNTS_COLUMNS,
    QUESTIONNAIRE_COLUMNS,
    RESPONDENT_LABELS,
    UNIT_CODE,
    open_results_file,
    phone_position,
)
from spreadsheets.cells import cell_text
from spreadsheets.problems import problem_text
from spreadsheets.reading import ERROR_COLUMN
from spreadsheets.writing import DATE_FORMAT, MAX_WIDTH, Book, csv_cell, workbook_kind
from surveys.models import Option, Round
from surveys.selectors import round_units
from units.disclosures import PhonesShown
from units.permissions import Action

DATA_SHEETS = {JobKind.QUESTIONNAIRES: "问卷", JobKind.COUNTS: "汇总"}  # sheet names: a data format
LAST_ROW = 1_048_575  # drop-down lists cover every row Excel has
TEMPLATE_HEADER = {"bg_color": "#DDEBF7", "border": 1}
WRONG = "#F8CBAD"  # the refused cells of the error file


def template_name(round: Round, kind: str) -> str:
    return f"{round.code}-{'问卷' if kind == JobKind.QUESTIONNAIRES else '汇总'}-模板.xlsx"


@workbook_kind("results template")
def template_workbook(*, round: Round, user, kind: str) -> bytes:
    """The exact headers, drop-down lists on the cells, the instructions (说明) and the user's units (单位)."""
    units = list(round_units(round, user, Action.ENTER).values_list("code", "name"))
    indicators = round.ordered_indicators()
    options = list(Option.objects.filter(scale_id=round.scale_id).order_by("number"))
    output = io.BytesIO()
    book = Book(output)
    if kind == JobKind.QUESTIONNAIRES:
        _questionnaire_sheet(book, round, indicators, len(units), len(options))
    else:
        _counts_sheet(book, units, indicators, options)
    book.text_sheet("说明", _instructions(round, kind, options), title=f"{round.name}（{round.code}）")
    _units_sheet(book, units)
    _lists_sheet(book, indicators, options)
    book.close()
    return output.getvalue()


def _questionnaire_sheet(book: Book, round: Round, indicators, unit_count: int, option_count: int) -> None:
    headers = QUESTIONNAIRE_COLUMNS + [indicator.name for indicator in indicators]
    widths = {0: 14, 1: 14, 2: 12, 3: 12, 4: 12, 5: 16} | dict.fromkeys(range(6, len(headers)), 14)
    text = {"num_format": "@"}  # 问卷编号, 单位编码, 电话: kept as typed (leading zeros)
    formats = {0: text, 1: text, 4: {"num_format": DATE_FORMAT}, 5: text}
    data = book.list_sheet(DATA_SHEETS[JobKind.QUESTIONNAIRES], headers, widths=widths, formats=formats,
                           header_format=TEMPLATE_HEADER)  # fmt: skip
    sheet = data.worksheet
    lists = {
        1: f"=单位!$A$2:$A${max(2, unit_count + 1)}",
        2: list(dict.fromkeys(RESPONDENT_LABELS)),
        3: ["电话", "纸质", "网络", "走访"],
    }
    for column, source in lists.items():
        sheet.data_validation(1, column, LAST_ROW, column, {"validate": "list", "source": source})
    sheet.data_validation(1, 4, LAST_ROW, 4, {
        "validate": "date", "criteria": "between",
        "minimum": datetime.datetime.combine(round.start, datetime.time()),
        "maximum": datetime.datetime.combine(round.end, datetime.time()),
        "error_message": _("The date must be within the round's period."),
    })  # fmt: skip
    first, last = len(QUESTIONNAIRE_COLUMNS), len(headers) - 1
    option_list = f"=选项!$B$2:$B${option_count + 1}"
    sheet.data_validation(1, first, LAST_ROW, last, {"validate": "list", "source": option_list})


def _counts_sheet(book: Book, units, indicators, options) -> None:
    headers = COUNTS_COLUMNS + [option.name for option in options]
    data = book.list_sheet(DATA_SHEETS[JobKind.COUNTS], headers, freeze_columns=2, header_format=TEMPLATE_HEADER,
                           widths=dict.fromkeys(range(2, len(headers)), 10))  # fmt: skip
    for code, _name in units:
        for indicator in indicators:
            data.append([code, indicator.name])
    sheet = data.worksheet
    sheet.data_validation(1, 0, LAST_ROW, 0, {"validate": "list", "source": f"=单位!$A$2:$A${max(2, len(units) + 1)}"})
    sheet.data_validation(1, 1, LAST_ROW, 1, {"validate": "list", "source": f"=选项!$D$2:$D${len(indicators) + 1}"})
    sheet.data_validation(1, 2, LAST_ROW, len(headers) - 1, {
        "validate": "integer", "criteria": ">=", "value": 0,
        "error_message": _("A count must be a whole number of 0 or more."),
    })  # fmt: skip


def _instructions(round: Round, kind: str, options) -> list[str]:
    choices = ", ".join(f"{o.number} = {o.name}" for o in options)
    lines = [
        _("Import template: %(round)s (%(code)s)") % {"round": round.name, "code": round.code},
        _("Period: %(start)s to %(end)s") % {"start": round.start, "end": round.end},
        "",
    ]
    if kind == JobKind.QUESTIONNAIRES:
        lines += [
            _("One row per questionnaire, on the first sheet. Keep the headers exactly as they are."),
            _("问卷编号: the questionnaire number (optional); when given, it must be unique in the round."),
            _("单位编码: the unit's code, from the sheet 单位 (a column 单位名称 with the unit's name may be used instead)."),
            _("受访者类型: %(choices)s.") % {"choices": "、".join(RESPONDENT_LABELS)},
            _("渠道: %(choices)s.") % {"choices": "、".join(CHANNEL_LABELS)},
            _("日期: the date of the questionnaire, within the round's period (for example 2026-05-01)."),
            _("电话: the respondent's phone (optional)."),
            _("Then one column per indicator: the answer's label or its number (%(choices)s); leave unanswered cells empty.")
            % {"choices": choices},
        ]  # fmt: skip
    else:
        lines += [
            _("One row per unit and indicator, on the first sheet. Keep the headers exactly as they are."),
            _("单位编码: the unit's code, from the sheet 单位. 指标: the indicator's name or code."),
            _("Then one column per option of the scale: the number of votes, a whole number of 0 or more."),
            _("A row with all counts empty changes nothing; otherwise empty cells count as 0 and replace the unit's counts."),
        ]  # fmt: skip
    lines += [
        "",
        _("The whole file is checked first: if any row is wrong, nothing is imported and every error is listed."),
        _("Cells must hold values: no formulas, no merged cells."),
        _("A file already imported into the round is refused, so that no vote is counted twice."),
        _("Files: .xlsx, .xlsm, .xls, .ods or .csv (UTF-8 or GB18030), at most %(limit)s MB.") % {"limit": settings.MANYI_UPLOAD_MAX_MB},
    ]  # fmt: skip
    return [str(line) for line in lines]


def _units_sheet(book: Book, units) -> None:
    sheet = book.list_sheet("单位", ["单位编码", "单位名称"], header_format=TEMPLATE_HEADER)
    for code, name in units:
        sheet.append([code, name])


def _lists_sheet(book: Book, indicators, options) -> None:
    sheet = book.list_sheet("选项", ["编号", "选项", "指标编码", "指标"], header_format=TEMPLATE_HEADER)
    for option, indicator in zip_longest(options, indicators):
        sheet.append(
            [
                option and option.number,
                option and option.name,
                indicator and indicator.code,
                indicator and indicator.name,
            ]
        )


# ---------------------------------------------------------------- the error file


def has_error_file(job: ImportJob) -> bool:
    """A copy with an error column is offered when the file could be read and rows were refused."""
    return any((problem.get("row") or 0) > 1 for problem in job.errors)


def error_file_name(job: ImportJob) -> str:
    name = PurePath(job.file_name)
    suffix = ".csv" if job.suffix == ".csv" or name.suffix.lower() == ".csv" else ".xlsx"
    return f"{name.stem}-{ERROR_COLUMN}{suffix}"


@workbook_kind("error file")
def error_file(*, job: ImportJob, user) -> tempfile.SpooledTemporaryFile:
    """The uploaded file with a column 错误 (the reasons, in the reader's language).

    A phone is shown whole only to an administrator of the row's unit, as on the pages; masked otherwise.
    """
    messages: dict[int, list[str]] = defaultdict(list)
    columns: dict[int, set[str]] = defaultdict(set)
    for problem in job.errors:
        if problem.get("row"):
            label = f"{problem['column']}: " if problem.get("column") else ""
            messages[problem["row"]].append(label + problem_text(problem))
            columns[problem["row"]].add(problem.get("column") or "")
    source = open_results_file(Path(job.file.path), job.file_name, check_cells=False)
    headers = source.headers
    keep = [position for position, header in enumerate(headers) if header != ERROR_COLUMN]
    phone = phone_position(headers)
    unit_code = headers.index(UNIT_CODE) if UNIT_CODE in headers else None
    # A row's phone belongs to the unit the row names: whole only for that unit's administrators.
    units = {u.code.casefold(): u for u in round_units(job.round, user, Action.VIEW)}
    output = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (closed by the response)
    write = _write_csv if error_file_name(job).endswith(".csv") else _write_xlsx

    def rows():
        for frame in source.chunks(set(range(len(headers)))):
            for row_number, values in zip(frame.index.tolist(), frame.itertuples(index=False, name=None), strict=True):
                cells = [values[p] for p in keep]
                if phone is not None:
                    unit = units.get(cell_text(values[unit_code]).casefold()) if unit_code is not None else None
                    cells[keep.index(phone)] = phones(unit, cell_text(values[phone]))
                yield row_number, cells, "；".join(messages.get(row_number, []))

    phones = PhonesShown(user, "error file", None)
    write(output, [headers[p] for p in keep], rows(), columns)
    phones.log()
    output.seek(0)
    return output


def _write_csv(output, headers: list[str], rows, columns) -> None:
    text = io.TextIOWrapper(output, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow([csv_cell(h) for h in [*headers, ERROR_COLUMN]])
    for _row, cells, message in rows:
        writer.writerow([csv_cell(c if isinstance(c, str) else cell_text(c)) for c in cells] + [csv_cell(message)])
    text.detach()


def _write_xlsx(output, headers: list[str], rows, columns) -> None:
    book = Book(output, constant_memory=True)
    sheet = book.list_sheet(
        DATA_SHEETS[JobKind.QUESTIONNAIRES], [*headers, ERROR_COLUMN], widths={len(headers): MAX_WIDTH}
    )
    position = {header: p for p, header in enumerate(headers)}
    for row_number, cells, message in rows:
        marked = {position[c] for c in columns.get(row_number, ()) if c in position}
        if message:
            marked.add(len(headers))
        sheet.append([*cells, message], at=row_number - 1, marked=marked, fill=WRONG)
    book.close()
