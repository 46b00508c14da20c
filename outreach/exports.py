"""The visit ledger (走访台帐) as Excel: every visit of a period, then coverage per person and per unit."""

import datetime

from django.utils.translation import gettext as _
from openpyxl import Workbook

from ledger.people import user_label
from ledger.sheets import add_sheet, new_workbook, wrap_column
from outreach.coverage import CoverageReport
from outreach.models import Visit
from units.models import Unit
from units.permissions import phone_shown


def _visit_headers() -> list[str]:
    return [
        _("Date"),
        _("Unit"),
        _("Name"),
        _("Parent or guardian"),
        _("Kind"),
        _("Phone"),
        _("Visited by"),
        _("How"),
        _("Notes"),
        _("Phone number checked"),
        _("Concerns raised"),
    ]


def _coverage_headers() -> list[str]:
    return [_("Assigned"), _("Quota"), _("Short of quota"), _("Visited this period"), _("Overdue")]


def _figures(c) -> list:
    return [c.assigned, c.quota, c.shortfall, c.visited, c.overdue]


def visits_workbook(unit: Unit, user, first: datetime.date, last: datetime.date, report: CoverageReport) -> Workbook:
    title = _("Visit ledger: %(unit)s, %(first)s to %(last)s") % {
        "unit": unit.name,
        "first": first.isoformat(),
        "last": last.isoformat(),
    }
    workbook, sheet = new_workbook(title, _visit_headers())
    visits = (
        Visit.objects.filter(contact__unit__path__startswith=unit.path, date__gte=first, date__lte=last)
        .select_related("contact__unit", "by")
        .prefetch_related("concerns")
        .order_by("contact__unit__path", "date", "id")
    )
    for visit in visits:
        contact = visit.contact
        sheet.append(
            [
                visit.date,
                contact.unit.name,
                contact.name,
                contact.guardian,
                contact.get_kind_display(),
                phone_shown(user, contact.unit, contact.phone),
                user_label(visit.by),
                visit.get_method_display(),
                visit.notes,
                visit.get_phone_check_display(),
                ", ".join(f"#{c.pk}" for c in visit.concerns.all()),
            ]
        )
    for cell in sheet["A"][2:]:
        cell.number_format = "yyyy-mm-dd"
    wrap_column(sheet, "I", 50)
    people = add_sheet(workbook, _("Coverage by person"), [_("Unit"), _("Person"), _("Cadre"), *_coverage_headers()])
    for c in report.people:
        person = user_label(c.user) if c.user else _("not assigned")
        people.append([c.unit.name, person, _("yes") if c.is_cadre else "", *_figures(c)])
    units = add_sheet(workbook, _("Coverage by unit"), [_("Unit"), *_coverage_headers()])
    for c in report.units:
        units.append([c.unit.name, *_figures(c)])
    return workbook
