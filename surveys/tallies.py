"""Keeping ``Tally`` equal to a recount of the answers.

Every save of a questionnaire adds its answers' deltas with one
``INSERT ... ON CONFLICT DO UPDATE SET count = count + n`` (same SQL on
PostgreSQL and SQLite), inside the transaction that writes the answers, so
two clerks saving at once never lose a vote. Keys are applied in a fixed
order so that concurrent savers lock rows in the same order (no deadlock).
"""

from collections import Counter

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


def tally_add(round_id: int, deltas: Counter[TallyKey] | dict[TallyKey, int]) -> None:
    """Add ``deltas`` (which may be negative) to the round's tallies, inside the caller's transaction."""
    rows = [(round_id, unit, indicator, option, n) for (unit, indicator, option), n in sorted(deltas.items()) if n]
    if not rows:
        return
    _lock_round(round_id, exclusive=False)
    table = Tally._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    sql = (
        f"INSERT INTO {table} (round_id, unit_id, indicator_id, option_id, count) VALUES {values} "
        f"ON CONFLICT (round_id, unit_id, indicator_id, option_id) DO UPDATE SET count = {table}.count + excluded.count"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])


def answer_deltas(answers: list[tuple[int, int, int]], sign: int = 1) -> Counter[TallyKey]:
    """Deltas for (unit_id, indicator_id, option_id) answers being added (+1) or removed (-1)."""
    deltas: Counter[TallyKey] = Counter()
    for key in answers:
        deltas[key] += sign
    return deltas


@transaction.atomic
def tally_rebuild(round_id: int) -> int:
    """Recount the round's tallies from its answers; returns the rows written."""
    _lock_round(round_id, exclusive=True)
    Tally.objects.filter(round_id=round_id).delete()
    tally, answer = Tally._meta.db_table, Answer._meta.db_table
    recount = (
        f"SELECT round_id, unit_id, indicator_id, option_id, COUNT(*) FROM {answer} "
        f"WHERE round_id = %s GROUP BY round_id, unit_id, indicator_id, option_id"
    )
    columns = "(round_id, unit_id, indicator_id, option_id, count)"
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"INSERT INTO {tally} {columns} {recount}", [round_id])
            return cursor.rowcount
        # PostgreSQL runs a plain SELECT in parallel but never an INSERT ... SELECT: count first, then COPY.
        cursor.execute(recount, [round_id])
        rows = cursor.fetchall()
        with cursor.connection.cursor().copy(f"COPY {tally} {columns} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return len(rows)


def tally_mismatches(round_id: int) -> list[tuple[TallyKey, int, int]]:
    """(key, maintained, recounted) wherever the maintained tally differs from a recount."""
    maintained = {
        (u, i, o): n
        for u, i, o, n in Tally.objects.filter(round_id=round_id, count__gt=0).values_list(
            "unit_id", "indicator_id", "option_id", "count"
        )
    }
    answer = Answer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT unit_id, indicator_id, option_id, COUNT(*) FROM {answer} WHERE round_id = %s "
            f"GROUP BY unit_id, indicator_id, option_id",
            [round_id],
        )
        recounted = {(u, i, o): n for u, i, o, n in cursor.fetchall()}
    keys = maintained.keys() | recounted.keys()
    return sorted(
        (k, maintained.get(k, 0), recounted.get(k, 0)) for k in keys if maintained.get(k, 0) != recounted.get(k, 0)
    )
