"""Reading the sheets of samples and phone interviews, all or nothing (``FileRefused`` names every wrong cell).

Populations: 单位编码, 人数. A call list: 单位编码, 电话, 受访者类型, optional 姓名.
A firm's call records: 单位编码, 电话, 拨打时间, 结果 (the Chinese labels of ``RESULT_LABELS``).
"""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

from sampling.calls import CalledRow, ListedNumber
from sampling.models import RESULT_LABELS, AttemptResult, CallNumber
from spreadsheets.cells import cell_text, whole_number
from spreadsheets.problems import add_reasons
from spreadsheets.reading import Column, Row, Sheet, read_all_or_nothing
from surveys.models import RespondentType, Round
from surveys.selectors import round_units
from units.permissions import Action
from units.phones import phone_canonical

add_reasons(
    {
        "population_negative": gettext_lazy("A population is a whole number of 0 or more."),
        "phone_repeated": gettext_lazy("This phone is already in the file (row %(first)s)."),
        "phone_listed": gettext_lazy("This phone is already on the round's call list."),
        "phone_other_unit": gettext_lazy("This phone is on the call list of another unit (%(unit)s)."),
        "bad_time": gettext_lazy("Not a time of call (write it as 2026-05-01 18:30)."),
    }
)

UNIT = Column("unit", gettext_lazy("Unit code"), ("单位编码", "单位代码", "unit code"), required=True)
PHONE = Column("phone", gettext_lazy("Phone"), ("电话", "手机", "手机号", "联系电话", "phone"), required=True)
POPULATION_COLUMNS = [UNIT, Column("population", gettext_lazy("Population"), ("人数", "总人数", "population"), True)]
CALL_LIST_COLUMNS = [
    UNIT,
    PHONE,
    Column("type", gettext_lazy("Respondent type"), ("受访者类型", "身份", "respondent type"), required=True),
    Column("name", gettext_lazy("Name"), ("姓名", "name")),
]
CALL_RECORD_COLUMNS = [
    UNIT,
    PHONE,
    Column("at", gettext_lazy("Called at"), ("拨打时间", "通话时间", "时间", "called at"), required=True),
    Column("result", gettext_lazy("Result"), ("结果", "拨打结果", "result"), required=True),
]
_TIME = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*(\d{1,2})[:时](\d{2})(?:[:分](\d{2}))?秒?")


def _type_names() -> dict[str, str]:
    """Respondent types by value and by label in either language, lower-cased (社会人士 is a resident)."""
    names = {"社会人士": RespondentType.RESIDENT, "家长": RespondentType.PARENT, "学生": RespondentType.STUDENT}
    for value, label in RespondentType.choices:
        names[value] = value
        names[str(label).lower()] = value
    return names


def _units(round: Round, user, action: Action) -> dict:
    return {u.code.lower(): u for u in round_units(round, user, action)}


def _phone(sheet: Sheet, row: Row) -> str:
    try:
        phone = phone_canonical(row.values.get("phone"))
    except ValidationError as error:
        sheet.error(row, "phone", f"phone_{error.code}")
        return ""
    if not phone:
        sheet.error(row, "phone", "required")
    return phone


def populations_read(upload, *, round: Round, user) -> tuple[dict[int, int], list[str]]:
    """Unit id -> population for participating units the user administers, and the headers ignored."""
    units = _units(round, user, Action.MANAGE)

    def parse(sheet: Sheet, row: Row) -> tuple[int, int] | None:
        unit = sheet.lookup(row, "unit", units, required=True)
        try:
            population = whole_number(row.values.get("population"))
        except ValueError:
            sheet.error(row, "population", "not_integer")
            return None
        if population < 0:
            sheet.error(row, "population", "population_negative")
            return None
        return None if unit is None else (unit.pk, population)

    rows, ignored = read_all_or_nothing(upload, POPULATION_COLUMNS, parse)
    return dict(rows), ignored


def call_list_read(upload, *, round: Round, user) -> tuple[list[ListedNumber], list[str]]:
    """The numbers of a call list; a phone twice in the file or already listed in the round is refused."""
    units, types = _units(round, user, Action.MANAGE), _type_names()
    listed = set(CallNumber.objects.filter(round=round).values_list("phone", flat=True))
    seen: dict[str, int] = {}

    def parse(sheet: Sheet, row: Row) -> ListedNumber | None:
        before = sheet.problems.total
        unit = sheet.lookup(row, "unit", units, required=True)
        kind = sheet.lookup(row, "type", types, required=True)
        phone = _phone(sheet, row)
        if phone in seen:
            sheet.error(row, "phone", "phone_repeated", first=seen[phone])
        elif phone in listed:
            sheet.error(row, "phone", "phone_listed")
        if phone:
            seen.setdefault(phone, row.number)
        if sheet.problems.total > before:
            return None
        return ListedNumber(unit=unit, phone=phone, respondent_type=kind, name=row.text("name")[:50])

    return read_all_or_nothing(upload, CALL_LIST_COLUMNS, parse)


def call_time(value: object) -> datetime.datetime:
    """A time of call from a cell (an Excel date-time, or text 2026-05-01 18:30[:05]), aware; ValueError."""
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        found = _TIME.fullmatch(unicodedata.normalize("NFKC", cell_text(value)).strip())
        if not found:
            raise ValueError(value)
        moment = datetime.datetime(*(int(part or 0) for part in found.groups()))
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def call_records_read(upload, *, round: Round, user) -> tuple[list[CalledRow], list[str]]:
    """A firm's call records for participating units the user may enter for; a phone listed under another unit
    is refused."""
    units = _units(round, user, Action.ENTER)
    results = (
        RESULT_LABELS
        | {value: value for value in AttemptResult.values}
        | {str(label).lower(): value for value, label in AttemptResult.choices}
    )
    listed = dict(CallNumber.objects.filter(round=round).values_list("phone", "unit__code"))

    def parse(sheet: Sheet, row: Row) -> CalledRow | None:
        before = sheet.problems.total
        unit = sheet.lookup(row, "unit", units, required=True)
        result = sheet.lookup(row, "result", results, required=True)
        phone = _phone(sheet, row)
        if phone and unit and listed.get(phone, unit.code) != unit.code:
            sheet.error(row, "phone", "phone_other_unit", unit=listed[phone])
        at = None
        try:
            at = call_time(row.values.get("at"))
        except ValueError:
            sheet.error(row, "at", "bad_time")
        if sheet.problems.total > before:
            return None
        return CalledRow(unit=unit, phone=phone, at=at, result=result)

    return read_all_or_nothing(upload, CALL_RECORD_COLUMNS, parse)
