"""Reading the sheets of online answering, all or nothing (``FileRefused`` names every wrong row and column).

An invitation list: one row per respondent (单位编码, 电话 or 姓名, 受访者类型).
Unit targets: one row per unit (单位编码, 样本量 or 样本目标, and optionally a quota column per
respondent type: 家长, 学生, 教师, 社会人士, in percent of the unit's sample target).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from respond.services import Invitee, Target
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
        "quota_share": gettext_lazy("Enter a whole percent from 1 to 100, or leave the cell empty."),
        "quotas_over_100": gettext_lazy("The quotas of this row add up to more than 100 %."),
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
    Column("target", gettext_lazy("Sample target"), ("样本量", "样本目标", "目标", "sample size", "sample target"),
           required=True),
    *[
        Column(f"quota_{value}", label, (f"{label}配额", f"{label}配额(%)", f"{label}配额（%）", f"{value} quota"))
        for value, label in RespondentType.choices
    ],
]  # fmt: skip


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


def _share(value: object) -> int:
    """A percent from a cell: 60, "60", "60%", or 0.6 (a cell formatted as a percentage); 0 if none of these."""
    if isinstance(value, float) and 0 < value < 1:
        value = round(value * 100, 6)
    try:
        return whole_number(value.strip().rstrip("%％") if isinstance(value, str) else value)
    except ValueError:
        return 0


def unit_targets_read(upload, *, round: Round, user) -> tuple[dict[int, Target], list[str]]:
    """Unit id -> its target (and quotas, if any quota cell is filled), and the headers ignored.

    Only participating units the user administers are known; a quota is a
    whole percent (1-100) of the unit's target, the row's quotas at most 100 %.
    """
    units = _managed_units(round, user)

    def parse(sheet: Sheet, row: Row) -> tuple[int, Target] | None:
        problems_before = sheet.problems.total
        unit = sheet.lookup(row, "unit", units, required=True)
        try:
            target = whole_number(row.values.get("target"))
            if target < 0:
                sheet.error(row, "target", "target_negative")
        except ValueError:
            sheet.error(row, "target", "not_integer")
        quotas = {value: _share(row.values.get(f"quota_{value}")) for value in RespondentType.values
                  if row.text(f"quota_{value}")}  # fmt: skip
        wrong = [value for value, share in quotas.items() if not 0 < share <= 100]
        for value in wrong:
            sheet.error(row, f"quota_{value}", "quota_share")
        if not wrong and sum(quotas.values()) > 100:
            sheet.error(row, f"quota_{list(quotas)[-1]}", "quotas_over_100")
        if unit is None or sheet.problems.total > problems_before:
            return None
        return unit.pk, Target(sample_target=target, quotas=quotas or None)

    rows, ignored = read_all_or_nothing(upload, TARGET_COLUMNS, parse)
    return dict(rows), ignored
