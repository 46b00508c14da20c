"""Units in bulk by Excel: read every row, check them all, then write all or nothing.

The format (first sheet, column names in row 1): 编码 code, 名称 name,
类型 kind (a Chinese or English label), 上级编码 parent code (empty for a
top-level unit) and, optionally, 排序 order among siblings. The export writes
the same format, so an exported file imports back with nothing changed.

A user imports as what they administer: ``user=None`` (the management
commands) and superusers may import anywhere; an administrator only inside
their subtrees, and the checks never reveal a unit outside what they can see.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from units.models import KIND_LABELS, Unit, UnitKind, parse_kind
from units.permissions import Action, can, scope_paths

CODE, NAME, KIND, PARENT, ORDER = "编码", "名称", "类型", "上级编码", "排序"
HEADERS = [CODE, NAME, KIND, PARENT, ORDER]
REQUIRED_HEADERS = [CODE, NAME, KIND, PARENT]
# English column names are accepted too, for files typed by hand.
HEADER_ALIASES = {"code": CODE, "name": NAME, "kind": KIND, "parent": PARENT, "parent code": PARENT, "order": ORDER}
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


@dataclass(frozen=True)
class Problem:
    """Why a file is refused: an Excel row number (header = 1) and column, or ``row=None`` for the whole file."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        return _("Row %(row)d, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class ImportRefused(Exception):
    """The file was refused; nothing was written. ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class Row:
    number: int
    code: str
    name: str
    kind_label: str
    parent_code: str
    order_text: str
    kind: str | None = None
    order: int | None = None  # None: leave the order as it is


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    dry_run: bool = False

    def __str__(self) -> str:
        text = _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
        return text + (" " + _("(dry run: nothing was written)") if self.dry_run else "")


@dataclass
class Plan:
    """What an import will do, once every row has been checked."""

    creates: list[Row] = field(default_factory=list)
    moves: list[Row] = field(default_factory=list)
    updates: list[Row] = field(default_factory=list)
    unchanged: int = 0
    parents: dict[str, str | None] = field(default_factory=dict)  # final parent code of every row
    known: dict[str, Unit] = field(default_factory=dict)  # database units by code

    def result(self, dry_run: bool) -> ImportResult:
        return ImportResult(len(self.creates), len(self.moves) + len(self.updates), self.unchanged, dry_run)


# Reading ---------------------------------------------------------------------------------------


def _not_a_workbook() -> ImportRefused:
    return ImportRefused([Problem(None, "", _("The file is not an Excel workbook (.xlsx), or it is damaged."))])


def read_rows(file: str | IO[bytes]) -> list[Row]:
    """The non-blank rows of the first sheet; refuses files that are not xlsx or lack a column."""
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # zip, XML and format errors alike: all mean "not a usable xlsx"
        raise _not_a_workbook() from exc
    try:
        return list(_rows_of(workbook.worksheets[0].iter_rows(values_only=True)))
    except ImportRefused:
        raise
    except Exception as exc:  # read-only sheets parse lazily, so damage can surface here
        raise _not_a_workbook() from exc
    finally:
        workbook.close()


def _rows_of(values: Iterator[tuple]) -> Iterator[Row]:
    columns = _columns(next(values, None) or ())
    for number, cells in enumerate(values, start=2):
        text = {name: _text(cells[i]) if i < len(cells) else "" for name, i in columns.items()}
        if any(text.values()):
            yield Row(number, text[CODE], text[NAME], text[KIND], text[PARENT], text.get(ORDER, ""))


def _columns(header: tuple) -> dict[str, int]:
    """Column index of each known column name in the header row."""
    columns: dict[str, int] = {}
    for index, value in enumerate(header):
        name = _text(value)
        name = HEADER_ALIASES.get(name.lower(), name)
        if name in HEADERS and name not in columns:
            columns[name] = index
    missing = [name for name in REQUIRED_HEADERS if name not in columns]
    if missing:
        message = _("The first row must name the columns %(required)s; missing: %(missing)s.") % {
            "required": ", ".join(REQUIRED_HEADERS),
            "missing": ", ".join(missing),
        }
        raise ImportRefused([Problem(None, "", message)])
    return columns


def _text(value: object) -> str:
    """A cell as text; Excel stores typed codes such as 1001 as numbers."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


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


def _field_problems(row: Row) -> list[Problem]:
    """Problems of a row on its own: missing or malformed values."""
    problems = []
    if not row.code:
        problems.append(Problem(row.number, CODE, _("The code is missing.")))
    elif len(row.code) > CODE_MAX or not CODE_PATTERN.match(row.code):
        message = _("The code “%(code)s” must be at most %(max)d characters, without spaces or slashes.")
        problems.append(Problem(row.number, CODE, message % {"code": row.code, "max": CODE_MAX}))
    if not row.name:
        problems.append(Problem(row.number, NAME, _("The name is missing.")))
    elif len(row.name) > NAME_MAX:
        problems.append(Problem(row.number, NAME, _("The name is longer than %(max)d characters.") % {"max": NAME_MAX}))
    row.kind = parse_kind(row.kind_label) if row.kind_label else None
    if not row.kind_label:
        problems.append(Problem(row.number, KIND, _("The kind is missing.")))
    elif row.kind is None:
        accepted = ", ".join([*KIND_LABELS.keys(), *UnitKind.values])
        message = _("Unknown kind “%(label)s”; use one of: %(accepted)s.") % {
            "label": row.kind_label,
            "accepted": accepted,
        }
        problems.append(Problem(row.number, KIND, message))
    if row.order_text:
        row.order = _whole_number(row.order_text)
        if row.order is None:
            problems.append(Problem(row.number, ORDER, _("The order must be a whole number.")))
    return problems


def _whole_number(text: str) -> int | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else None


def _rows_by_code(rows: list[Row], problems: list[Problem]) -> dict[str, Row]:
    """The rows by code; a code seen again is a problem on the later row."""
    by_code: dict[str, Row] = {}
    for row in rows:
        if not row.code:
            continue
        if row.code in by_code:
            message = _("The code “%(code)s” already appears in row %(row)d.")
            problems.append(Problem(row.number, CODE, message % {"code": row.code, "row": by_code[row.code].number}))
        else:
            by_code[row.code] = row
    return by_code


def _chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _known_units(codes: Iterable[str]) -> tuple[dict[str, Unit], dict[str, str | None]]:
    """Database units named in the file, with all their ancestors; and each one's parent code.

    Loading the ancestors lets the cycle check walk up the final tree without a query per step.
    """
    known: dict[str, Unit] = {}
    for chunk in _chunks(sorted(set(codes))):
        known.update({u.code: u for u in Unit.objects.filter(code__in=chunk)})
    loaded = {u.pk for u in known.values()}
    missing = sorted({pk for u in known.values() for pk in u.ancestor_ids} - loaded)
    for chunk in _chunks(missing):
        known.update({u.code: u for u in Unit.objects.filter(pk__in=chunk)})
    code_of = {u.pk: u.code for u in known.values()}
    return known, {u.code: code_of.get(u.parent_id) for u in known.values()}


def _final_parent(row: Row, by_code: dict, known: dict, db_parent: dict, scope: _Scope) -> tuple[str | None, list]:
    """The code of the row's parent once imported, and the problems found finding it."""
    code = row.parent_code
    if code == row.code:
        return None, [Problem(row.number, PARENT, _("A unit cannot be its own parent."))]
    if code:
        if code in by_code or (code in known and scope.sees(known[code])):
            return code, []
        message = _("Unknown parent code “%(code)s”: it is neither in the file nor among your units.")
        return None, [Problem(row.number, PARENT, message % {"code": code})]
    current = known.get(row.code)
    if current and current.parent_id and not scope.sees(known[db_parent[row.code]]):
        # An export leaves out a parent the user cannot see; empty then means "where it is".
        return db_parent[row.code], []
    return None, []


def _placement_problems(row: Row, parent: str | None, known: dict, scope: _Scope) -> list[Problem]:
    """May the user put a new or moved unit under ``parent``?"""
    if scope.everywhere:
        return []
    if parent is None:
        return [Problem(row.number, PARENT, _("Only a superuser may import a top-level unit (no parent code)."))]
    # A parent only in the file is a new unit, itself checked on its own row.
    target = known.get(parent)
    if target is not None and not scope.manages(target):
        message = _("The parent “%(code)s” is outside the units you administer.")
        return [Problem(row.number, PARENT, message % {"code": parent})]
    return []


def _is_changed(row: Row, unit: Unit, parent: str | None, db_parent: dict) -> bool:
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


def _cycle_problems(cycles: list[list[str]], by_code: dict[str, Row]) -> list[Problem]:
    problems = []
    for cycle in cycles:
        rows = [by_code[code] for code in cycle if code in by_code]
        chain = " → ".join([*(row.code for row in rows), rows[0].code])
        message = _("The parents form a cycle: %(chain)s.") % {"chain": chain}
        problems += [Problem(row.number, PARENT, message) for row in rows]
    return problems


def plan_import(rows: list[Row], user=None) -> Plan:
    """Check every row against the file and the database; raise ImportRefused listing all problems."""
    if not rows:
        raise ImportRefused([Problem(None, "", _("The file has no units below its first row."))])
    scope = _Scope(user)
    problems: list[Problem] = []
    by_code = _rows_by_code(rows, problems)
    known, db_parent = _known_units([*by_code, *(r.parent_code for r in rows if r.parent_code)])
    plan = Plan(known=known)
    for row in rows:
        problems += _check_row(row, by_code, known, db_parent, scope, plan)
    depth, cycles = _depths(plan.parents, {**db_parent, **plan.parents})
    problems += _cycle_problems(cycles, by_code)
    if problems:
        raise ImportRefused(sorted(problems, key=lambda p: (p.row or 0, HEADERS.index(p.column))))
    plan.creates.sort(key=lambda r: depth[r.code])
    plan.moves.sort(key=lambda r: depth[r.code])  # parents first, so no move passes through a cycle
    return plan


def _check_row(row: Row, by_code: dict, known: dict, db_parent: dict, scope: _Scope, plan: Plan) -> list[Problem]:
    """Check one row and, when it is sound, record what it will do in ``plan``."""
    problems = _field_problems(row)
    if by_code.get(row.code) is not row:
        return problems  # no code, or a duplicate: already reported
    unit = known.get(row.code)
    if unit is not None and not scope.sees(unit):
        return [*problems, Problem(row.number, CODE, _("The code “%(code)s” is already in use.") % {"code": row.code})]
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
        message = _("The unit “%(code)s” is outside the units you administer and cannot be changed.")
        return [Problem(row.number, CODE, message % {"code": row.code})]
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
    """Read, check and (unless ``dry_run``) write a units workbook; raises ImportRefused."""
    plan = plan_import(read_rows(file), user=user)
    if not dry_run:
        write_plan(plan)
    return plan.result(dry_run)


# Export ----------------------------------------------------------------------------------------


def kind_label(kind: str, name: str) -> str:
    """The Chinese label for a kind; the one the name ends with when there is one (沂南县 → 县)."""
    for label, value in KIND_LABELS.items():
        if value == kind and not label.isascii() and name.endswith(label):
            return label
    return EXPORT_LABELS[kind]
