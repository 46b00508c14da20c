"""The ledger as offices file it upward: one row per concern, its steps in one cell."""

import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from ledger.models import Concern, ConcernStep
from ledger.sheets import new_workbook, wrap_column
from units.models import Unit
from units.permissions import phone_shown


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
    return user.get_full_name() or user.get_username()


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


def _row(concern: Concern, user, today: datetime.date) -> list:
    return [
        concern.pk,
        concern.unit.name,
        concern.received_on,
        concern.get_source_display(),
        str(concern.category),
        str(concern.indicator or ""),
        concern.raiser_name or _("anonymous"),
        phone_shown(user, concern.unit, concern.raiser_phone),
        concern.text,
        concern.responsible_name,
        concern.deadline,
        concern.get_status_display(),
        _yes_no(concern.is_overdue(today)),
        concern.closed_on,
        _yes_no(concern.solved_on_time),
        "\n".join(_step_line(step) for step in concern.steps.all()),
    ]


def ledger_workbook(unit: Unit, concerns: QuerySet, user, today: datetime.date) -> Workbook:
    """Three queries whatever the number of concerns: the concerns, their steps, the steps' authors."""
    title = _("Ledger of concerns: %(unit)s") % {"unit": unit.name}
    workbook, sheet = new_workbook(title, _headers())
    steps = Prefetch("steps", queryset=ConcernStep.objects.select_related("by").order_by("at", "id"))
    for concern in concerns.for_listing().prefetch_related(steps):
        sheet.append(_row(concern, user, today))
    for letter in ("C", "K", "N"):
        for cell in sheet[letter][2:]:
            cell.number_format = "yyyy-mm-dd"
        sheet.column_dimensions[letter].width = 12
    sheet.column_dimensions["B"].width = 20
    wrap_column(sheet, "I", 40)
    wrap_column(sheet, "P", 70)
    return workbook
