"""Who may be made responsible for the work of a unit (a concern, a contact to visit).

A person of a unit is a user holding a role on the unit, on a unit above it
or on a unit below it (一级抓一级: the district's deputy or the school's
teacher), or a named member of the leadership group of the unit or of a unit
above it, who may have no user account.
"""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from units.models import GroupMember, MemberRole, Unit
from units.paths import ids_of, lineage_q
from units.permissions import Action, can, mask_phone

USER_PREFIX = "u:"
MEMBER_PREFIX = "m:"


def users_of(unit: Unit) -> QuerySet:
    """Active users with a role on the unit, above it or below it."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(lineage_q(unit.path, "manyi_roles__unit"))
        .distinct()
        .order_by("username")
    )


def members_of(unit: Unit) -> QuerySet[GroupMember]:
    """Named members of the leadership groups of the unit and of the units above it."""
    return (
        GroupMember.objects.filter(group__unit_id__in=ids_of(unit.path))
        .exclude(person_name="")
        .select_related("group__unit")
        .order_by("-group__unit__depth", "order", "id")
    )


def user_label(user) -> str:
    full = user.get_full_name()
    return f"{full} ({user.get_username()})" if full else user.get_username()


def member_label(member: GroupMember) -> str:
    return f"{member.display_name} · {member.get_role_display()} · {member.group.unit.name}"


def person_choices(unit: Unit) -> list[tuple[str, str]]:
    """Choices for a form: group members first (they carry the responsibility), then user accounts."""
    members = [(f"{MEMBER_PREFIX}{m.pk}", member_label(m)) for m in members_of(unit)]
    users = [(f"{USER_PREFIX}{u.pk}", user_label(u)) for u in users_of(unit)]
    return members + users


def parse_person_key(key: str) -> tuple[str, int] | None:
    """``"u:12"`` -> ``("u:", 12)``; None for anything else."""
    for prefix in (USER_PREFIX, MEMBER_PREFIX):
        if key.startswith(prefix) and key[len(prefix) :].isdigit():
            return prefix, int(key[len(prefix) :])
    return None


def is_user_of(unit: Unit, user) -> bool:
    return users_of(unit).filter(pk=user.pk).exists()


def is_member_of(unit: Unit, member: GroupMember) -> bool:
    return members_of(unit).filter(pk=member.pk).exists()


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


def responsible_choices(concerns: QuerySet) -> list[tuple[str, str]]:
    """The people responsible for any of ``concerns``, for a filter: two queries."""
    members = GroupMember.objects.filter(pk__in=concerns.values("responsible_member")).select_related("group__unit")
    users = get_user_model().objects.filter(pk__in=concerns.values("responsible_user")).order_by("username")
    return [(f"{MEMBER_PREFIX}{m.pk}", member_label(m)) for m in members] + [
        (f"{USER_PREFIX}{u.pk}", user_label(u)) for u in users
    ]


def may_see_phone(user, unit: Unit) -> bool:
    """Phone numbers are personal data: whole only for administrators of the unit they belong to."""
    return can(user, Action.MANAGE, unit)


def phone_shown(user, unit: Unit, phone: str) -> str:
    return phone if may_see_phone(user, unit) else mask_phone(phone)
