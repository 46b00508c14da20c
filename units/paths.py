"""The materialised path of a unit, in one place: the primary keys from the root down to the unit.

A top-level unit 1 has the path ``/1/``, its child 7 ``/1/7/``, its grandchild
42 ``/1/7/42/``. Every path begins and ends with the separator, so a subtree is
one prefix match (``LIKE '/1/7/%'`` on an index) and ``/1/7/`` is never taken
for a prefix of ``/1/70/``. Nothing outside this module builds, splits or
compares paths by hand.
"""

from django.db.models import Q, Value
from django.db.models.functions import Concat, Substr

SEPARATOR = "/"


def path_of(parent_path: str | None, pk: int) -> str:
    """The path of unit ``pk`` under the unit with ``parent_path`` (None or "" for a top-level unit)."""
    return f"{parent_path or SEPARATOR}{pk}{SEPARATOR}"


def ids_of(path: str) -> list[int]:
    """The primary keys on the path, from the root down to the unit itself."""
    return [int(part) for part in path.strip(SEPARATOR).split(SEPARATOR) if part]


def ancestors_of(path: str) -> list[int]:
    """The primary keys of the units above, from the root down to the parent."""
    return ids_of(path)[:-1]


def parent_path(path: str) -> str:
    """The path of the unit's parent ("/" for a top-level unit)."""
    return path[: path.rindex(SEPARATOR, 0, len(path) - 1) + 1]


def depth(path: str) -> int:
    """0 for a top-level unit, 1 for its children, and so on."""
    return path.count(SEPARATOR) - 2


def is_under(path: str, ancestor_path: str) -> bool:
    """Whether the unit at ``path`` is the unit at ``ancestor_path`` or lies below it."""
    return path.startswith(ancestor_path)


def is_strictly_under(path: str, ancestor_path: str) -> bool:
    """Whether the unit at ``path`` lies below the unit at ``ancestor_path`` (not the unit itself)."""
    return path != ancestor_path and is_under(path, ancestor_path)


def subtree_end(path: str) -> str:
    """The smallest string above every path of the subtree at ``path``: in sorted order, the subtree is the
    range [path, subtree_end(path)) (the separator is followed by the character after it)."""
    return path[:-1] + chr(ord(SEPARATOR) + 1)


def child_below(path: str, ancestor_path: str) -> int | None:
    """The id of the unit directly below ``ancestor_path`` on the way to ``path``; None for the ancestor itself.

    ``path`` must lie under ``ancestor_path``.
    """
    rest = path[len(ancestor_path) :]
    return int(rest.split(SEPARATOR, 1)[0]) if rest else None


def outermost(paths: list[str]) -> list[str]:
    """The paths that no other path of the list covers, sorted (a role below another role adds nothing)."""
    unique = sorted(set(paths))
    return [p for p in unique if not any(is_strictly_under(p, q) for q in unique)]


def common_path(paths: list[str]) -> str:
    """The path of the deepest unit that every path lies under ("/" when they share none)."""
    lists = [ids_of(path) for path in paths]
    common: list[int] = []
    for column in zip(*lists, strict=False):
        if any(pk != column[0] for pk in column):
            break
        common.append(column[0])
    return SEPARATOR + "".join(f"{pk}{SEPARATOR}" for pk in common)


def subtree_q(path: str, field: str = "path") -> Q:
    """A filter for the unit at ``path`` and everything below it; ``field`` is the path's lookup
    (``"unit__path"`` for a model with a unit)."""
    return Q(**{f"{field}__startswith": path})


def lineage_q(path: str, relation: str = "unit") -> Q:
    """A filter for rows whose unit (through ``relation``) is the unit at ``path``, above it or below it."""
    return subtree_q(path, f"{relation}__path") | Q(**{f"{relation}__in": ancestors_of(path)})


def moved(old_path: str, new_path: str, field: str = "path") -> Concat:
    """The database expression that moves a path under ``old_path`` to the same place under ``new_path``."""
    return Concat(Value(new_path), Substr(field, len(old_path) + 1))
