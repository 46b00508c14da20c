"""Who may be made responsible for the work of a unit (a concern, a household to visit).

A person of a unit is a user holding a role on the unit, on a unit above it
or on a unit below it (一级抓一级: the district's deputy or the school's
teacher), or a named member of the leadership group of the unit or of a unit
above it, who may have no user account.

Lists offered to a viewer (drop-downs, filters) name only people of units the
viewer may see (``units.permissions``): escalation upward goes through the
overdue reminders, never through a name picked from a higher level.
"""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from units.models import GroupMember, MemberRole, Role, Unit
from units.paths import ids_of, lineage_q
from units.permissions import Action, filter_by_unit, roles_for

USER_PREFIX = "u:"
MEMBER_PREFIX = "m:"


def roles_of(unit: Unit, viewer) -> QuerySet[Role]:
    """Roles on the unit, above it or below it; with a ``viewer``, only roles on units the viewer sees."""
    roles = Role.objects.all() if viewer is None else roles_for(viewer, Action.VIEW)
    return roles.filter(lineage_q(unit.path, "unit"))


def users_of(unit: Unit, viewer) -> QuerySet:
    """Active users with a role on the unit, above it or below it (``viewer``: see ``roles_of``)."""
    users = get_user_model().objects.filter(is_active=True, pk__in=roles_of(unit, viewer).values("user_id"))
    return users.order_by("username")


def members_of(unit: Unit, viewer) -> QuerySet[GroupMember]:
    """Named members of the leadership groups of the unit and of the units above it (``viewer``: as ``roles_of``)."""
    members = GroupMember.objects.filter(group__unit_id__in=ids_of(unit.path))
    if viewer is not None:
        members = filter_by_unit(members, viewer, Action.VIEW, "group__unit")
    return members.exclude(person_name="").select_related("group__unit").order_by("-group__unit__depth", "order", "id")


def user_label(user) -> str:
    full = user.get_full_name()
    return f"{full} ({user.get_username()})" if full else user.get_username()


def member_label(member: GroupMember) -> str:
    return f"{member.display_name} · {member.get_role_display()} · {member.group.unit.name}"


def person_choices(unit: Unit, viewer) -> list[tuple[str, str]]:
    """Choices for a form: group members first (they carry the responsibility), then user accounts."""
    members = [(f"{MEMBER_PREFIX}{m.pk}", member_label(m)) for m in members_of(unit, viewer)]
    users = [(f"{USER_PREFIX}{u.pk}", user_label(u)) for u in users_of(unit, viewer)]
    return members + users


def parse_person_key(key: str) -> tuple[str, int] | None:
    """``"u:12"`` -> ``("u:", 12)``; None for anything else."""
    for prefix in (USER_PREFIX, MEMBER_PREFIX):
        if key.startswith(prefix) and key[len(prefix) :].isdigit():
            return prefix, int(key[len(prefix) :])
    return None


def is_user_of(unit: Unit, user) -> bool:
    return users_of(unit, None).filter(pk=user.pk).exists()


def is_member_of(unit: Unit, member: GroupMember) -> bool:
    return members_of(unit, None).filter(pk=member.pk).exists()


def unit_heads(unit_ids: list[int]) -> dict[int, set[int]]:
    """User accounts of the 组长 and 办公室主任 of each unit's leadership groups: one query."""
    rows = GroupMember.objects.filter(
        group__unit_id__in=unit_ids,
        role__in=[MemberRole.LEADER, MemberRole.OFFICE_DIRECTOR],
        user__isnull=False,
        user__is_active=True,
    ).values_list("group__unit_id", "user_id")
    heads: dict[int, set[int]] = {}
    for unit_id, user_id in rows:
        heads.setdefault(unit_id, set()).add(user_id)
    return heads


def responsible_choices(concerns: QuerySet, viewer) -> list[tuple[str, str]]:
    """The people responsible for any of ``concerns`` whom the viewer may see, for a filter: two queries."""
    members = GroupMember.objects.filter(pk__in=concerns.values("responsible_member")).select_related("group__unit")
    members = filter_by_unit(members, viewer, Action.VIEW, "group__unit")
    users = get_user_model().objects.filter(pk__in=concerns.values("responsible_user"))
    users = users.filter(pk__in=roles_for(viewer, Action.VIEW).values("user_id")).order_by("username")
    return [(f"{MEMBER_PREFIX}{m.pk}", member_label(m)) for m in members] + [
        (f"{USER_PREFIX}{u.pk}", user_label(u)) for u in users
    ]
