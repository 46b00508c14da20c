"""The assessment table and the people's effort table as Excel workbooks (``spreadsheets.writing``)."""

from typing import IO

from django.utils.translation import gettext as _

from assessment.components import KINDS
from assessment.people import PersonEffort
from assessment.services import Assessment
from spreadsheets.writing import Book, workbook_kind


def _assessment_headers(assessment: Assessment) -> list[str]:
    headers = [_("Code"), _("Unit"), _("Rank"), _("Overall rate (%)"), _("Valid votes")]
    headers += [_("Rate points"), _("Rank points"), _("Deductions")]
    if assessment.has_other:
        headers.append(_("Other points"))
    return headers + [_("Total"), _("Awards")]


@workbook_kind("assessment")
def assessment_workbook(assessment: Assessment, title: str, out: IO[bytes]) -> None:
    """The table, then every point explained: one row per unit and component."""
    book = Book(out)
    sheet = book.list_sheet(_("Assessment"), _assessment_headers(assessment), title=title, freeze_columns=2)
    for row in assessment.rows:
        values = [row.code, row.name, row.rank, row.rate, row.valid, row.rate_points, row.rank_points, row.deductions]
        if assessment.has_other:
            values.append(row.other_points)
        sheet.append(values + [row.total, row.no_awards])
    headers = [_("Code"), _("Unit"), _("Component"), _("Points"), _("Why"), _("Concerns"), _("Follow-ups")]
    parts = book.list_sheet(_("Breakdown"), headers, title=title, freeze_columns=2)
    for row in assessment.rows:
        for part in row.parts:
            parts.append(
                [
                    row.code,
                    row.name,
                    str(KINDS[part.kind].label) if part.kind in KINDS else part.kind,
                    part.points,
                    part.reason,
                    ", ".join(f"#{pk}" for pk in part.concerns),
                    ", ".join(f"#{pk}" for pk in part.follow_ups),
                ]
            )
    book.close()


def people_headers() -> list[str]:
    return [
        _("Name"),
        _("Units"),
        _("Cadre"),
        _("Quota"),
        _("Households"),
        _("Visited this period"),
        _("Visited (% of quota)"),
        _("Follow-up calls"),
        _("Respondents called back"),
        _("Concerns due"),
        _("Closed on time"),
        _("Overdue"),
        _("On time (%)"),
    ]


def people_row(p: PersonEffort) -> list:
    return [
        p.name,
        "、".join(p.units),
        _("yes") if p.is_cadre else "",
        p.quota,
        p.households,
        p.visited,
        p.visited_percent,
        p.calls,
        p.follow_ups_called,
        p.concerns_due,
        p.on_time,
        p.overdue,
        p.on_time_percent,
    ]


@workbook_kind("people effort")
def people_workbook(people: list[PersonEffort], title: str, out: IO[bytes]) -> None:
    book = Book(out)
    sheet = book.list_sheet(_("People"), people_headers(), title=title, freeze_columns=1)
    for p in people:
        sheet.append(people_row(p))
    book.close()
