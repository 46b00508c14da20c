"""The one place that decides who may do what to which unit.

A role on a unit covers the unit's whole subtree. Every view and every
queryset of user-visible data goes through these functions, so that a user
never sees, even in a count or a drop-down, a unit outside their subtrees.
"""

from collections.abc import Callable, Iterable
from enum import Enum
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from units.models import PeerDisclosure, Role, RoleKind, Unit
from units.paths import depth, is_strictly_under, is_under, outermost, subtree_q

View = TypeVar("View", bound=Callable)
T = TypeVar("T")


def public(view: View) -> View:
    """Mark a view that needs no permission check (sign-in, sign-out, language), so that
    ``tests/units/test_every_view_checks_permission.py`` accepts it; every other view must call this module."""
    view.manyi_public = True
    return view


class Action(Enum):
    VIEW = "view"  # read figures, rankings, ledgers
    ENTER = "enter"  # enter and correct results, work the ledger
    MANAGE = "manage"  # configure units, groups, rounds, users


ROLES_FOR = {
    Action.VIEW: {RoleKind.ADMIN, RoleKind.STAFF, RoleKind.LEADER},
    Action.ENTER: {RoleKind.ADMIN, RoleKind.STAFF},
    Action.MANAGE: {RoleKind.ADMIN},
}


def _role_paths(user) -> list[tuple[str, str]]:
    """(role kind, unit path) for every role of the user, cached on the user object."""
    if not hasattr(user, "_manyi_role_paths"):
        user._manyi_role_paths = list(
            Role.objects.filter(user=user, unit__active=True).values_list("kind", "unit__path")
        )
    return user._manyi_role_paths


def is_superuser(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def scope_paths(user, action: Action) -> list[str] | None:
    """Paths of the subtrees where the user may do ``action``; None means everywhere."""
    if is_superuser(user):
        return None
    if not (user.is_authenticated and user.is_active):
        return []
    allowed = ROLES_FOR[action]
    return outermost([path for kind, path in _role_paths(user) if kind in allowed])


def unit_q(user, action: Action, field: str = "") -> Q:
    """A filter for any model with a unit: ``field`` is the lookup to the unit (e.g. ``"unit__"``)."""
    paths = scope_paths(user, action)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    query = Q()
    for path in paths:
        query |= subtree_q(path, f"{field}path")
    return query


def units_for(user, action: Action) -> QuerySet[Unit]:
    return Unit.objects.filter(unit_q(user, action))


def filter_by_unit(queryset: QuerySet, user, action: Action, field: str = "unit") -> QuerySet:
    """Restrict any queryset whose rows belong to a unit (through ``field``) to the user's scope."""
    paths = scope_paths(user, action)
    if paths is None:
        return queryset
    return queryset.filter(unit_q(user, action, f"{field}__"))


def role_kinds(user) -> set[str]:
    """The kinds of role the user holds anywhere (a superuser counts as an administrator): which home to show."""
    if is_superuser(user):
        return {RoleKind.ADMIN}
    if not (user.is_authenticated and user.is_active):
        return set()
    return {kind for kind, _path in _role_paths(user)}


def roots_held(user, kind: str) -> list[str]:
    """Paths of the outermost units on which the user holds a role of ``kind`` (superusers: none, they hold no role)."""
    if not (user.is_authenticated and user.is_active):
        return []
    return outermost([path for held, path in _role_paths(user) if held == kind])


def can(user, action: Action, unit: Unit) -> bool:
    paths = scope_paths(user, action)
    return paths is None or any(is_under(unit.path, p) for p in paths)


def visible_units(user, action: Action, units: Iterable[T]) -> list[T]:
    """The units (anything with a ``path``) on which the user may do ``action``: ``can`` for a list, the
    user's paths read once."""
    paths = scope_paths(user, action)
    if paths is None:
        return list(units)
    return [unit for unit in units if any(is_under(unit.path, p) for p in paths)]


def can_anywhere(user, action: Action) -> bool:
    paths = scope_paths(user, action)
    return paths is None or bool(paths)


def top_units(user, action: Action = Action.VIEW) -> list[Unit]:
    """The roots of the user's subtrees (for superusers: the roots of the tree)."""
    paths = scope_paths(user, action)
    if paths is None:
        return list(Unit.objects.filter(parent__isnull=True, active=True).order_by("order", "code"))
    return list(Unit.objects.filter(path__in=paths).order_by("path"))


def require(user, action: Action, unit: Unit) -> None:
    """404 for a unit the user cannot see at all; 403 for one they see but may not act on."""
    if can(user, action, unit):
        return
    if action is not Action.VIEW and can(user, Action.VIEW, unit):
        raise PermissionDenied
    raise Http404


def get_unit(user, action: Action, code: str) -> Unit:
    try:
        unit = Unit.objects.get(code=code)
    except Unit.DoesNotExist:
        raise Http404 from None
    require(user, action, unit)
    return unit


def require_anywhere(user, action: Action) -> None:
    """403 for a page not tied to one unit (imports, users) that the user may not use anywhere."""
    if not can_anywhere(user, action):
        raise PermissionDenied


def may_manage_calendar(user) -> bool:
    """Holidays and make-up working days count for every deadline of the tree: superusers and the
    administrators of a top-level unit set them, nobody below."""
    paths = scope_paths(user, Action.MANAGE)
    return paths is None or any(depth(path) == 0 for path in paths)


# ---------------------------------------------------------------- phone numbers


def mask_phone(phone: str) -> str:
    """138****5678: keep the first three and last four digits."""
    phone = (phone or "").strip()
    if len(phone) <= 4:
        return "*" * len(phone)
    if len(phone) <= 7:
        return phone[:1] + "*" * (len(phone) - 3) + phone[-2:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def may_see_phone(user, unit: Unit | None) -> bool:
    """The one phone rule: a number is personal data, read whole only by administrators of the unit
    its record belongs to (and superusers). ``None``: the record's unit is unknown, so only superusers."""
    return is_superuser(user) if unit is None else can(user, Action.MANAGE, unit)


def phone_shown(user, unit: Unit | None, phone: str) -> str:
    """A record's phone number as ``user`` may read it: whole or masked (on pages, exports and forms)."""
    return phone if may_see_phone(user, unit) else mask_phone(phone)


def roles_for(user, action: Action = Action.MANAGE) -> QuerySet[Role]:
    """The roles held on units inside the user's scope (never a role on a unit outside it)."""
    return filter_by_unit(Role.objects.all(), user, action)


def users_for(user, action: Action = Action.MANAGE) -> QuerySet:
    """Accounts the user may see: superusers see all; others those holding a role in their scope."""
    accounts = get_user_model().objects.all()
    if is_superuser(user):
        return accounts
    return accounts.filter(pk__in=roles_for(user, action).values("user_id"))


def get_account(user, pk: int, action: Action = Action.MANAGE):
    """One account the user may see, or 404 (whether it exists elsewhere or not at all)."""
    try:
        return users_for(user, action).get(pk=pk)
    except get_user_model().DoesNotExist:
        raise Http404 from None


def may_revoke(user, role: Role) -> bool:
    """An administrator may not revoke their own administrator role (a subtree could lose its last one)."""
    return is_superuser(user) or not (role.user_id == user.pk and role.kind == RoleKind.ADMIN)


def own(queryset: QuerySet, user, *fields: str) -> QuerySet:
    """The rows naming the user in one of ``fields`` (default ``user``): their jobs, reminders, households.

    A personal list: a superuser's is theirs too.
    """
    if not (user.is_authenticated and user.is_active):
        return queryset.none()
    query = Q()
    for name in fields or ("user",):
        query |= Q(**{name: user})
    return queryset.filter(query)


def jobs_for(queryset: QuerySet, user) -> QuerySet:
    """Import jobs a user sees: the ones they started; superusers see every job."""
    return queryset if is_superuser(user) else own(queryset, user)


# ---------------------------------------------------------------- rounds


def may_manage_round(user, round) -> bool:
    """Open, close and reopen a round: superusers, and administrators whose scope covers every participant.

    A round with no participants yet is managed by the administrators of the unit it was made under.
    """
    paths = scope_paths(user, Action.MANAGE)
    if paths is None:
        return True
    if not paths:
        return False
    participations = round.participations.all()
    if not participations.exists():
        return round.under is not None and can(user, Action.MANAGE, round.under)
    return not participations.exclude(unit_q(user, Action.MANAGE, "unit__")).exists()


def peer_disclosure(user, round, unit, scope) -> str:
    """How ``user`` is shown the peers of ``unit`` below ``scope`` in ``round`` (a ``PeerDisclosure`` value).

    Whoever may see ``scope`` sees the peers in the ordinary ranking: by name. A leader of the unit (a leader
    role on it or above it) who may not see ``scope`` is shown them as the administrator of the round's scope
    chose (``round.peer_disclosure``), and then only their rank and rates, never a page of theirs. Anyone
    else: not at all. ``unit`` and ``scope`` need only a ``path`` (units or ``surveys.figures.UnitInfo``).
    """
    if can(user, Action.VIEW, scope):
        return PeerDisclosure.NAMED
    if not (user.is_authenticated and user.is_active):
        return PeerDisclosure.NONE
    leads = any(kind == RoleKind.LEADER and is_under(unit.path, path) for kind, path in _role_paths(user))
    return round.peer_disclosure if leads else PeerDisclosure.NONE


# ---------------------------------------------------------------- records that name a person
# A concern of the ledger names a responsible person, a household to visit the person assigned to it:
# that person sees and works the record even without a role on its unit (a teacher, a cadre).


def _is_named(user, account_id: int | None) -> bool:
    return user.pk is not None and account_id == user.pk


def may_view_concern(user, concern) -> bool:
    return can(user, Action.VIEW, concern.unit) or _is_named(user, concern.responsible_account_id())


def may_work_concern(user, concern) -> bool:
    """Working the ledger (assign, check, call back, withdraw, correct) is for staff of the unit."""
    return can(user, Action.ENTER, concern.unit)


def may_fix_concern(user, concern) -> bool:
    """The responsible person reports progress on their own concern even without a staff role."""
    return may_work_concern(user, concern) or _is_named(user, concern.responsible_account_id())


def may_view_household(user, household) -> bool:
    return can(user, Action.VIEW, household.unit) or _is_named(user, household.assigned_to_id)


def may_visit_household(user, household) -> bool:
    """Staff of the unit record visits, and so does the person the household is assigned to."""
    return can(user, Action.ENTER, household.unit) or _is_named(user, household.assigned_to_id)


# ---------------------------------------------------------------- phone interviews and call-backs


def may_dial(user, number) -> bool:
    """A drawn number of a call list is called, and read whole, only by the caller it is assigned to (who must
    still be staff of its unit); every reveal is logged by the caller's screen."""
    return _is_named(user, number.caller_id) and can(user, Action.ENTER, number.unit)


def may_verify(user, unit: Unit, entered_by_id: int | None = None) -> bool:
    """Call-backs are made from above: staff or administrators of a unit above ``unit`` who hold no role on the
    unit or below it (never its own clerks), and never by the person who entered the questionnaire."""
    if not (user.is_authenticated and user.is_active) or _is_named(user, entered_by_id):
        return False
    if is_superuser(user):
        return True
    paths = _role_paths(user)
    own = any(is_under(path, unit.path) for _kind, path in paths)
    above = any(kind in ROLES_FOR[Action.ENTER] and is_strictly_under(unit.path, path) for kind, path in paths)
    return above and not own
