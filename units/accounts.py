"""User accounts and the roles they hold on units.

Who may see which account or role is decided in units.permissions
(``users_for``, ``roles_for``); these functions only write.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from units.models import Role, Unit


def person_name(user) -> str:
    """A person as a clerk writes them: the full name, the user name only when no full name is known."""
    return user.get_full_name() or user.get_username()


@transaction.atomic
def user_create(*, username: str, name: str, password: str, unit: Unit, kind: str):
    """A new account with its first role: an account without a role would be invisible to its creator."""
    user = get_user_model().objects.create_user(username=username, password=password, first_name=name)
    Role.objects.create(user=user, unit=unit, kind=kind)
    return user


def role_grant(*, user, unit: Unit, kind: str) -> Role:
    role, _ = Role.objects.get_or_create(user=user, unit=unit, kind=kind)
    return role


def role_revoke(*, role: Role) -> None:
    role.delete()
