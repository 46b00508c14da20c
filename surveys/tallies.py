"""Keeping ``Tally`` equal to a recount of the answers.

Every save of a questionnaire adds its answers' deltas with one
``INSERT ... ON CONFLICT DO UPDATE SET count = count + n`` (same SQL on
PostgreSQL and SQLite), inside the transaction that writes the answers, so
two clerks saving at once never lose a vote. Keys are applied in a fixed
order so that concurrent savers lock rows in the same order (no deadlock).

The same deltas, for every unit above a participating unit, are appended to
``PooledDelta`` in the same transaction: an insert, which locks no row that
another saver needs, so the answers of a district's schools do not queue on
the district's rows. ``tally_fold`` (Celery beat, every minute) folds them
into ``PooledTally`` in one short transaction; figures read the pooled rows
plus the deltas not folded yet, so a vote counts once whether folded or not.
A pooled row is what a page of the levels above reads instead of every
school's rows.
"""

from collections import defaultdict

from django.db import connection, transaction

from surveys.models import Answer, Participation, PooledDelta, PooledTally, Tally
from units.models import Unit
from units.paths import ancestors_of

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
    if not rows:
        return
    _lock_round(round_id, exclusive=False)
    pooled = pooled_deltas(deltas, _participant_paths(round_id, {key[0] for key in deltas}))
    _insert([(round_id, *key, n) for key, n in pooled.items()], PooledDelta._meta.db_table)
    # The leaf rows last: other savers of the unit wait on them from here to the commit (the deltas lock nothing).
    _upsert(rows, f"{Tally._meta.db_table}.count + excluded.count")


def tally_fold(round_id: int | None = None) -> int:
    """Fold the pending pooled deltas (of one round, or all) into ``PooledTally``; returns how many were folded.

    One transaction: the deltas it deletes and the pooled rows it adds commit together, so a figure read at
    any moment counts each vote once. Deltas committed meanwhile are not seen by the DELETE and wait for the
    next fold.
    """
    table, pooled = PooledDelta._meta.db_table, PooledTally._meta.db_table
    where, params = ("WHERE round_id = %s", [round_id]) if round_id is not None else ("", [])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} {where} RETURNING round_id, unit_id, indicator_id, option_id, count", params
        )
        folded = cursor.fetchall()
        sums: dict[tuple[int, int, int, int], int] = defaultdict(int)
        for r, u, i, o, n in folded:
            sums[r, u, i, o] += n
        rows = [(*key, n) for key, n in sorted(sums.items()) if n]
        _upsert(rows, f"{pooled}.count + excluded.count", table=pooled)
    return len(folded)


def pooled_deltas(deltas: dict[TallyKey, int], paths: dict[int, str]) -> dict[TallyKey, int]:
    """The deltas of the units above: each leaf delta added to every ancestor of its unit (pure).

    ``paths`` holds the path of each participating unit; a unit without one
    (not taking part) adds nothing above, as it has no figure in the round.
    """
    pooled: dict[TallyKey, int] = defaultdict(int)
    for (unit_id, indicator_id, option_id), n in deltas.items():
        for ancestor in ancestors_of(paths.get(unit_id, "")):
            pooled[ancestor, indicator_id, option_id] += n
    return {key: n for key, n in pooled.items() if n}


def _participant_paths(round_id: int, unit_ids: set[int] | None = None) -> dict[int, str]:
    """Paths of the round's participating units (of ``unit_ids`` only, when given).

    In SQL, as ``_upsert``: it is on the path of every save, where the ORM's
    compiling cost more than the query (docs/performance.md, issue 11).
    """
    sql = (
        f"SELECT u.id, u.path FROM {Unit._meta.db_table} u JOIN {Participation._meta.db_table} p "
        "ON p.unit_id = u.id WHERE p.round_id = %s"
    )
    if unit_ids is not None:
        sql += f" AND u.id IN ({', '.join(str(int(i)) for i in unit_ids) or 'NULL'})"  # integers, inlined
    with connection.cursor() as cursor:
        cursor.execute(sql, [round_id])
        return dict(cursor.fetchall())


def _upsert(
    rows: list[tuple[int, int, int, int, int]], new_count: str, chunk: int = 1000, table: str = Tally._meta.db_table
) -> None:
    """Insert (round, unit, indicator, option, count) rows; on an existing key set ``count = new_count``."""
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(part))
            cursor.execute(
                f"INSERT INTO {table} (round_id, unit_id, indicator_id, option_id, count) VALUES {values} "
                f"ON CONFLICT (round_id, unit_id, indicator_id, option_id) DO UPDATE SET count = {new_count}",
                [value for row in part for value in row],
            )


def _insert(rows: list[tuple[int, int, int, int, int]], table: str, chunk: int = 1000) -> None:
    """Insert (round, unit, indicator, option, count) rows (the pooled deltas of a save: a dozen or so)."""
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(part))
            cursor.execute(
                f"INSERT INTO {table} (round_id, unit_id, indicator_id, option_id, count) VALUES {values}",
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


def _maintained(round_id: int, model=Tally) -> dict[TallyKey, int]:
    """Every tally (or pooled tally) row of the round, zeros included (so that a row's existence is known)."""
    rows = model.objects.filter(round_id=round_id)
    return {(u, i, o): n for u, i, o, n in rows.values_list("unit_id", "indicator_id", "option_id", "count")}


def _pooled_now(round_id: int) -> dict[TallyKey, int]:
    """The pooled tallies as figures read them: the folded rows plus the pending deltas."""
    pooled = _maintained(round_id, PooledTally)
    deltas = PooledDelta.objects.filter(round_id=round_id)
    for u, i, o, n in deltas.values_list("unit_id", "indicator_id", "option_id", "count"):
        pooled[u, i, o] = pooled.get((u, i, o), 0) + n
    return pooled


def _differences(maintained: dict[TallyKey, int], recounted: dict[TallyKey, int]) -> list[tuple[TallyKey, int, int]]:
    keys = maintained.keys() | recounted.keys()
    return [(k, maintained.get(k, 0), recounted.get(k, 0)) for k in keys if maintained.get(k, 0) != recounted.get(k, 0)]


def tally_mismatches(round_id: int) -> list[tuple[TallyKey, int, int]]:
    """(key, maintained, recounted) wherever the maintained tally differs from a recount, in key order."""
    return sorted(_differences(_maintained(round_id), _recount(round_id)))


def pooled_mismatches(round_id: int) -> list[tuple[TallyKey, int, int]]:
    """(key, maintained, recounted) wherever an ancestor's pooled tally differs from the sum of its leaves'
    recounted answers, in key order."""
    return sorted(_differences(_pooled_now(round_id), _pooled_recount(round_id, _recount(round_id))))


def _pooled_recount(round_id: int, recounted: dict[TallyKey, int]) -> dict[TallyKey, int]:
    return pooled_deltas(recounted, _participant_paths(round_id))


@transaction.atomic
def tally_rebuild(round_id: int) -> int:
    """Make the round's tallies and pooled tallies equal to a recount of its answers; returns how many
    rows were corrected.

    Only differing rows are written, so checking a correct round costs one recount and two reads;
    rows that do not exist yet are loaded with COPY on PostgreSQL.
    """
    _lock_round(round_id, exclusive=True)
    recounted = _recount(round_id)
    corrected = _correct(round_id, recounted, Tally)
    return corrected + _correct_pooled(round_id, _pooled_recount(round_id, recounted))


def _correct_pooled(round_id: int, recounted: dict[TallyKey, int]) -> int:
    """Fold the round's pending deltas, then correct its pooled rows (under the round's exclusive lock)."""
    tally_fold(round_id)
    return _correct(round_id, recounted, PooledTally)


def _correct(round_id: int, recounted: dict[TallyKey, int], model) -> int:
    maintained = _maintained(round_id, model)
    wrong = _differences(maintained, recounted)
    rows = [(round_id, *key, n) for key, _old, n in wrong]
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        _copy([row for row in rows if row[1:4] not in maintained], table)
        rows = [row for row in rows if row[1:4] in maintained]
    _upsert(rows, "excluded.count", table=table)
    return len(wrong)


def _copy(rows: list[tuple[int, int, int, int, int]], table: str) -> None:
    if not rows:
        return
    text = "".join("\t".join(map(str, row)) + "\n" for row in rows)
    columns = "(round_id, unit_id, indicator_id, option_id, count)"
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY {table} {columns} FROM STDIN") as copy,
    ):
        copy.write(text)


@transaction.atomic
def pooled_rebuild(round_id: int) -> int:
    """Pool the round's maintained leaf tallies afresh (after units moved in the tree); returns rows corrected.

    A move changes which units are above a school, not its answers: the leaf
    rows stay, the pooled rows follow the new tree.
    """
    _lock_round(round_id, exclusive=True)
    leaves = {key: n for key, n in _maintained(round_id).items() if n}
    return _correct_pooled(round_id, pooled_deltas(leaves, _participant_paths(round_id)))


def pool_after_move(*, path: str, **kwargs) -> None:
    """Re-pool every round in which a unit of the moved subtree takes part (receiver of ``unit_moved``)."""
    rounds = Tally.objects.filter(unit__in=Unit.objects.filter(path__startswith=path)).values("round_id")
    for round_id in sorted(set(rounds.values_list("round_id", flat=True))):
        pooled_rebuild(round_id)
