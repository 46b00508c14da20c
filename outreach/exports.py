"""The visit ledger (走访台账) as Excel: every visit of a period, then coverage per person and per unit."""

import datetime
from typing import IO

from django.utils.translation import gettext as _

from outreach.coverage import CoverageReport
from outreach.imports import COLUMNS
from outreach.models import Visit
from spreadsheets.writing import Book, blank_list, workbook_kind
from units.accounts import person_name
from units.disclosures import PhonesShown
from units.models import Unit
from units.paths import subtree_q


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


@workbook_kind("visits")
def visits_workbook(
    unit: Unit, user, first: datetime.date, last: datetime.date, report: CoverageReport, out: IO[bytes]
) -> None:
    title = _("Visit ledger: %(unit)s, %(first)s to %(last)s") % {
        "unit": unit.name,
        "first": first.isoformat(),
        "last": last.isoformat(),
    }
    book = Book(out)
    sheet = book.list_sheet(_("Visits"), _visit_headers(), title=title, freeze_columns=3)
    visits = (
        Visit.objects.filter(subtree_q(unit.path, "household__unit__path"), date__gte=first, date__lte=last)
        .select_related("household__unit", "by")
        .prefetch_related("concerns")
        .order_by("household__unit__path", "date", "id")
    )
    phones = PhonesShown(user, "visits", unit)
    for visit in visits:
        household = visit.household
        sheet.append(
            [
                visit.date,
                household.unit.name,
                household.name,
                household.guardian,
                household.get_kind_display(),
                phones(household.unit, household.phone),
                person_name(visit.by),
                visit.get_method_display(),
                visit.notes,
                visit.get_phone_check_display(),
                ", ".join(f"#{c.pk}" for c in visit.concerns.all()),
            ]
        )
    headers = [_("Unit"), _("Person"), _("Cadre"), *_coverage_headers()]
    people = book.list_sheet(_("Coverage by person"), headers, title=title)
    for c in report.people:
        person = person_name(c.user) if c.user else _("not assigned")
        people.append([c.unit.name, person, _("yes") if c.is_cadre else "", *_figures(c)])
    units = book.list_sheet(_("Coverage by unit"), [_("Unit"), *_coverage_headers()], title=title)
    for c in report.units:
        units.append([c.unit.name, *_figures(c)])
    book.close()
    phones.log()


@workbook_kind("households template")
def households_template(out: IO[bytes]) -> None:
    blank_list(out, title=_("Contacts to visit"), headers=[str(c.label) for c in COLUMNS])
