"""Leadership groups as the plans print them, their writes, and the roster workbook."""

import re
from dataclasses import dataclass, field
from typing import IO

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from units.models import OFFICE_ROLES, ROLE_ORDER, GroupMember, LeadershipGroup, MemberRole, Unit
from units.permissions import Action, can, phone_shown


@dataclass
class RosterLine:
    member: GroupMember
    name: str
    is_department: bool
    phone: str  # as the viewer may see it
    covered: list[Unit]


@dataclass
class RosterSection:
    role: str
    label: str
    lines: list[RosterLine] = field(default_factory=list)


@dataclass
class Roster:
    """A group with its members by role: leader, executive deputies, deputies, members; then the office."""

    group: LeadershipGroup
    sections: list[RosterSection]
    office: list[RosterSection]


def group_members(unit: Unit) -> list[LeadershipGroup]:
    """The unit's groups with their members, departments and covered units, in three queries."""
    members = GroupMember.objects.select_related("department").prefetch_related(
        Prefetch("covered_units", queryset=Unit.objects.order_by("path"))
    )
    return list(unit.groups.prefetch_related(Prefetch("members", queryset=members)).order_by("id"))


def rosters(unit: Unit, viewer) -> list[Roster]:
    """Every group of the unit, laid out for the viewer (phones masked unless they administer the unit)."""
    return [_roster(group, unit, viewer) for group in group_members(unit)]


def _roster(group: LeadershipGroup, unit: Unit, viewer) -> Roster:
    sections = {role: RosterSection(role, str(label)) for role, label in MemberRole.choices}
    for member in sorted(group.members.all(), key=lambda m: (ROLE_ORDER[m.role], m.order, m.pk)):
        sections[member.role].lines.append(
            RosterLine(
                member=member,
                name=member.display_name,
                is_department=not member.person_name,
                phone=phone_shown(viewer, unit, member.phone),
                # Covered units are kept inside the unit's subtree; check anyway, never show more.
                covered=[u for u in member.covered_units.all() if can(viewer, Action.VIEW, u)],
            )
        )
    filled = [s for s in sections.values() if s.lines]
    return Roster(
        group=group,
        sections=[s for s in filled if s.role not in OFFICE_ROLES],
        office=[s for s in filled if s.role in OFFICE_ROLES],
    )


@transaction.atomic
def member_save(*, member: GroupMember, department: Unit | None, covered: list[Unit]) -> GroupMember:
    """Save a member with its department and the units it covers."""
    member.department = department
    member.save()
    member.covered_units.set(covered)
    return member


# The roster workbook ---------------------------------------------------------------------------

SHEET_TITLE_MAX = 31
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(name: str, used: set[str]) -> str:
    """A legal, unique worksheet title (Excel: at most 31 characters, none of []:*?/\\)."""
    base = SHEET_TITLE_FORBIDDEN.sub("", name)[:SHEET_TITLE_MAX] or _("Group")
    title, n = base, 1
    while title in used:
        n += 1
        suffix = f" ({n})"
        title = base[: SHEET_TITLE_MAX - len(suffix)] + suffix
    used.add(title)
    return title


def _roster_rows(roster: Roster) -> list[list[str]]:
    group = roster.group
    rows = [[group.name], [_("Purpose"), group.purpose], [_("Set up on"), str(group.set_up_on or "")], []]
    rows.append(
        [
            _("Role in the group"),
            _("Name or department"),
            _("Position"),
            _("Phone"),
            _("Responsibility"),
            _("Units covered"),
        ]
    )
    for section in [*roster.sections, *roster.office]:
        for line in section.lines:
            member = line.member
            covered = "、".join(u.name for u in line.covered)
            rows.append([section.label, line.name, member.position, line.phone, member.responsibility, covered])
    return rows


def roster_workbook(unit: Unit, viewer, out: IO[bytes]) -> None:
    """Write the unit's groups to ``out``, one sheet per group, as the viewer may see them."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for roster in rosters(unit, viewer):
        sheet = workbook.create_sheet(_sheet_title(roster.group.name, used))
        for row in _roster_rows(roster):
            sheet.append(row)
        sheet["A1"].font = Font(bold=True, size=14)
        for cell in sheet[5]:
            cell.font = Font(bold=True)
        for column, width in zip("ABCDEF", (24, 16, 20, 16, 40, 40), strict=True):
            sheet.column_dimensions[column].width = width
    if not workbook.worksheets:
        workbook.create_sheet(_("Groups")).append([_("This unit has no leadership group.")])
    workbook.save(out)
