"""Writing the Excel sheets of the ledger and of visits (reading them is ``spreadsheets.reading``)."""

import re
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_title(title: str) -> str:
    """Excel allows 31 characters in a sheet's name, none of \\ / ? * [ ] :."""
    return re.sub(r"[\\/?*\[\]:]", " ", title)[:31].strip() or "Sheet"


def new_workbook(title: str, headers: list[str]) -> tuple[Workbook, object]:
    """A workbook whose first sheet has a title line and a bold header row."""
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet_title(title)
    worksheet.append([title])
    worksheet["A1"].font = Font(bold=True, size=14)
    worksheet.append(headers)
    for cell in worksheet[2]:
        cell.font = Font(bold=True)
    worksheet.freeze_panes = "A3"
    return workbook, worksheet


def add_sheet(workbook: Workbook, title: str, headers: list[str]):
    worksheet = workbook.create_sheet(sheet_title(title))
    worksheet.append(headers)
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    worksheet.freeze_panes = "A2"
    return worksheet


def wrap_column(worksheet, letter: str, width: int = 60) -> None:
    worksheet.column_dimensions[letter].width = width
    for cell in worksheet[letter]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def workbook_response(workbook: Workbook, file_name: str) -> HttpResponse:
    response = HttpResponse(content_type=XLSX_TYPE)
    # RFC 6266: an ASCII fallback and the UTF-8 name, which may be Chinese.
    response["Content-Disposition"] = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(file_name)}"
    workbook.save(response)
    return response
