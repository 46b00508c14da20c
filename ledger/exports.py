"""The ledger as offices file it upward: one row per concern, its steps in one cell."""

import datetime
from typing import IO

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.imports import COLUMNS
from ledger.models import Concern, ConcernStep
from spreadsheets.writing import Book, blank_list, workbook_kind
from units.accounts import person_name
from units.disclosures import PhonesShown
from units.models import Unit


def _headers() -> list[str]:
    return [
        _("No."),
        _("Unit"),
        _("Received on"),
        _("Source"),
        _("Category"),
        _("Indicator"),
        _("Raised by"),
        _("Phone"),
        _("What was said"),
        _("Responsible person"),
        _("Deadline"),
        _("Status"),
        _("Overdue"),
        _("Closed on"),
        _("On time"),
        _("Steps"),
    ]


def _person(user) -> str:
    if user is None:
        return _("system")
    return person_name(user)


def _step_line(step: ConcernStep) -> str:
    when = timezone.localtime(step.at).strftime("%Y-%m-%d %H:%M")
    parts = [f"{when} {_person(step.by)}: {step.get_kind_display()}"]
    if step.facts():
        parts.append(f"({step.facts()})")
    if step.text:
        parts.append(step.text)
    return " ".join(parts)


def _yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return _("yes") if value else _("no")


def _row(concern: Concern, phones: PhonesShown, today: datetime.date) -> list:
    return [
        concern.pk,
        concern.unit.name,
        concern.received_on,
        concern.get_source_display(),
        str(concern.category),
        str(concern.indicator or ""),
        concern.raiser_name or _("anonymous"),
        phones(concern.unit, concern.raiser_phone),
        concern.text,
        concern.responsible_name,
        concern.deadline,
        concern.get_status_display(),
        _yes_no(concern.is_overdue(today)),
        concern.closed_on,
        _yes_no(concern.solved_on_time),
        "\n".join(_step_line(step) for step in concern.steps.all()),
    ]


@workbook_kind("ledger")
def ledger_workbook(unit: Unit, concerns: QuerySet, user, today: datetime.date, out: IO[bytes]) -> None:
    """Three queries whatever the number of concerns: the concerns, their steps, the steps' authors."""
    title = _("Ledger of concerns: %(unit)s") % {"unit": unit.name}
    book = Book(out)
    sheet = book.list_sheet(_("Ledger"), _headers(), title=title, freeze_columns=2)
    steps = Prefetch("steps", queryset=ConcernStep.objects.select_related("by").order_by("at", "id"))
    phones = PhonesShown(user, "ledger", unit)
    for concern in concerns.for_listing().prefetch_related(steps):
        sheet.append(_row(concern, phones, today))
    book.close()
    phones.log()


@workbook_kind("concerns template")
def concerns_template(out: IO[bytes]) -> None:
    blank_list(out, title=_("Concerns collected on paper"), headers=[str(c.label) for c in COLUMNS])
