"""Files handed to users: the template of a round, and a refused file with an error column added."""

import csv
import datetime
import io
import tempfile
from collections import defaultdict
from pathlib import Path, PurePath

import xlsxwriter
from django.conf import settings
from django.utils.translation import gettext as _

from imports.models import ImportJob, JobKind
from imports.validation import (
    CHANNEL_LABELS,
    COUNTS_COLUMNS,
    QUESTIONNAIRE_COLUMNS,
    RESPONDENT_LABELS,
    open_results_file,
    phone_position,
)
from spreadsheets.cells import cell_text
from spreadsheets.problems import problem_text
from spreadsheets.reading import ERROR_COLUMN
from surveys.models import Option, Round
from surveys.selectors import round_units
from units.permissions import Action, phone_for

DATA_SHEETS = {JobKind.QUESTIONNAIRES: "问卷", JobKind.COUNTS: "汇总"}  # sheet names: a data format
LAST_ROW = 1_048_575  # drop-down lists cover every row Excel has


def template_name(round: Round, kind: str) -> str:
    return f"{round.code}-{'问卷' if kind == JobKind.QUESTIONNAIRES else '汇总'}-模板.xlsx"


def template_workbook(*, round: Round, user, kind: str) -> bytes:
    """The exact headers, drop-down lists on the cells, the instructions (说明) and the user's units (单位)."""
    units = list(round_units(round, user, Action.ENTER).values_list("code", "name"))
    indicators = round.ordered_indicators()
    options = list(Option.objects.filter(scale_id=round.scale_id).order_by("number"))
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    data = workbook.add_worksheet(DATA_SHEETS[kind])
    if kind == JobKind.QUESTIONNAIRES:
        _questionnaire_sheet(workbook, data, bold, round, indicators, len(units), len(options))
    else:
        _counts_sheet(data, bold, units, indicators, options)
    _instructions_sheet(workbook.add_worksheet("说明"), round, kind, indicators, options)
    _units_sheet(workbook.add_worksheet("单位"), bold, units)
    _lists_sheet(workbook.add_worksheet("选项"), bold, indicators, options)
    workbook.close()
    return output.getvalue()


def _questionnaire_sheet(workbook, sheet, bold, round: Round, indicators, unit_count: int, option_count: int) -> None:
    headers = QUESTIONNAIRE_COLUMNS + [indicator.name for indicator in indicators]
    sheet.write_row(0, 0, headers, bold)
    sheet.freeze_panes(1, 0)
    text = workbook.add_format({"num_format": "@"})
    sheet.set_column(0, 0, 14, text)  # 问卷编号: kept as typed (leading zeros)
    sheet.set_column(1, 1, 14, text)
    sheet.set_column(2, 3, 12)
    sheet.set_column(4, 4, 12, workbook.add_format({"num_format": "yyyy-mm-dd"}))
    sheet.set_column(5, 5, 14, text)
    sheet.set_column(6, len(headers) - 1, 14)
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


def _counts_sheet(sheet, bold, units, indicators, options) -> None:
    headers = COUNTS_COLUMNS + [option.name for option in options]
    sheet.write_row(0, 0, headers, bold)
    sheet.freeze_panes(1, 2)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 22)
    sheet.set_column(2, len(headers) - 1, 10)
    row = 1
    for code, _name in units:
        for indicator in indicators:
            sheet.write_string(row, 0, code)
            sheet.write_string(row, 1, indicator.name)
            row += 1
    sheet.data_validation(1, 0, LAST_ROW, 0, {"validate": "list", "source": f"=单位!$A$2:$A${max(2, len(units) + 1)}"})
    sheet.data_validation(1, 1, LAST_ROW, 1, {"validate": "list", "source": f"=选项!$D$2:$D${len(indicators) + 1}"})
    sheet.data_validation(1, 2, LAST_ROW, len(headers) - 1, {
        "validate": "integer", "criteria": ">=", "value": 0,
        "error_message": _("A count must be a whole number of 0 or more."),
    })  # fmt: skip


def _instructions_sheet(sheet, round: Round, kind: str, indicators, options) -> None:
    sheet.set_column(0, 0, 110)
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
    for row, line in enumerate(lines):
        sheet.write_string(row, 0, str(line))


def _units_sheet(sheet, bold, units) -> None:
    sheet.write_row(0, 0, ["单位编码", "单位名称"], bold)
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 40)
    for row, (code, name) in enumerate(units, start=1):
        sheet.write_string(row, 0, code)
        sheet.write_string(row, 1, name)


def _lists_sheet(sheet, bold, indicators, options) -> None:
    sheet.write_row(0, 0, ["编号", "选项", "指标编码", "指标"], bold)
    sheet.set_column(0, 3, 18)
    for row, option in enumerate(options, start=1):
        sheet.write_number(row, 0, option.number)
        sheet.write_string(row, 1, option.name)
    for row, indicator in enumerate(indicators, start=1):
        sheet.write_string(row, 2, indicator.code)
        sheet.write_string(row, 3, indicator.name)


# ---------------------------------------------------------------- the error file


def has_error_file(job: ImportJob) -> bool:
    """A copy with an error column is offered when the file could be read and rows were refused."""
    return any((problem.get("row") or 0) > 1 for problem in job.errors)


def error_file_name(job: ImportJob) -> str:
    name = PurePath(job.file_name)
    suffix = ".csv" if job.suffix == ".csv" or name.suffix.lower() == ".csv" else ".xlsx"
    return f"{name.stem}-{ERROR_COLUMN}{suffix}"


def error_file(*, job: ImportJob, user) -> tempfile.SpooledTemporaryFile:
    """The uploaded file with a column 错误 (the reasons, in the reader's language); phones masked as on pages."""
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
    output = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (closed by the response)
    write = _write_csv if error_file_name(job).endswith(".csv") else _write_xlsx

    def rows():
        for frame in source.chunks(set(range(len(headers)))):
            for row_number, values in zip(frame.index.tolist(), frame.itertuples(index=False, name=None), strict=True):
                cells = [values[p] for p in keep]
                if phone is not None:
                    cells[keep.index(phone)] = phone_for(user, cell_text(values[phone]))
                yield row_number, cells, "；".join(messages.get(row_number, []))

    write(output, [headers[p] for p in keep], rows(), columns)
    output.seek(0)
    return output


def _write_csv(output, headers: list[str], rows, columns) -> None:
    text = io.TextIOWrapper(output, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow([*headers, ERROR_COLUMN])
    for _row, cells, message in rows:
        writer.writerow([cell_text(c) if not isinstance(c, str) else c for c in cells] + [message])
    text.detach()


def _write_xlsx(output, headers: list[str], rows, columns) -> None:
    workbook = xlsxwriter.Workbook(
        output, {"constant_memory": True, "in_memory": False, "tmpdir": tempfile.gettempdir()}
    )
    sheet = workbook.add_worksheet(DATA_SHEETS[JobKind.QUESTIONNAIRES])
    bold = workbook.add_format({"bold": True})
    wrong = workbook.add_format({"bg_color": "#F8CBAD"})
    wrong_date = workbook.add_format({"bg_color": "#F8CBAD", "num_format": "yyyy-mm-dd"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, [*headers, ERROR_COLUMN], bold)
    sheet.set_column(len(headers), len(headers), 60)
    position = {header: p for p, header in enumerate(headers)}
    for row_number, cells, message in rows:
        marked = {position[c] for c in columns.get(row_number, ()) if c in position}
        for p, value in enumerate(cells):
            is_date = isinstance(value, datetime.date)
            style = (wrong_date if is_date else wrong) if p in marked else (date if is_date else None)
            if value is None or value == "":
                if style is not None:
                    sheet.write_blank(row_number - 1, p, None, style)
            else:
                sheet.write(row_number - 1, p, value, style)
        if message:
            sheet.write_string(row_number - 1, len(headers), message, wrong)
    workbook.close()
