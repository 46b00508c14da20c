"""Reading the sheets of online answering, all or nothing (``FileRefused`` names every wrong row and column).

An invitation list: one row per respondent (单位编码, 电话 or 姓名, 受访者类型).
Unit targets: one row per unit (单位编码, 样本目标).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from respond.services import Invitee
from spreadsheets.cells import whole_number
from spreadsheets.problems import add_reasons
from spreadsheets.reading import Column, Row, Sheet, read_all_or_nothing
from surveys.models import RespondentType, Round
from surveys.selectors import round_units
from units.permissions import Action
from units.phones import phone_canonical

add_reasons(
    {
        "phone_or_name": gettext_lazy("Give a phone or a name."),
        "target_negative": gettext_lazy("Enter a whole number of 0 or more."),
    }
)

INVITATION_COLUMNS = [
    Column("unit", gettext_lazy("Unit code"), ("单位编码", "单位代码", "unit code"), required=True),
    Column("phone", gettext_lazy("Phone"), ("电话", "手机", "手机号", "联系电话", "phone")),
    Column("name", gettext_lazy("Name"), ("姓名", "name")),
    Column("type", gettext_lazy("Respondent type"), ("受访者类型", "身份", "respondent type"), required=True),
]
TARGET_COLUMNS = [
    Column("unit", gettext_lazy("Unit code"), ("单位编码", "单位代码", "unit code"), required=True),
    Column("target", gettext_lazy("Sample target"), ("样本目标", "目标", "sample target"), required=True),
]


def _managed_units(round: Round, user) -> dict:
    """Participating units the user administers, by code (lower-cased): others are "not known"."""
    return {u.code.lower(): u for u in round_units(round, user, Action.MANAGE)}


def _type_names() -> dict[str, str]:
    """Respondent types by their value and by their label in either language, lower-cased."""
    names = {"社会人士": RespondentType.RESIDENT}
    for value, label in RespondentType.choices:
        names[value] = value
        names[str(label).lower()] = value
    return names


def invitations_read(upload, *, round: Round, user) -> tuple[list[Invitee], list[str]]:
    """Invitees of the rows and the headers ignored, for participating units the user administers."""
    units, types = _managed_units(round, user), _type_names()

    def parse(sheet: Sheet, row: Row) -> Invitee | None:
        problems_before = sheet.problems.total
        unit = sheet.lookup(row, "unit", units, required=True)
        kind = sheet.lookup(row, "type", types, required=True)
        name = row.text("name")[:50]
        phone = ""
        try:
            phone = phone_canonical(row.values.get("phone"))
        except ValidationError as error:
            sheet.error(row, "phone", f"phone_{error.code}")
        if not phone and not name and sheet.problems.total == problems_before:
            sheet.error(row, "phone", "phone_or_name")
        if sheet.problems.total > problems_before:
            return None
        return Invitee(unit=unit, name=name, phone=phone, respondent_type=kind)

    return read_all_or_nothing(upload, INVITATION_COLUMNS, parse)


def unit_targets_read(upload, *, round: Round, user) -> tuple[dict[int, int], list[str]]:
    """Unit id -> sample target, and the headers ignored, for participating units the user administers."""
    units = _managed_units(round, user)

    def parse(sheet: Sheet, row: Row) -> tuple[int, int] | None:
        unit = sheet.lookup(row, "unit", units, required=True)
        try:
            target = whole_number(row.values.get("target"))
        except ValueError:
            sheet.error(row, "target", "not_integer")
            return None
        if target < 0:
            sheet.error(row, "target", "target_negative")
            return None
        return None if unit is None else (unit.pk, target)

    rows, ignored = read_all_or_nothing(upload, TARGET_COLUMNS, parse)
    return dict(rows), ignored
