"""Units in bulk by Excel: read every row, check them all, then write all or nothing.

The format (first sheet; a header row naming the columns, below a title if
any): 编码 code, 名称 name, 类型 kind (a Chinese or English label), 上级编码
parent code (empty for a top-level unit) and, optionally, 排序 order among
siblings; other columns are ignored, and said to be. The export writes the same
format, so an exported file imports back with nothing changed. Codes typed in
another letter case name the same unit.

A user imports as what they administer: ``user=None`` (the management
commands) and superusers may import anywhere; an administrator only inside
their subtrees, and the checks never reveal a unit outside what they can see.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from spreadsheets.cells import whole_number
from spreadsheets.problems import FileRefused, Problem, Problems, add_reasons
from spreadsheets.reading import Column, ignored_note, read_sheet
from units.models import KIND_LABELS, Unit, UnitKind, parse_kind
from units.permissions import Action, can, scope_paths

CODE, NAME, KIND, PARENT, ORDER = "编码", "名称", "类型", "上级编码", "排序"
HEADERS = [CODE, NAME, KIND, PARENT, ORDER]
# Other names accepted for the columns: English ones for files typed by hand, and those of other systems.
COLUMNS = [
    Column(CODE, CODE, ("单位编码", "单位代码", "code"), required=True),
    Column(NAME, NAME, ("单位名称", "name"), required=True),
    Column(KIND, KIND, ("单位类型", "kind"), required=True),
    Column(PARENT, PARENT, ("上级单位编码", "上级代码", "上级单位代码", "parent", "parent code"), required=True),
    Column(ORDER, ORDER, ("顺序", "order")),
]
# The label written on export; on import every label of units.models.KIND_LABELS is accepted.
EXPORT_LABELS = {
    UnitKind.CITY: "市",
    UnitKind.DISTRICT: "区",
    UnitKind.BUREAU: "局",
    UnitKind.TOWN: "镇",
    UnitKind.VILLAGE: "村",
    UnitKind.SCHOOL: "学校",
    UnitKind.KINDERGARTEN: "幼儿园",
    UnitKind.DEPARTMENT: "部门",
}
CODE_MAX = Unit._meta.get_field("code").max_length
NAME_MAX = Unit._meta.get_field("name").max_length
# Codes appear in URLs (/units/<code>/): no slashes, no blanks.
CODE_PATTERN = re.compile(r"^[^\s/\\?#%]+$")
BATCH = 500  # keeps every IN (...) under SQLite's limit on query parameters

add_reasons({
    "code_format": gettext_lazy("The code “%(code)s” must be at most %(max)d characters, without spaces or slashes."),
    "name_too_long": gettext_lazy("The name is longer than %(max)d characters."),
    "unknown_kind": gettext_lazy("Unknown kind “%(label)s”; use one of: %(accepted)s."),
    "order_not_integer": gettext_lazy("The order must be a whole number."),
    "duplicate_code": gettext_lazy("The code “%(code)s” already appears in row %(row)d."),
    "own_parent": gettext_lazy("A unit cannot be its own parent."),
    "unknown_parent": gettext_lazy("Unknown parent code “%(code)s”: it is neither in the file nor among your units."),
    "top_level_superuser_only": gettext_lazy("Only a superuser may import a top-level unit (no parent code)."),
    "parent_outside": gettext_lazy("The parent “%(code)s” is outside the units you administer."),
    "cycle": gettext_lazy("The parents form a cycle: %(chain)s."),
    "code_in_use": gettext_lazy("The code “%(code)s” is already in use."),
    "unit_outside": gettext_lazy("The unit “%(code)s” is outside the units you administer and cannot be changed."),
})  # fmt: skip


@dataclass
class UnitRow:
    number: int
    code: str
    name: str
    kind_label: str
    parent_code: str
    order_cell: object
    kind: str | None = None
    order: int | None = None  # None: leave the order as it is


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    dry_run: bool = False
    ignored: list[str] = field(default_factory=list)  # headers of the columns left out

    def __str__(self) -> str:
        text = _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
        return text + (" " + _("(dry run: nothing was written)") if self.dry_run else "")

    @property
    def note(self) -> str:
        return ignored_note(self.ignored)


@dataclass
class Plan:
    """What an import will do, once every row has been checked."""

    creates: list[UnitRow] = field(default_factory=list)
    moves: list[UnitRow] = field(default_factory=list)
    updates: list[UnitRow] = field(default_factory=list)
    unchanged: int = 0
    parents: dict[str, str | None] = field(default_factory=dict)  # final parent code of every row
    known: dict[str, Unit] = field(default_factory=dict)  # database units by code

    def result(self, dry_run: bool) -> ImportResult:
        return ImportResult(len(self.creates), len(self.moves) + len(self.updates), self.unchanged, dry_run)


# Reading ---------------------------------------------------------------------------------------


@dataclass
class UnitSheet:
    rows: list[UnitRow]
    written: dict[str, str]  # column -> its header as written in the file
    ignored: list[str]


def read_rows(file: str | IO[bytes]) -> UnitSheet:
    """The non-blank rows of the first sheet; refuses unreadable files and files that lack a column."""
    sheet = read_sheet(file, COLUMNS)
    rows = [
        UnitRow(row.number, row.text(CODE), row.text(NAME), row.text(KIND), row.text(PARENT), row.values.get(ORDER))
        for row in sheet.rows
    ]
    return UnitSheet(rows, sheet.headers.written, sheet.headers.ignored)


# Checking --------------------------------------------------------------------------------------


class _Scope:
    """What the importing user may see and change (everything when there is no user)."""

    def __init__(self, user) -> None:
        self.user = user
        self.everywhere = user is None or scope_paths(user, Action.MANAGE) is None

    def sees(self, unit: Unit) -> bool:
        return self.everywhere or can(self.user, Action.VIEW, unit)

    def manages(self, unit: Unit) -> bool:
        return self.everywhere or can(self.user, Action.MANAGE, unit)


def _field_problems(row: UnitRow) -> list[Problem]:
    """Problems of a row on its own: missing or malformed values."""
    problems = []
    if not row.code:
        problems.append(Problem("required", row.number, CODE))
    elif len(row.code) > CODE_MAX or not CODE_PATTERN.match(row.code):
        problems.append(Problem("code_format", row.number, CODE, row.code, {"code": row.code, "max": CODE_MAX}))
    if not row.name:
        problems.append(Problem("required", row.number, NAME))
    elif len(row.name) > NAME_MAX:
        problems.append(Problem("name_too_long", row.number, NAME, row.name, {"max": NAME_MAX}))
    row.kind = parse_kind(row.kind_label) if row.kind_label else None
    if not row.kind_label:
        problems.append(Problem("required", row.number, KIND))
    elif row.kind is None:
        accepted = ", ".join([*KIND_LABELS.keys(), *UnitKind.values])
        params = {"label": row.kind_label, "accepted": accepted}
        problems.append(Problem("unknown_kind", row.number, KIND, row.kind_label, params))
    if row.order_cell not in (None, ""):
        try:
            row.order = whole_number(row.order_cell)
        except ValueError:
            problems.append(Problem("order_not_integer", row.number, ORDER, str(row.order_cell)))
    return problems


def _rows_by_code(rows: list[UnitRow], problems: list[Problem]) -> dict[str, UnitRow]:
    """The rows by code; a code seen again is a problem on the later row."""
    by_code: dict[str, UnitRow] = {}
    for row in rows:
        if not row.code:
            continue
        if row.code in by_code:
            params = {"code": row.code, "row": by_code[row.code].number}
            problems.append(Problem("duplicate_code", row.number, CODE, row.code, params))
        else:
            by_code[row.code] = row
    return by_code


def _chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _known_units(codes: Iterable[str]) -> tuple[dict[str, Unit], dict[str, str | None]]:
    """Database units named in the file (as typed or in capitals), with all their ancestors; each one's parent code.

    Loading the ancestors lets the cycle check walk up the final tree without a query per step.
    """
    known: dict[str, Unit] = {}
    for chunk in _chunks(sorted({variant for code in codes for variant in (code, code.upper())})):
        known.update({u.code: u for u in Unit.objects.filter(code__in=chunk)})
    loaded = {u.pk for u in known.values()}
    missing = sorted({pk for u in known.values() for pk in u.ancestor_ids} - loaded)
    for chunk in _chunks(missing):
        known.update({u.code: u for u in Unit.objects.filter(pk__in=chunk)})
    code_of = {u.pk: u.code for u in known.values()}
    return known, {u.code: code_of.get(u.parent_id) for u in known.values()}


def _same_case(rows: list[UnitRow], known: dict[str, Unit]) -> None:
    """Codes typed in another letter case (s1 for S1) name the unit of Manyi or of the file, as results imports do."""

    def matched(code: str, *places: Iterable[str]) -> str:
        if not code or any(code in place for place in places):
            return code
        return code.upper() if any(code.upper() in place for place in places) else code

    for row in rows:
        row.code = matched(row.code, known)
    in_file = {row.code for row in rows}
    for row in rows:
        row.parent_code = matched(row.parent_code, in_file, known)


def _final_parent(row: UnitRow, by_code: dict, known: dict, db_parent: dict, scope: _Scope) -> tuple[str | None, list]:
    """The code of the row's parent once imported, and the problems found finding it."""
    code = row.parent_code
    if code == row.code:
        return None, [Problem("own_parent", row.number, PARENT, code)]
    if code:
        if code in by_code or (code in known and scope.sees(known[code])):
            return code, []
        return None, [Problem("unknown_parent", row.number, PARENT, code, {"code": code})]
    current = known.get(row.code)
    if current and current.parent_id and not scope.sees(known[db_parent[row.code]]):
        # An export leaves out a parent the user cannot see; empty then means "where it is".
        return db_parent[row.code], []
    return None, []


def _placement_problems(row: UnitRow, parent: str | None, known: dict, scope: _Scope) -> list[Problem]:
    """May the user put a new or moved unit under ``parent``?"""
    if scope.everywhere:
        return []
    if parent is None:
        return [Problem("top_level_superuser_only", row.number, PARENT)]
    # A parent only in the file is a new unit, itself checked on its own row.
    target = known.get(parent)
    if target is not None and not scope.manages(target):
        return [Problem("parent_outside", row.number, PARENT, parent, {"code": parent})]
    return []


def _is_changed(row: UnitRow, unit: Unit, parent: str | None, db_parent: dict) -> bool:
    order_changed = row.order is not None and row.order != unit.order
    return row.name != unit.name or row.kind != unit.kind or order_changed or parent != db_parent[unit.code]


def _depths(codes: Iterable[str], parent_of: dict[str, str | None]) -> tuple[dict[str, int | None], list[list[str]]]:
    """Depth of each unit in the final tree (None: on or under a cycle), and the cycles of parents found."""
    depth: dict[str, int | None] = {}
    cycles: list[list[str]] = []
    for start in codes:
        chain: list[str] = []
        index: dict[str, int] = {}
        current: str | None = start
        while current is not None and current not in depth and current not in index:
            index[current] = len(chain)
            chain.append(current)
            current = parent_of.get(current)
        if current is None:
            base = -1
        elif current in index:
            cycles.append(chain[index[current] :])
            base = None
        else:
            base = depth[current]
        for step, code in enumerate(reversed(chain), start=1):
            depth[code] = None if base is None else base + step
    return depth, cycles


def _cycle_problems(cycles: list[list[str]], by_code: dict[str, UnitRow]) -> list[Problem]:
    problems = []
    for cycle in cycles:
        rows = [by_code[code] for code in cycle if code in by_code]
        chain = " → ".join([*(row.code for row in rows), rows[0].code])
        problems += [Problem("cycle", row.number, PARENT, row.parent_code, {"chain": chain}) for row in rows]
    return problems


def plan_import(rows: list[UnitRow], user=None, written: dict[str, str] | None = None) -> Plan:
    """Check every row against the file and the database; raise FileRefused listing all problems.

    ``written`` names the columns in the problems as the file's header does (单位编码 for 编码, say).
    """
    if not rows:
        raise FileRefused(Problem("empty"))
    scope = _Scope(user)
    known, db_parent = _known_units([code for r in rows for code in (r.code, r.parent_code) if code])
    _same_case(rows, known)
    problems: list[Problem] = []
    by_code = _rows_by_code(rows, problems)
    plan = Plan(known=known)
    for row in rows:
        problems += _check_row(row, by_code, known, db_parent, scope, plan)
    depth, cycles = _depths(plan.parents, {**db_parent, **plan.parents})
    problems += _cycle_problems(cycles, by_code)
    if problems:
        raise FileRefused(_in_file_order(problems, written or {}))
    plan.creates.sort(key=lambda r: depth[r.code])
    plan.moves.sort(key=lambda r: depth[r.code])  # parents first, so no move passes through a cycle
    return plan


def _in_file_order(found: list[Problem], written: dict[str, str]) -> Problems:
    """The problems by row, then column, each column named as the file names it."""
    problems = Problems()
    for problem in sorted(found, key=lambda p: (p.row or 0, HEADERS.index(p.column))):
        problems.kept.append(replace(problem, column=written.get(problem.column, problem.column)))
    problems.total = len(found)
    return problems


def _check_row(row: UnitRow, by_code: dict, known: dict, db_parent: dict, scope: _Scope, plan: Plan) -> list[Problem]:
    """Check one row and, when it is sound, record what it will do in ``plan``."""
    problems = _field_problems(row)
    if by_code.get(row.code) is not row:
        return problems  # no code, or a duplicate: already reported
    unit = known.get(row.code)
    if unit is not None and not scope.sees(unit):
        return [*problems, Problem("code_in_use", row.number, CODE, row.code, {"code": row.code})]
    parent, parent_problems = _final_parent(row, by_code, known, db_parent, scope)
    problems += parent_problems
    if problems:
        return problems
    plan.parents[row.code] = parent
    if unit is None:
        plan.creates.append(row)
        return _placement_problems(row, parent, known, scope)
    if not _is_changed(row, unit, parent, db_parent):
        plan.unchanged += 1
        return []
    if not scope.manages(unit):
        return [Problem("unit_outside", row.number, CODE, row.code, {"code": row.code})]
    if parent == db_parent[row.code]:
        plan.updates.append(row)
        return []
    plan.moves.append(row)
    return _placement_problems(row, parent, known, scope)


# Writing ---------------------------------------------------------------------------------------


@transaction.atomic
def write_plan(plan: Plan) -> None:
    """Create, move and update the units of a checked plan, all or nothing."""
    created: dict[str, Unit] = {}
    for row in plan.creates:  # parents first: a new unit's parent exists when it is saved
        code = plan.parents[row.code]
        parent = (created.get(code) or plan.known[code]) if code else None
        unit = Unit(code=row.code, name=row.name, kind=row.kind, parent=parent, order=row.order or 0)
        unit.save()
        created[row.code] = unit
    for row in plan.moves:
        # Read afresh: an earlier move may have shifted this unit's or its parent's path.
        unit = Unit.objects.get(code=row.code)
        code = plan.parents[row.code]
        unit.parent = Unit.objects.get(code=code) if code else None
        unit.name, unit.kind = row.name, row.kind
        unit.order = unit.order if row.order is None else row.order
        unit.save()  # moves the subtree along
    for row in plan.updates:
        fields = {"name": row.name, "kind": row.kind}
        if row.order is not None:
            fields["order"] = row.order
        Unit.objects.filter(code=row.code).update(**fields)


def import_units(file: str | IO[bytes], *, user=None, dry_run: bool = False) -> ImportResult:
    """Read, check and (unless ``dry_run``) write a units workbook; raises FileRefused."""
    sheet = read_rows(file)
    plan = plan_import(sheet.rows, user=user, written=sheet.written)
    if not dry_run:
        write_plan(plan)
    result = plan.result(dry_run)
    result.ignored = sheet.ignored
    return result


# Export ----------------------------------------------------------------------------------------


def kind_label(kind: str, name: str) -> str:
    """The Chinese label for a kind; the one the name ends with when there is one (沂南县 → 县)."""
    for label, value in KIND_LABELS.items():
        if value == kind and not label.isascii() and name.endswith(label):
            return label
    return EXPORT_LABELS[kind]
