"""Reading the sheets of online answering, all or nothing, errors by row and column.

An invitation list: one row per respondent (单位编码, 电话 or 姓名, 受访者类型).
Unit targets: one row per unit (单位编码, 样本目标).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ledger.sheets import Column, Row, Sheet, read_all_or_nothing, text
from respond.phones import phone_canonical
from respond.services import Invitee
from surveys.models import RespondentType, Round
from surveys.selectors import round_units
from units.permissions import Action

INVITATION_COLUMNS = [
    Column("unit", gettext_lazy("Unit code"), ("单位编码", "unit code"), required=True),
    Column("phone", gettext_lazy("Phone"), ("电话", "手机", "phone")),
    Column("name", gettext_lazy("Name"), ("姓名", "name")),
    Column("type", gettext_lazy("Respondent type"), ("受访者类型", "respondent type"), required=True),
]


def _type_names() -> dict[str, str]:
    """Respondent types by their value and by their label in either language, lower-cased."""
    names = {}
    for value, label in RespondentType.choices:
        names[value] = value
        names[str(label).lower()] = value
    names.update({"家长": "parent", "学生": "student", "教师": "teacher", "居民": "resident", "社会人士": "resident"})
    return names


def invitations_read(upload, *, round: Round, user) -> tuple[list[Invitee], list[str]]:
    """Invitees of the rows, for participating units the user administers; errors name row and column."""
    units = {u.code.lower(): u for u in round_units(round, user, Action.MANAGE)}
    types = _type_names()

    def parse(sheet: Sheet, row: Row) -> Invitee | None:
        unit = sheet.lookup(row, "unit", units, required=True)
        kind = sheet.lookup(row, "type", types, required=True)
        phone = phone_canonical(text(row.values.get("phone")))
        name = text(row.values.get("name"))[:50]
        if phone is None:
            sheet.error(row, "phone", _("enter the phone in digits."))
        elif not phone and not name:
            sheet.error(row, "phone", _("give a phone or a name."))
        if unit is None or kind is None or phone is None or not (phone or name):
            return None
        return Invitee(unit=unit, name=name, phone=phone, respondent_type=kind)

    return read_all_or_nothing(upload, INVITATION_COLUMNS, parse)


TARGET_COLUMNS = [
    Column("unit", gettext_lazy("Unit code"), ("单位编码", "unit code"), required=True),
    Column("target", gettext_lazy("Sample target"), ("样本目标", "目标", "sample target"), required=True),
]


def unit_targets_read(upload, *, round: Round, user) -> tuple[dict[int, int], list[str]]:
    """Unit id -> sample target, for participating units the user administers."""
    units = {u.code.lower(): u for u in round_units(round, user, Action.MANAGE)}

    def parse(sheet: Sheet, row: Row) -> tuple[int, int] | None:
        unit = sheet.lookup(row, "unit", units, required=True)
        target = row.values.get("target")
        if isinstance(target, str) and target.isdigit():
            target = int(target)
        if not isinstance(target, int) or isinstance(target, bool) or target < 0:
            sheet.error(row, "target", _("enter a whole number of 0 or more."))
            return None
        return None if unit is None else (unit.pk, target)

    rows, errors = read_all_or_nothing(upload, TARGET_COLUMNS, parse)
    return dict(rows), errors
