"""Keeping ``Tally`` equal to a recount of the answers.

Every save of a questionnaire adds its answers' deltas with one
``INSERT ... ON CONFLICT DO UPDATE SET count = count + n`` (same SQL on
PostgreSQL and SQLite), inside the transaction that writes the answers, so
two clerks saving at once never lose a vote. Keys are applied in a fixed
order so that concurrent savers lock rows in the same order (no deadlock).
"""

from django.db import connection, transaction

from surveys.models import Answer, Tally

TallyKey = tuple[int, int, int]  # (unit_id, indicator_id, option_id)
TALLY_LOCK_SPACE = 7301  # first key of the advisory locks on a round's tallies


def _lock_round(round_id: int, exclusive: bool) -> None:
    """Savers share a per-round lock; a rebuild takes it alone, so it never interleaves with a save.

    (SQLite serialises writers anyway; on PostgreSQL a transaction-level advisory lock.)
    """
    if connection.vendor == "postgresql":
        function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s, %s)", [TALLY_LOCK_SPACE, round_id])


def tally_add(round_id: int, deltas: dict[TallyKey, int]) -> None:
    """Add ``deltas`` (which may be negative) to the round's tallies, inside the caller's transaction."""
    rows = [(round_id, *key, n) for key, n in sorted(deltas.items()) if n]
    if rows:
        _lock_round(round_id, exclusive=False)
        _upsert(rows, f"{Tally._meta.db_table}.count + excluded.count")


def _upsert(rows: list[tuple[int, int, int, int, int]], new_count: str, chunk: int = 1000) -> None:
    """Insert (round, unit, indicator, option, count) rows; on an existing key set ``count = new_count``."""
    table = Tally._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(part))
            cursor.execute(
                f"INSERT INTO {table} (round_id, unit_id, indicator_id, option_id, count) VALUES {values} "
                f"ON CONFLICT (round_id, unit_id, indicator_id, option_id) DO UPDATE SET count = {new_count}",
                [value for row in part for value in row],
            )


def _recount(round_id: int) -> dict[TallyKey, int]:
    """The counts straight from the answers (one GROUP BY, run in parallel by PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT unit_id, indicator_id, option_id, COUNT(*) FROM {Answer._meta.db_table} WHERE round_id = %s "
            "GROUP BY unit_id, indicator_id, option_id",
            [round_id],
        )
        return {(u, i, o): n for u, i, o, n in cursor.fetchall()}


def _maintained(round_id: int) -> dict[TallyKey, int]:
    """Every tally row of the round, zeros included (so that a row's existence is known)."""
    rows = Tally.objects.filter(round_id=round_id)
    return {(u, i, o): n for u, i, o, n in rows.values_list("unit_id", "indicator_id", "option_id", "count")}


def _differences(maintained: dict[TallyKey, int], recounted: dict[TallyKey, int]) -> list[tuple[TallyKey, int, int]]:
    keys = maintained.keys() | recounted.keys()
    return [(k, maintained.get(k, 0), recounted.get(k, 0)) for k in keys if maintained.get(k, 0) != recounted.get(k, 0)]


def tally_mismatches(round_id: int) -> list[tuple[TallyKey, int, int]]:
    """(key, maintained, recounted) wherever the maintained tally differs from a recount, in key order."""
    return sorted(_differences(_maintained(round_id), _recount(round_id)))


@transaction.atomic
def tally_rebuild(round_id: int) -> int:
    """Make the round's tallies equal to a recount of its answers; returns how many were corrected.

    Only differing rows are written, so checking a correct round costs one recount and one read;
    rows that do not exist yet are loaded with COPY on PostgreSQL.
    """
    _lock_round(round_id, exclusive=True)
    maintained = _maintained(round_id)
    wrong = _differences(maintained, _recount(round_id))
    rows = [(round_id, *key, n) for key, _old, n in wrong]
    if connection.vendor == "postgresql":
        _copy([row for row in rows if row[1:4] not in maintained])
        rows = [row for row in rows if row[1:4] in maintained]
    _upsert(rows, "excluded.count")
    return len(wrong)


def _copy(rows: list[tuple[int, int, int, int, int]]) -> None:
    if not rows:
        return
    text = "".join("\t".join(map(str, row)) + "\n" for row in rows)
    columns = "(round_id, unit_id, indicator_id, option_id, count)"
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY {Tally._meta.db_table} {columns} FROM STDIN") as copy,
    ):
        copy.write(text)
