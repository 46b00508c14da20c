"""Leadership groups as the plans print them, their writes, and the roster workbook."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from spreadsheets.writing import Book, workbook_kind
from units.disclosures import PhonesShown
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


def rosters(unit: Unit, viewer, phones: Callable[[Unit, str], str] | None = None) -> list[Roster]:
    """Every group of the unit, laid out for the viewer (phones masked unless they administer the unit).

    ``phones``: how to show a phone, for an export that logs the whole ones (``PhonesShown``).
    """
    phones = phones or (lambda unit, phone: phone_shown(viewer, unit, phone))
    return [_roster(group, unit, viewer, phones) for group in group_members(unit)]


def _roster(group: LeadershipGroup, unit: Unit, viewer, phones: Callable[[Unit, str], str]) -> Roster:
    sections = {role: RosterSection(role, str(label)) for role, label in MemberRole.choices}
    for member in sorted(group.members.all(), key=lambda m: (ROLE_ORDER[m.role], m.order, m.pk)):
        sections[member.role].lines.append(
            RosterLine(
                member=member,
                name=member.display_name,
                is_department=not member.person_name,
                phone=phones(unit, member.phone),
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


def _roster_rows(roster: Roster) -> list[list[str]]:
    rows = []
    for section in [*roster.sections, *roster.office]:
        for line in section.lines:
            member = line.member
            covered = "、".join(u.name for u in line.covered)
            rows.append([section.label, line.name, member.position, line.phone, member.responsibility, covered])
    return rows


@workbook_kind("roster")
def roster_workbook(unit: Unit, viewer, out: IO[bytes]) -> None:
    """Write the unit's groups to ``out``, one sheet per group, as the viewer may see them."""
    book = Book(out)
    headers = [
        _("Role in the group"),
        _("Name or department"),
        _("Position"),
        _("Phone"),
        _("Responsibility"),
        _("Units covered"),
    ]
    phones = PhonesShown(viewer, "roster", unit)
    for roster in rosters(unit, viewer, phones):
        group = roster.group
        preamble = [[_("Purpose"), group.purpose], [_("Set up on"), group.set_up_on], []]
        sheet = book.list_sheet(group.name or _("Group"), headers, title=group.name, preamble=preamble)
        for row in _roster_rows(roster):
            sheet.append(row)
    if not book.sheets:
        book.text_sheet(_("Groups"), [_("This unit has no leadership group.")])
    book.close()
    phones.log()
