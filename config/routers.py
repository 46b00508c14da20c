"""Reading figures from a streaming replica: ``DATABASE_REPLICA_URL`` (optional).

Only code that says so reads from the replica: the figure pages, their API
and the ranking exports run under ``replica_reads()``, whose reads (ORM and
the raw SQL of ``surveys.figures`` through ``read_connection``) go to the
``replica`` alias. Everything else, every write, and any page that must see
its own writes stays on the primary. Without a replica URL the alias is a
copy of the primary's settings that nothing uses.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.db import connections

REPLICA = "replica"
_reading_replica: ContextVar[bool] = ContextVar("manyi_reading_replica", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside the block may come from the replica (a few seconds behind the primary at most)."""
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def reads_replica(view):
    """A view whose reads may come from the replica (read-only figure pages)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        with replica_reads():
            return view(*args, **kwargs)

    return wrapper


def read_alias() -> str:
    """The database alias reads go to here: the replica inside ``replica_reads()`` when one is configured."""
    return REPLICA if _reading_replica.get() and settings.MANYI_READ_REPLICA else "default"


def read_connection():
    """The connection for raw read-only SQL (figures, outline)."""
    return connections[read_alias()]


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replica is the same database, a little behind

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == "default"
