"""Households (families to visit) imported from a spreadsheet: every row is checked before any is saved."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outreach.models import HouseholdKind
from outreach.services import HouseholdData
from spreadsheets.problems import add_reasons
from spreadsheets.reading import Column, Row, Sheet, read_all_or_nothing
from units import people
from units.models import Unit
from units.paths import is_under
from units.permissions import Action, can
from units.phones import phone_canonical

COLUMNS = [
    Column("name", gettext_lazy("Name"), ("姓名", "学生姓名", "户主", "户主姓名"), required=True),
    Column("guardian", gettext_lazy("Parent or guardian"), ("家长", "家长姓名", "监护人", "guardian")),
    Column("kind", gettext_lazy("Kind"), ("类别", "类型", "对象类别"), required=True),
    Column("phone", gettext_lazy("Phone"), ("电话", "联系电话", "手机", "手机号", "手机号码", "联系方式")),
    Column("address", gettext_lazy("Address"), ("住址", "地址", "家庭住址")),
    Column("assigned_to", gettext_lazy("Assigned to"), ("负责人", "联系人", "走访人", "包联人", "user")),
    Column("unit", gettext_lazy("Unit"), ("单位", "单位编码", "单位代码", "单位名称", "unit code")),
]

KIND_ALIASES = {
    "优等生": HouseholdKind.TOP,
    "特长生": HouseholdKind.GIFTED,
    "贫困生": HouseholdKind.POOR,
    "贫困": HouseholdKind.POOR,
    "学困生": HouseholdKind.STRUGGLING,
    "留守儿童": HouseholdKind.LEFT_BEHIND,
    "单亲家庭": HouseholdKind.SINGLE_PARENT,
    "单亲": HouseholdKind.SINGLE_PARENT,
    "重点户": HouseholdKind.KEY_HOUSEHOLD,
    "其他": HouseholdKind.OTHER,
    "一般户": HouseholdKind.OTHER,
}

add_reasons({"no_role_on_unit": gettext_lazy("%(user)s has no role on %(unit)s.")})


class Lookups:
    """Units, kinds and people a row may name, read once for the whole file (three queries)."""

    def __init__(self, unit: Unit, user) -> None:
        self.units = {}
        for u in Unit.objects.under(unit).filter(active=True):
            if can(user, Action.ENTER, u):
                self.units[u.code.lower()] = u
                self.units.setdefault(u.name.lower(), u)
        self.kinds = dict(KIND_ALIASES)
        for value, label in HouseholdKind.choices:
            self.kinds[value] = value
            self.kinds[str(label).lower()] = value
            self.kinds[_(str(label)).lower()] = value
        # Everyone with a role on, above or below the unit that the user sees, with the paths of their roles.
        roles = people.roles_of(unit, user)
        self.role_paths: dict[int, set[str]] = {}
        for user_id, path in roles.values_list("user_id", "unit__path"):
            self.role_paths.setdefault(user_id, set()).add(path)
        self.users = {}
        for account in get_user_model().objects.filter(pk__in=self.role_paths, is_active=True):
            self.users[account.get_username().lower()] = account
            if account.get_full_name():
                self.users.setdefault(account.get_full_name().lower(), account)

    def may_take(self, user, unit: Unit) -> bool:
        """Has the user a role on the unit, above it or below it?"""
        return any(is_under(unit.path, p) or is_under(p, unit.path) for p in self.role_paths.get(user.pk, ()))


def _row_data(sheet: Sheet, row: Row, unit: Unit, lookups: Lookups) -> HouseholdData | None:
    problems_before = sheet.problems.total
    target = sheet.lookup(row, "unit", lookups.units, False) if row.text("unit") else unit
    name = row.text("name")
    if not name:
        sheet.error(row, "name", "required")
    kind = sheet.lookup(row, "kind", lookups.kinds, True)
    assigned_to = sheet.lookup(row, "assigned_to", lookups.users, False)
    if assigned_to is not None and target is not None and not lookups.may_take(assigned_to, target):
        sheet.error(row, "assigned_to", "no_role_on_unit", user=str(assigned_to), unit=str(target))
    try:
        phone = phone_canonical(row.values.get("phone"))
    except ValidationError as error:
        sheet.error(row, "phone", f"phone_{error.code}")
    if sheet.problems.total > problems_before:
        return None
    return HouseholdData(
        unit=target,
        name=name[:50],
        kind=kind,
        assigned_to=assigned_to,
        guardian=row.text("guardian")[:50],
        phone=phone,
        address=row.text("address")[:200],
    )


def read_households(upload, unit: Unit, user) -> tuple[list[HouseholdData], list[str]]:
    """The households of an uploaded file and the headers ignored; ``FileRefused`` if any row is wrong."""
    lookups = Lookups(unit, user)
    return read_all_or_nothing(upload, COLUMNS, lambda sheet, row: _row_data(sheet, row, unit, lookups))
