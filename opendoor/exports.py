"""Open-door activities as Excel: coverage per unit of a period, the plan of each unit, every activity held."""

from typing import IO

from django.utils.translation import gettext as _

from opendoor.coverage import OpenDoorReport
from opendoor.models import Activity, ActivityKind
from spreadsheets.writing import Book, workbook_kind


def _coverage_sheet(book: Book, report: OpenDoorReport, title: str) -> None:
    kinds = [kind for kind in ActivityKind if any(kind.value in c.by_kind for c in report.units)]
    headers = [_("Unit"), _("Code"), _("Required"), _("Number held"), _("Held (%)")]
    headers += [f"{kind.label} {label}" for kind in kinds for label in (_("held"), _("required"))]
    sheet = book.list_sheet(_("Coverage by unit"), headers, title=title, freeze_columns=1)
    for coverage in report.units:
        figures = [n for kind in kinds for n in coverage.by_kind.get(kind.value, ["", ""])]
        percent = float(coverage.percent) if coverage.percent is not None else ""
        sheet.append([coverage.unit.name, coverage.unit.code, coverage.required, coverage.held, percent, *figures])


def _plan_sheet(book: Book, report: OpenDoorReport, title: str) -> None:
    headers = [_("Unit"), _("Activity"), _("From"), _("To"), _("Planned on"), _("Required"), _("Number held")]
    sheet = book.list_sheet(_("Plan"), headers, title=title, freeze_columns=2)
    for coverage in report.units:
        for rule, line in coverage.lines:
            for window in line.windows:
                row = [coverage.unit.name, rule.label, window.first, window.last, window.planned_on or ""]
                sheet.append([*row, window.required, window.held])


def _activities_sheet(book: Book, report: OpenDoorReport, title: str) -> None:
    headers = [_("Held on"), _("Unit"), _("Activity"), _("Who attended"), _("How many"), _("Activity summary"),
               _("Opinions raised"), _("Concerns")]  # fmt: skip
    sheet = book.list_sheet(_("Activities"), headers, title=title, freeze_columns=2)
    activities = (
        Activity.objects.under(report.unit)
        .filter(held_on__gte=report.first, held_on__lte=report.last)
        .select_related("unit")
        .prefetch_related("opinions")
        .order_by("unit__path", "held_on", "id")
    )
    for a in activities:
        opinions = list(a.opinions.all())
        concerns = ", ".join(f"#{o.concern_id}" for o in opinions if o.concern_id)
        texts = "\n".join(o.text for o in opinions)
        sheet.append([a.held_on, a.unit.name, a.get_kind_display(), a.attended_by, a.participants, a.summary,
                      texts, concerns])  # fmt: skip


@workbook_kind("open-door activities")
def open_door_workbook(report: OpenDoorReport, out: IO[bytes]) -> None:
    title = _("Open-door activities: %(unit)s, %(first)s to %(last)s") % {
        "unit": report.unit.name,
        "first": report.first.isoformat(),
        "last": report.last.isoformat(),
    }
    book = Book(out)
    _coverage_sheet(book, report, title)
    _plan_sheet(book, report, title)
    _activities_sheet(book, report, title)
    book.close()
