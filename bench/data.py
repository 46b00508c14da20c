"""Build a large round fast (PostgreSQL COPY): N units with M questionnaires of six answers.

    from bench.data import build_round
    round = build_round(n_units=1000, n_questionnaires=1_000_000)

The round is rebuilt only when missing or of another size (code BENCH-<units>-<questionnaires>).
"""

import datetime
import io

import numpy as np
from django.db import connection, transaction

from surveys.models import Answer, Indicator, Option, Questionnaire, Round, RoundStatus, Scale
from surveys.services import RoundSpec, round_create
from surveys.tallies import tally_rebuild
from units.models import Unit, UnitKind

SCHOOLS_PER_DISTRICT = 100


def _units(prefix: str, n_units: int) -> list[Unit]:
    city, _ = Unit.objects.get_or_create(code=prefix, defaults={"name": "基准市", "kind": UnitKind.CITY})
    schools = []
    for d in range((n_units + SCHOOLS_PER_DISTRICT - 1) // SCHOOLS_PER_DISTRICT):
        district, _ = Unit.objects.get_or_create(
            code=f"{prefix}-D{d:03d}", defaults={"name": f"基准区{d}", "kind": UnitKind.DISTRICT, "parent": city}
        )
        for s in range(min(SCHOOLS_PER_DISTRICT, n_units - len(schools))):
            school, _ = Unit.objects.get_or_create(
                code=f"{prefix}-D{d:03d}-S{s:03d}",
                defaults={"name": f"基准区{d}第{s}学校", "kind": UnitKind.SCHOOL, "parent": district},
            )
            schools.append(school)
    return schools


def _copy(table: str, columns: list[str], frame_text: str) -> None:
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        copy.write(frame_text)


def _questionnaires(
    round: Round, unit_ids: np.ndarray, rng: np.random.Generator, n: int
) -> tuple[np.ndarray, np.ndarray]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM surveys_questionnaire")
        first = cursor.fetchone()[0] + 1
    ids = np.arange(first, first + n, dtype=np.int64)
    units = unit_ids[rng.integers(0, len(unit_ids), n)]
    now = datetime.datetime.now(datetime.UTC).isoformat()
    buffer = io.StringIO()
    for qid, unit in zip(ids.tolist(), units.tolist(), strict=True):
        buffer.write(f"{qid}\t{round.id}\t{unit}\tparent\tphone\t2026-05-01\t\t\t{now}\t{now}\n")
    _copy(
        Questionnaire._meta.db_table,
        [
            "id",
            "round_id",
            "unit_id",
            "respondent_type",
            "channel",
            "date",
            "number",
            "phone",
            "created_at",
            "updated_at",
        ],
        buffer.getvalue(),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('surveys_questionnaire', 'id'), %s)", [int(ids[-1])])
    return ids, units


def _answers(round: Round, ids, units, rng: np.random.Generator) -> None:
    indicators = [i.id for i in round.ordered_indicators()]
    options = np.array(list(Option.objects.filter(scale=round.scale).order_by("number").values_list("id", flat=True)))
    # Each unit gets its own satisfaction level, so that rates spread between about 80 % and 99 %.
    unit_level = {u: rng.uniform(0.80, 0.99) for u in np.unique(units).tolist()}
    levels = np.array([unit_level[u] for u in units.tolist()])
    buffer = io.StringIO()
    for indicator in indicators:
        draw = rng.random(len(ids))
        excluded = rng.random(len(ids)) < 0.08
        choice = np.where(draw < levels * 0.7, 0, np.where(draw < levels, 1, 2))
        choice = np.where(excluded, 3, choice)
        for qid, unit, option in zip(ids.tolist(), units.tolist(), options[choice].tolist(), strict=True):
            buffer.write(f"{qid}\t{round.id}\t{unit}\t{indicator}\t{option}\n")
    _copy(
        Answer._meta.db_table,
        ["questionnaire_id", "round_id", "unit_id", "indicator_id", "option_id"],
        buffer.getvalue(),
    )


def drop_newest(round: Round, count: int) -> None:
    """Remove the ``count`` newest questionnaires of the round (what a benchmark added) and recount."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE newest AS SELECT id FROM surveys_questionnaire WHERE round_id = %s ORDER BY id DESC LIMIT %s",
            [round.id, count],
        )
        cursor.execute("DELETE FROM surveys_answer WHERE questionnaire_id IN (SELECT id FROM newest)")
        cursor.execute("DELETE FROM surveys_questionnaire WHERE id IN (SELECT id FROM newest)")
        cursor.execute("DROP TABLE newest")
    tally_rebuild(round.id)


def _drop(round: Round) -> None:
    with connection.cursor() as cursor:
        for table in (
            "surveys_answer",
            "surveys_tally",
            "surveys_pooledtally",
            "surveys_pooleddelta",
            "surveys_resultchange",
            "surveys_questionnaire",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE round_id = %s", [round.id])
    round.delete()


def build_round(n_units: int = 1000, n_questionnaires: int = 1_000_000, seed: int = 1) -> Round:
    code = f"BENCH-{n_units}-{n_questionnaires}"
    existing = Round.objects.filter(code=code).first()
    if existing:
        extra = existing.questionnaires.count() - n_questionnaires
        if extra > 0:  # left over by an interrupted benchmark
            drop_newest(existing, extra)
        if extra >= 0:
            return existing
    rng = np.random.default_rng(seed)
    with transaction.atomic():
        if existing:
            _drop(existing)
        schools = _units(f"BENCH{n_units}", n_units)
        spec = RoundSpec(
            code=code,
            name=f"基准调查 {n_units}×{n_questionnaires}",
            start=datetime.date(2026, 1, 1),
            end=datetime.date(2026, 12, 31),
            scale=Scale.objects.get(code="default"),
            indicators=list(Indicator.objects.filter(indicator_set__code="education").order_by("order")),
            target_rate=90,
            target_rank=3,
        )
        round = round_create(spec=spec, units=schools)
        round.status = RoundStatus.OPEN
        round.save(update_fields=["status"])
        ids, units = _questionnaires(round, np.array([s.id for s in schools]), rng, n_questionnaires)
        _answers(round, ids, units, rng)
        tally_rebuild(round.id)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return round
