"""The one writer of results: questionnaires with their answers, reported counts, tallies and the trail.

Every way results come in (keyboard entry, imports, and later the online
questionnaire and phone interviews) writes through ``questionnaires_add`` and
``reported_counts_set_many``, inside the caller's transaction (all or
nothing), after the caller has checked the rows. Large batches on PostgreSQL
go in with ``COPY`` (answers in the binary format, built with numpy); small
ones, and every batch elsewhere (SQLite, the embedded default), with
``bulk_create``. Tallies get the batch's deltas, grouped by unit x indicator x
option. Apps above ``surveys`` learn of new questionnaires through
``surveys.hooks.questionnaires_saved``.
"""

import datetime
import select
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.hooks import questionnaire_deleting, questionnaires_saved
from surveys.models import (
    Answer,
    ChangeAction,
    Channel,
    Indicator,
    Option,
    Participation,
    Questionnaire,
    ReportedCount,
    RespondentType,
    ResultChange,
    Round,
    RoundStatus,
)
from surveys.tallies import tally_add
from units.models import Unit

RESPONDENT_VALUES = list(RespondentType.values)
CHANNEL_VALUES = list(Channel.values)
COPY_MIN_ROWS = 1_000  # below this, bulk_create is as fast as COPY and needs no id reservation
COPY_ROWS = 100_000  # questionnaires per COPY block: bounds the memory of the text and binary buffers
BULK_BATCH = 2_000


@dataclass(frozen=True)
class Batch:
    """A batch traced by one "imported" entry instead of one entry per questionnaire: an import's file."""

    job_id: int | None
    file_name: str
    rows: int


@dataclass
class QuestionnaireRows:
    """Checked questionnaires, column by column (one entry per questionnaire), in compact types."""

    indicator_ids: list[int]
    option_ids: list[int]
    rows: np.ndarray  # spreadsheet row numbers (or 1, 2, ... for other sources)
    unit_ids: np.ndarray
    respondent_types: np.ndarray  # positions in RESPONDENT_VALUES
    channels: np.ndarray  # positions in CHANNEL_VALUES
    dates: np.ndarray  # date.toordinal()
    numbers: np.ndarray  # text, "" when not given
    phones: np.ndarray
    answers: np.ndarray  # questionnaires x indicators: 1 + position of the option in option_ids, 0 unanswered

    def __len__(self) -> int:
        return len(self.rows)

    def answer_option_ids(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """The option ids of the answers of rows start:stop (0 where unanswered)."""
        lookup = np.array([0, *self.option_ids], dtype=np.int64)
        return lookup[self.answers[start:stop]]

    @classmethod
    def concatenate(cls, indicator_ids: list[int], option_ids: list[int], parts: list[dict]) -> "QuestionnaireRows":
        names = ["rows", "unit_ids", "respondent_types", "channels", "dates", "numbers", "phones", "answers"]
        if not parts:
            empty = {name: np.empty(0, dtype=object if name in {"numbers", "phones"} else np.int64) for name in names}
            empty["answers"] = np.empty((0, len(indicator_ids)), dtype=np.int8)
            return cls(indicator_ids, option_ids, **empty)
        columns = {name: np.concatenate([part[name] for part in parts]) for name in names}
        return cls(indicator_ids, option_ids, **columns)

    @classmethod
    def single(cls, indicator_ids: list[int], option_ids: list[int], *, unit_id: int, respondent_type: str,
               channel: str, date: datetime.date, number: str, phone: str,
               answers: dict[int, int]) -> "QuestionnaireRows":  # fmt: skip
        """One questionnaire (``answers``: indicator id -> option id), as keyboard entry gives it."""
        positions = [1 + option_ids.index(answers[i]) if i in answers else 0 for i in indicator_ids]
        part = {
            "rows": np.array([1]),
            "unit_ids": np.array([unit_id]),
            "respondent_types": np.array([RESPONDENT_VALUES.index(respondent_type)]),
            "channels": np.array([CHANNEL_VALUES.index(channel)]),
            "dates": np.array([date.toordinal()]),
            "numbers": np.array([number], dtype=object),
            "phones": np.array([phone], dtype=object),
            "answers": np.array([positions], dtype=np.int8),
        }
        return cls.concatenate(indicator_ids, option_ids, [part])


def round_ids(round: Round) -> tuple[list[int], list[int]]:
    """The round's indicator ids in the round's order, and its scale's option ids (two queries)."""
    indicator_ids = list(round.round_indicators.order_by("order").values_list("indicator_id", flat=True))
    return indicator_ids, list(Option.objects.filter(scale_id=round.scale_id).values_list("id", flat=True))


def check_results_can_change(round: Round) -> None:
    if round.status != RoundStatus.OPEN:
        raise ValidationError(
            _("The round “%(round)s” is not open: results cannot be changed.") % {"round": round.name}
        )


def _refuse_blank(every_questionnaire_answers: bool) -> None:
    # Every path refuses it (the import names the row first): a blank form is not a questionnaire.
    if not every_questionnaire_answers:
        raise ValidationError({"answers": _("A questionnaire must answer at least one indicator.")}, code="no_answers")


def _actor_id(user) -> int | None:
    """The user to record, or None for commands, scripts and the public."""
    return user.pk if user is not None and user.is_authenticated else None


# ---------------------------------------------------------------- questionnaires


def questionnaires_add(*, round: Round, rows: QuestionnaireRows, user, source: str, batch: Batch | None = None,
                       progress: Callable[[int, int], None] = lambda done, total: None) -> np.ndarray:  # fmt: skip
    """Write checked questionnaires, their answers, the tally deltas and the trail; returns the new ids.

    The caller has checked the rows (participation, dates, numbers, phones) and
    holds the transaction. A ``batch`` (an import) is traced once; other sources
    leave one "created" entry per questionnaire with what was written.
    ``source`` (entry, import, online, phone) goes into the trail.
    """
    check_results_can_change(round)
    _refuse_blank(rows.answers.any(axis=1).all())
    user_id = _actor_id(user)
    if connection.vendor == "postgresql" and len(rows) >= COPY_MIN_ROWS:
        ids = _copy_questionnaires(round, batch, user_id, rows, progress)
    else:
        ids = _create_questionnaires(round, batch, user_id, rows)
    if batch is not None:
        _log_import(round, user_id, batch, kind="questionnaires", source=source)
    else:
        _log_created(round, user_id, rows, ids, source)
    questionnaires_saved.send(sender=Questionnaire, round_id=round.id, ids=ids, phones=rows.phones)
    # Last, and in one call (the leaf rows in key order, after the pooled deltas, which lock nothing): the
    # unit's tally rows a save locks are held only from here to the commit.
    tally_add(round.id, tally_deltas(rows))
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


def _log_import(round: Round, user_id: int | None, batch: Batch, **detail) -> None:
    ResultChange.objects.create(
        round=round, unit=None, user_id=user_id, action=ChangeAction.IMPORTED,
        detail={"job": batch.job_id, "file": batch.file_name, "rows": batch.rows, **detail},
    )  # fmt: skip


def _log_created(round: Round, user_id: int | None, rows: QuestionnaireRows, ids: np.ndarray, source: str) -> None:
    """One "created" entry per questionnaire, built from memory in the shape of ``_snapshot``."""
    units, codes, numbers = _names(np.unique(rows.unit_ids).tolist(), rows.indicator_ids, rows.option_ids)
    indicators = [codes[i] for i in rows.indicator_ids]

    def after(unit_id: int, kind: int, channel: int, day: int, number: str, phone: str, options: list[int]) -> dict:
        return {
            "unit": units[unit_id],
            "respondent_type": RESPONDENT_VALUES[kind],
            "channel": CHANNEL_VALUES[channel],
            "date": _date(day).isoformat(),
            "number": number,
            "phone": phone,
            "answers": {code: numbers[o] for code, o in zip(indicators, options, strict=True) if o},
        }

    columns = (rows.unit_ids, rows.respondent_types, rows.channels, rows.dates, rows.numbers, rows.phones)
    _insert_changes(
        round.id,
        user_id,
        ChangeAction.CREATED,
        [
            (values[0], questionnaire_id, {"source": source, "after": after(*values, options)})
            for questionnaire_id, *values, options in zip(
                ids.tolist(), *(column.tolist() for column in columns), rows.answer_option_ids().tolist(), strict=True
            )
        ],
    )


def _insert_changes(round_id: int, user_id: int | None, action: str, entries: list[tuple[int, int, dict]]) -> None:
    """Trail entries (unit id, questionnaire id, detail), at one moment, in plain INSERTs.

    What ``bulk_create`` would write; in SQL because a save of one
    questionnaire (a clerk's Enter, an online answer) spent more time in the
    ORM's compiling than in the insert (docs/performance.md, issue 11).
    """
    ops, detail_field = connection.ops, ResultChange._meta.get_field("detail")
    at = ops.adapt_datetimefield_value(timezone.now())
    columns = "round_id, unit_id, user_id, at, action, questionnaire_id_ref, detail"
    with connection.cursor() as cursor:
        for start in range(0, len(entries), BULK_BATCH):
            part = entries[start : start + BULK_BATCH]
            cursor.execute(
                f"INSERT INTO {ResultChange._meta.db_table} ({columns}) VALUES "
                + ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(part)),
                [
                    value
                    for unit_id, questionnaire_id, detail in part
                    for value in (
                        round_id,
                        unit_id,
                        user_id,
                        at,
                        action,
                        questionnaire_id,
                        ops.adapt_json_value(detail, detail_field.encoder),
                    )  # fmt: skip
                ],
            )


def _names(unit_ids: list[int], indicator_ids: list[int], option_ids: list[int]) -> tuple[dict, dict, dict]:
    """Unit codes, indicator codes and option numbers by id, in one query.

    A save's trail is on the path of every clerk's Enter: one round trip
    instead of three (bench_figures the same evening: 15.0 ms median per save
    with three ORM queries, 11.6 ms with this one, 11.0 ms before the one
    writer; the machine was not idle, so part of the gap is noise). Ids are
    integers, so they are inlined.
    """

    def listed(ids: list[int]) -> str:
        return ",".join(str(int(i)) for i in ids) or "NULL"

    sql = (
        f"SELECT 1, id, code FROM {Unit._meta.db_table} WHERE id IN ({listed(unit_ids)}) UNION ALL "
        f"SELECT 2, id, code FROM {Indicator._meta.db_table} WHERE id IN ({listed(indicator_ids)}) UNION ALL "
        f"SELECT 3, id, CAST(number AS TEXT) FROM {Option._meta.db_table} WHERE id IN ({listed(option_ids)})"
    )
    found: tuple[dict, dict, dict] = ({}, {}, {})
    with connection.cursor() as cursor:
        cursor.execute(sql)
        for table, id, name in cursor.fetchall():
            found[table - 1][id] = int(name) if table == 3 else name
    return found


def questionnaire_replace(*, questionnaire: Questionnaire, fields: dict, answers: dict[int, int], user) -> None:
    """Give a locked, checked questionnaire new ``fields`` and ``answers`` (indicator id -> option id).

    The caller saves under a savepoint: the unique number may still be taken
    by another clerk (IntegrityError).
    """
    _refuse_blank(bool(answers))
    before = _snapshot(questionnaire)
    deltas = _removal(questionnaire)
    questionnaire.answers.all().delete()
    for field, value in fields.items():
        setattr(questionnaire, field, value)
    questionnaire.save()
    Answer.objects.bulk_create(
        Answer(
            questionnaire=questionnaire,
            round_id=questionnaire.round_id,
            unit_id=questionnaire.unit_id,
            indicator_id=indicator_id,
            option_id=option_id,
        )  # fmt: skip
        for indicator_id, option_id in answers.items()
    )
    for key in ((questionnaire.unit_id, i, o) for i, o in answers.items()):
        deltas[key] = deltas.get(key, 0) + 1
    # One call with removal and addition: a second call would lock leaf rows after pooled ones (deadlock order).
    tally_add(questionnaire.round_id, deltas)
    _log_change(questionnaire, user, ChangeAction.EDITED, before=before, after=_snapshot(questionnaire))
    questionnaires_saved.send(
        sender=Questionnaire,
        round_id=questionnaire.round_id,
        ids=np.array([questionnaire.pk]),
        phones=np.array([questionnaire.phone], dtype=object),
    )


def questionnaire_remove(*, questionnaire: Questionnaire, user) -> None:
    """Delete a locked questionnaire with its answers and votes; a listener may refuse (ValidationError)."""
    check_results_can_change(questionnaire.round)
    questionnaire_deleting.send(sender=Questionnaire, questionnaire=questionnaire)
    before = _snapshot(questionnaire)
    tally_add(questionnaire.round_id, _removal(questionnaire))
    _log_change(questionnaire, user, ChangeAction.DELETED, before=before)
    questionnaire.delete()


def _removal(questionnaire: Questionnaire) -> dict[tuple[int, int, int], int]:
    """Tally deltas that take the questionnaire's stored answers away (one answer per indicator)."""
    return {
        (questionnaire.unit_id, i, o): -1 for i, o in questionnaire.answers.values_list("indicator_id", "option_id")
    }


def _snapshot(q: Questionnaire) -> dict:
    """The questionnaire as stored, in the shape of the trail's "created" entries."""
    return {
        "unit": q.unit.code,
        "respondent_type": q.respondent_type,
        "channel": q.channel,
        "date": str(q.date),
        "number": q.number,
        "phone": q.phone,
        "answers": {str(i): o for i, o in q.answers.values_list("indicator__code", "option__number")},
    }


def _log_change(questionnaire: Questionnaire, user, action: str, **detail) -> None:
    ResultChange.objects.create(
        round_id=questionnaire.round_id, unit_id=questionnaire.unit_id, user_id=_actor_id(user), action=action,
        questionnaire_id_ref=questionnaire.pk, detail=detail,
    )  # fmt: skip


# ---------------------------------------------------------------- PostgreSQL: COPY


def _copy_questionnaires(round: Round, batch: Batch | None, user_id, data: QuestionnaireRows, progress) -> np.ndarray:
    _lock_references(data, user_id)
    checks_skipped = _skip_row_checks()
    ids = _reserve_ids(Questionnaire._meta.db_table, len(data))
    # COPY goes to psycopg directly: its errors (a questionnaire number saved meanwhile) become Django's.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        _copy_questionnaire_rows(cursor, round.id, batch, user_id, data, ids, progress)
        _copy_answer_rows(cursor, round.id, data, ids, progress)
        if checks_skipped:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    return ids


def _copy_questionnaire_rows(cursor, round_id: int, batch: Batch | None, user_id, data, ids, progress) -> None:
    now = timezone.now().isoformat()
    job_text, user = ("\\N" if value is None else str(value) for value in (batch and batch.job_id, user_id))  # \N: NULL
    suffix = f"\t{job_text}\t{user}\t{now}\t{now}\n"
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
    deleted since the rows were checked refuses them all (nothing written).
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
                raise ValidationError(_("Something these rows name was deleted meanwhile."), code="changed")


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


def _create_questionnaires(round: Round, batch: Batch | None, user_id, data: QuestionnaireRows) -> np.ndarray:
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
                import_job=batch and batch.job_id,
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

Counts = dict[int, dict[tuple[int, int], int]]  # unit id -> {(indicator id, option id): count}


def reported_counts_set_many(*, round: Round, counts: Counts, user, batch: Batch | None = None) -> int:
    """Replace the reported counts of these units x indicators x options; returns how many cells changed.

    A fixed number of queries whatever the number of units: one check, one
    read, one upsert, one insert of the trail (one "counts" entry per unit
    with its old and new values).
    """
    _check_counts(round, counts)
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
    _log_counts(round, _actor_id(user), changes, batch)
    if batch is not None:
        _log_import(round, _actor_id(user), batch, kind="counts")
    return sum(len(cells) for cells in changes.values())


def _check_counts(round: Round, counts: Counts) -> None:
    check_results_can_change(round)
    taking_part = set(
        Participation.objects.filter(round=round, unit_id__in=list(counts)).values_list("unit_id", flat=True)
    )
    outside = Unit.objects.filter(pk__in=set(counts) - taking_part).order_by("path").values_list("name", flat=True)
    if taking_part != set(counts):
        # The same words as for one entered questionnaire, naming the unit(s).
        names = "、".join(outside)
        raise ValidationError({"unit": _("%(unit)s does not take part in this round.") % {"unit": names}})
    indicator_ids = {ri.indicator_id for ri in round.round_indicators.all()}
    option_ids = set(Option.objects.filter(scale_id=round.scale_id).values_list("id", flat=True))
    for cells in counts.values():
        for (indicator_id, option_id), value in cells.items():
            if indicator_id not in indicator_ids or option_id not in option_ids:
                raise ValidationError(_("A count was given for an indicator or option outside this round."))
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValidationError(_("Counts must be whole numbers of 0 or more."))


def _log_counts(round: Round, user_id: int | None, changes: dict, batch: Batch | None) -> None:
    codes = {indicator.id: indicator.code for indicator in round.ordered_indicators()}
    numbers = dict(Option.objects.filter(scale_id=round.scale_id).values_list("id", "number"))
    job_detail = {} if batch is None else {"job": batch.job_id}
    ResultChange.objects.bulk_create(
        ResultChange(
            round=round,
            unit_id=unit_id,
            user_id=user_id,
            action=ChangeAction.COUNTS,
            detail={
                "changes": {f"{codes[i]}/{numbers[o]}": [old, new] for (i, o), (old, new) in cells.items()},
                **job_detail,
            },
        )  # fmt: skip
        for unit_id, cells in changes.items()
    )
