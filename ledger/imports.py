"""Concerns collected on paper, imported from a spreadsheet: every row is checked before any is saved."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ledger.models import CategoryOfConcern, Source
from ledger.services import ConcernData, validate_concern_data
from spreadsheets.cells import parse_date
from spreadsheets.reading import Column, Row, Sheet, read_all_or_nothing
from surveys.models import Indicator
from units.models import Unit
from units.permissions import Action, can
from units.phones import phone_canonical

COLUMNS = [
    Column(
        "received_on", gettext_lazy("Received on"), ("受理日期", "日期", "反映日期", "登记日期", "date"), required=True
    ),
    Column("unit", gettext_lazy("Unit"), ("单位", "单位编码", "单位代码", "单位名称", "unit code")),
    Column("source", gettext_lazy("Source"), ("来源", "问题来源"), required=True),
    Column("category", gettext_lazy("Category"), ("类别", "问题类别", "问题类型"), required=True),
    Column("indicator", gettext_lazy("Indicator"), ("指标", "涉及指标")),
    Column("raiser_name", gettext_lazy("Raised by"), ("反映人", "姓名", "name")),
    Column("raiser_phone", gettext_lazy("Phone"), ("电话", "联系电话", "手机", "手机号", "手机号码", "联系方式")),
    Column("text", gettext_lazy("What was said"), ("反映内容", "问题内容", "内容", "text"), required=True),
    Column("deadline", gettext_lazy("Deadline"), ("期限", "办结期限", "整改期限")),
]

# Chinese names of sources as written on paper ledgers.
SOURCE_ALIASES = {
    "校长接待日": Source.RECEPTION_DAY,
    "接待日": Source.RECEPTION_DAY,
    "学校开放日": Source.OPEN_DAY,
    "开放日": Source.OPEN_DAY,
    "走访": Source.VISIT,
    "家访": Source.VISIT,
    "电话": Source.HOTLINE,
    "热线": Source.HOTLINE,
    "12345": Source.HOTLINE,
    "12345热线": Source.HOTLINE,
    "来信": Source.LETTER,
    "信件": Source.LETTER,
    "监督员": Source.SUPERVISOR,
    "社会监督员": Source.SUPERVISOR,
    "家委会": Source.PARENT_COMMITTEE,
    "家长委员会": Source.PARENT_COMMITTEE,
    "调查意见": Source.SURVEY_COMMENT,
    "问卷意见": Source.SURVEY_COMMENT,
    "不满意问卷": Source.QUESTIONNAIRE,
    "其他": Source.OTHER,
}


class Lookups:
    """Everything a row may name, read once for the whole file."""

    def __init__(self, unit: Unit, user) -> None:
        self.units = {}
        for u in Unit.objects.under(unit).filter(active=True):
            if can(user, Action.ENTER, u):
                self.units[u.code.lower()] = u
                self.units.setdefault(u.name.lower(), u)
        self.categories = _by_names(CategoryOfConcern.objects.filter(active=True))
        self.indicators = _by_names(Indicator.objects.all())
        self.sources = {key.lower(): value for key, value in SOURCE_ALIASES.items()}
        for value, label in Source.choices:
            self.sources[value] = value
            self.sources[str(label).lower()] = value
            self.sources[_(str(label)).lower()] = value


def _by_names(queryset) -> dict:
    found = {}
    for row in queryset:
        for name in (row.code, row.name, row.name_en):
            if name:
                found.setdefault(name.strip().lower(), row)
    return found


def _date(sheet: Sheet, row: Row, key: str, required: bool):
    if not row.text(key):
        if required:
            sheet.error(row, key, "required")
        return None
    try:
        return parse_date(row.values[key])
    except ValueError:
        sheet.error(row, key, "bad_date")
        return None


def _phone(sheet: Sheet, row: Row, key: str) -> str:
    try:
        return phone_canonical(row.values.get(key))
    except ValidationError as error:
        sheet.error(row, key, f"phone_{error.code}")
        return ""


def _row_data(sheet: Sheet, row: Row, unit: Unit, lookups: Lookups) -> ConcernData | None:
    problems_before = sheet.problems.total
    target = unit
    if row.text("unit"):
        target = sheet.lookup(row, "unit", lookups.units, True)
    received_on = _date(sheet, row, "received_on", True)
    deadline = _date(sheet, row, "deadline", False)
    source = sheet.lookup(row, "source", lookups.sources, True)
    category = sheet.lookup(row, "category", lookups.categories, True)
    indicator = sheet.lookup(row, "indicator", lookups.indicators, False)
    said = row.text("text")
    if not said:
        sheet.error(row, "text", "required")
    phone = _phone(sheet, row, "raiser_phone")
    if sheet.problems.total > problems_before:
        return None
    data = ConcernData(
        unit=target,
        source=source,
        category=category,
        indicator=indicator,
        text=said,
        received_on=received_on,
        deadline=deadline,
        raiser_name=row.text("raiser_name")[:50],
        raiser_phone=phone,
    )
    try:
        validate_concern_data(data)
    except ValidationError as exc:
        key = "deadline" if exc.code == "deadline_before_receipt" else "received_on"
        sheet.error(row, key, "rule", message=exc.messages[0])
        return None
    return data


def read_concerns(upload, unit: Unit, user) -> tuple[list[ConcernData], list[str]]:
    """The concerns of an uploaded file and the headers ignored; ``FileRefused`` if any row is wrong."""
    lookups = Lookups(unit, user)
    return read_all_or_nothing(upload, COLUMNS, lambda sheet, row: _row_data(sheet, row, unit, lookups))
