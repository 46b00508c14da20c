"""Writing validated rows: questionnaires and answers, tallies, reported counts, and the trail of changes.

Callers hold one transaction around these functions (all or nothing). On
PostgreSQL questionnaires and answers go in with ``COPY`` (answers in the
binary format, built with numpy); elsewhere (SQLite, the embedded default)
with ``bulk_create``. Tallies get the import's deltas, grouped by unit x
indicator x option, in one statement.
"""

import datetime
import select
from collections.abc import Callable, Iterator

import numpy as np
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from imports.validation import CHANNEL_VALUES, RESPONDENT_VALUES, QuestionnaireRows
from spreadsheets.problems import FileRefused, Problem
from surveys.models import Answer, ChangeAction, Indicator, Option, Questionnaire, ReportedCount, ResultChange, Round
from surveys.tallies import tally_add
from units.models import Unit

COPY_ROWS = 100_000  # questionnaires per COPY block: bounds the memory of the text and binary buffers
BULK_BATCH = 2_000
TALLY_BATCH = 10_000


def questionnaires_write(*, round: Round, job_id: int, user_id: int | None, data: QuestionnaireRows,
                         progress: Callable[[int, int], None] = lambda done, total: None) -> np.ndarray:  # fmt: skip
    """Write the questionnaires, their answers and the tally deltas; returns the new questionnaire ids."""
    if connection.vendor == "postgresql":
        ids = _copy_questionnaires(round, job_id, user_id, data, progress)
    else:
        ids = _create_questionnaires(round, job_id, user_id, data)
    deltas = sorted(tally_deltas(data).items())
    # Batches keep each statement under PostgreSQL's 65,535 parameters (5 per tally row).
    for start in range(0, len(deltas), TALLY_BATCH):
        tally_add(round.id, dict(deltas[start : start + TALLY_BATCH]))
    return ids


def tally_deltas(data: QuestionnaireRows) -> dict[tuple[int, int, int], int]:
    """Votes per (unit, indicator, option): one bincount per block of rows, never a loop over rows."""
    units, unit_positions = np.unique(data.unit_ids, return_inverse=True)
    k, o = len(data.indicator_ids), len(data.option_ids) + 1  # option position 0: unanswered
    counts = np.zeros(len(units) * k * o, dtype=np.int64)
    cell = np.arange(k, dtype=np.int64)[None, :] * o
    for start in range(0, len(data), COPY_ROWS):
        keys = (unit_positions[start : start + COPY_ROWS, None] * (k * o) + cell) + data.answers[
            start : start + COPY_ROWS
        ]
        counts += np.bincount(keys.ravel(), minlength=len(counts))
    deltas = {}
    for key in np.flatnonzero(counts).tolist():
        unit, rest = divmod(key, k * o)
        indicator, option = divmod(rest, o)
        if option:
            deltas[(int(units[unit]), data.indicator_ids[indicator], data.option_ids[option - 1])] = int(counts[key])
    return deltas


def import_logged(*, round: Round, user, job_id: int, file_name: str, rows: int, kind: str) -> None:
    ResultChange.objects.create(
        round=round, unit=None, user=user, action=ChangeAction.IMPORTED,
        detail={"job": job_id, "file": file_name, "rows": rows, "kind": kind},
    )  # fmt: skip


# ---------------------------------------------------------------- PostgreSQL: COPY


def _copy_questionnaires(round: Round, job_id: int, user_id, data: QuestionnaireRows, progress) -> np.ndarray:
    _lock_references(data, user_id)
    checks_skipped = _skip_row_checks()
    ids = _reserve_ids(Questionnaire._meta.db_table, len(data))
    # COPY goes to psycopg directly: its errors (a questionnaire number saved meanwhile) become Django's.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        _copy_questionnaire_rows(cursor, round.id, job_id, user_id, data, ids, progress)
        _copy_answer_rows(cursor, round.id, data, ids, progress)
        if checks_skipped:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    return ids


def _copy_questionnaire_rows(cursor, round_id: int, job_id: int, user_id, data, ids, progress) -> None:
    now = timezone.now().isoformat()
    user = "\\N" if user_id is None else str(user_id)  # \N: NULL in COPY's text format
    suffix = f"\t{job_id}\t{user}\t{now}\t{now}\n"
    columns = "id, round_id, unit_id, respondent_type, channel, date, number, phone, import_job, created_by_id, created_at, updated_at"
    with cursor.copy(f"COPY {Questionnaire._meta.db_table} ({columns}) FROM STDIN") as copy:
        for start in range(0, len(data), COPY_ROWS):
            copy.write(_questionnaire_text(round_id, data, ids, start, start + COPY_ROWS, suffix))
            _send_queued(cursor.connection)
            progress(start + COPY_ROWS, 2 * len(data))


def _copy_answer_rows(cursor, round_id: int, data: QuestionnaireRows, ids: np.ndarray, progress) -> None:
    columns = "questionnaire_id, round_id, unit_id, indicator_id, option_id"
    with cursor.copy(f"COPY {Answer._meta.db_table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8)  # signature, flags, header extension length
        for start, block in _answer_blocks(round_id, data, ids):
            copy.write(block)
            _send_queued(cursor.connection)
            progress(len(data) + start, 2 * len(data))
        copy.write(b"\xff\xff")  # end of data


def _send_queued(connection) -> None:
    """Wait until libpq has sent what it queued: the server is slower than the client, and libpq would
    otherwise keep the whole file in memory (psycopg does not flush COPY data on Linux)."""
    pgconn = connection.pgconn
    while pgconn.flush() == 1:
        select.select([], [pgconn.socket], [])


def _lock_references(data: QuestionnaireRows, user_id: int | None) -> None:
    """Lock every row the new rows point to, as the foreign-key checks would, in one query per table.

    The round itself is already locked (FOR UPDATE) by the caller. A row
    deleted since the file was checked refuses the file (nothing written).
    """
    used_options = np.unique(data.answers)
    references = [
        (Unit._meta.db_table, np.unique(data.unit_ids).tolist()),
        (Indicator._meta.db_table, list(data.indicator_ids)),
        (Option._meta.db_table, [data.option_ids[p - 1] for p in used_options.tolist() if p]),
        (get_user_model()._meta.db_table, [] if user_id is None else [user_id]),
    ]
    with connection.cursor() as cursor:
        for table, ids in references:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE id = ANY(%s) FOR KEY SHARE) AS locked", [ids]
            )
            if cursor.fetchone()[0] != len(ids):
                raise FileRefused(Problem("changed"))


def _skip_row_checks() -> bool:
    """Skip the per-row foreign-key triggers for the COPYs of this transaction, if the database role may.

    PostgreSQL checks foreign keys with one trigger call per row and key: for
    a million questionnaires that is 33 million look-ups, more than the COPY
    itself. ``_lock_references`` has done the same checks once per referenced
    row, and the answers point to questionnaires written in this transaction.
    The setting needs a superuser, or (PostgreSQL 15+) ``GRANT SET ON
    PARAMETER session_replication_role TO <role>``; without it the checks run.
    """
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        return False
    return True


def _reserve_ids(table: str, count: int) -> np.ndarray:
    """Take ``count`` ids from the table's sequence, so that answers can point to questionnaires before COPY.

    Only the runs of consecutive ids travel back (one run, unless other
    sessions took ids at the same moment).
    """
    if not count:
        return np.empty(0, dtype=np.int64)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = cursor.fetchone()
        cursor.execute(
            "SELECT min(id), max(id) FROM (SELECT nextval(%s::regclass) AS id FROM generate_series(1, %s)) AS taken",
            [sequence, count],
        )
        low, high = cursor.fetchone()
        if high - low + 1 == count:
            return np.arange(low, high + 1, dtype=np.int64)
        cursor.execute(
            "SELECT min(id), max(id) FROM (SELECT id, id - row_number() OVER (ORDER BY id) AS run "
            "FROM (SELECT nextval(%s::regclass) AS id FROM generate_series(1, %s)) AS taken) AS runs "
            "GROUP BY run ORDER BY 1",
            [sequence, count],
        )
        return np.concatenate([np.arange(low, high + 1, dtype=np.int64) for low, high in cursor.fetchall()])


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_texts(values: np.ndarray) -> np.ndarray:
    """Text for COPY's text format: backslash, tab and line breaks escaped (checked once for the block)."""
    joined = "".join(values.tolist())
    if any(c in joined for c in "\\\t\n\r"):
        return np.array([t.translate(_ESCAPES) for t in values.tolist()], dtype=object)
    return values


def _texts_of(values: np.ndarray, text: Callable[[int], str]) -> np.ndarray:
    """``text(value)`` for each value, computed once per distinct value (units, dates repeat)."""
    distinct, positions = np.unique(values, return_inverse=True)
    return np.array([text(v) for v in distinct.tolist()], dtype=object)[positions.ravel()]


def _questionnaire_text(round_id: int, data: QuestionnaireRows, ids: np.ndarray, start: int, stop: int,
                        suffix: str) -> bytes:  # fmt: skip
    """COPY text lines, concatenated column by column with numpy object arrays (no Python loop per row)."""
    block = slice(start, stop)
    types = np.array([f"\t{value}" for value in RESPONDENT_VALUES], dtype=object)
    channels = np.array([f"\t{value}" for value in CHANNEL_VALUES], dtype=object)
    lines = ids[block].astype(str).astype(object) + f"\t{round_id}\t"
    lines += data.unit_ids[block].astype(str).astype(object)
    lines += types[data.respondent_types[block]] + channels[data.channels[block]]
    lines += _texts_of(data.dates[block], lambda d: f"\t{datetime.date.fromordinal(d).isoformat()}\t")
    lines += _copy_texts(data.numbers[block]) + "\t" + _copy_texts(data.phones[block]) + suffix
    return "".join(lines.tolist()).encode()


_ANSWER_ROW = np.dtype(
    [("fields", ">i2")] + [item for k in range(5) for item in ((f"size{k}", ">i4"), (f"value{k}", ">i8"))]
)


def _answer_blocks(round_id: int, data: QuestionnaireRows, ids: np.ndarray) -> Iterator[tuple[int, bytes]]:
    """Answers in PostgreSQL's binary COPY format: 5 bigint fields per row, laid out by a numpy record type."""
    indicator_ids = np.array(data.indicator_ids, dtype=np.int64)
    for start in range(0, len(data), COPY_ROWS):
        stop = min(len(data), start + COPY_ROWS)
        options = data.answer_option_ids(start, stop)
        answered = options > 0
        rows = np.empty(int(answered.sum()), dtype=_ANSWER_ROW)
        rows["fields"] = 5
        for field in range(5):
            rows[f"size{field}"] = 8
        rows["value0"] = np.broadcast_to(ids[start:stop, None], options.shape)[answered]
        rows["value1"] = round_id
        rows["value2"] = np.broadcast_to(data.unit_ids[start:stop, None], options.shape)[answered]
        rows["value3"] = np.broadcast_to(indicator_ids[None, :], options.shape)[answered]
        rows["value4"] = options[answered]
        yield start, rows.tobytes()


# ---------------------------------------------------------------- other databases: bulk_create


def _create_questionnaires(round: Round, job_id: int, user_id, data: QuestionnaireRows) -> np.ndarray:
    created = Questionnaire.objects.bulk_create(
        (
            Questionnaire(
                round_id=round.id,
                unit_id=unit,
                respondent_type=RESPONDENT_VALUES[t],
                channel=CHANNEL_VALUES[c],
                date=_date(d),
                number=n,
                phone=p,
                import_job=job_id,
                created_by_id=user_id,
            )  # fmt: skip
            for unit, t, c, d, n, p in zip(
                data.unit_ids.tolist(),
                data.respondent_types.tolist(),
                data.channels.tolist(),
                data.dates.tolist(),
                data.numbers.tolist(),
                data.phones.tolist(),
                strict=True,
            )  # fmt: skip
        ),
        batch_size=BULK_BATCH,
    )
    ids = np.array([q.pk for q in created], dtype=np.int64)
    answers = data.answer_option_ids().tolist()
    Answer.objects.bulk_create(
        (
            Answer(questionnaire_id=q, round_id=round.id, unit_id=unit, indicator_id=indicator, option_id=option)
            for q, unit, options in zip(ids.tolist(), data.unit_ids.tolist(), answers, strict=True)
            for indicator, option in zip(data.indicator_ids, options, strict=True)
            if option
        ),
        batch_size=BULK_BATCH,
    )
    return ids


def _date(ordinal: int) -> datetime.date:
    return datetime.date.fromordinal(ordinal)


# ---------------------------------------------------------------- reported counts


def counts_write(*, round: Round, user, job_id: int, counts: dict[int, dict[tuple[int, int], int]]) -> int:
    """Set the reported counts of the file's units x indicators (replacing what was there); returns cells changed.

    The same as ``surveys.services.reported_counts_set`` for each unit, in a
    fixed number of queries: one read, one upsert, one insert of the trail.
    """
    existing = {
        (u, i, o): n
        for u, i, o, n in ReportedCount.objects.select_for_update()
        .filter(round=round, unit_id__in=list(counts))
        .values_list("unit_id", "indicator_id", "option_id", "count")
    }
    changes: dict[int, dict[tuple[int, int], tuple[int, int]]] = {}
    for unit_id, cells in counts.items():
        for (indicator_id, option_id), value in cells.items():
            old = existing.get((unit_id, indicator_id, option_id), 0)
            if old != value:
                changes.setdefault(unit_id, {})[(indicator_id, option_id)] = (old, value)
    ReportedCount.objects.bulk_create(
        [
            ReportedCount(round=round, unit_id=u, indicator_id=i, option_id=o, count=new)
            for u, cells in changes.items()
            for (i, o), (_old, new) in cells.items()
        ],
        update_conflicts=True, unique_fields=["round", "unit", "indicator", "option"], update_fields=["count"],
    )  # fmt: skip
    codes = {indicator.id: indicator.code for indicator in round.ordered_indicators()}
    numbers = dict(Option.objects.filter(scale_id=round.scale_id).values_list("id", "number"))
    ResultChange.objects.bulk_create(
        ResultChange(
            round=round,
            unit_id=unit_id,
            user=user,
            action=ChangeAction.COUNTS,
            detail={
                "changes": {f"{codes[i]}/{numbers[o]}": [old, new] for (i, o), (old, new) in cells.items()},
                "job": job_id,
            },
        )  # fmt: skip
        for unit_id, cells in changes.items()
    )
    return sum(len(cells) for cells in changes.values())
