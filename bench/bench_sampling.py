"""Issue 14: the draw from a call list of 1,000,000 numbers over 1,000 units, and ``call_rates`` over
3,000,000 call attempts (PostgreSQL), each beside its baseline measured in the same run.

- draw: ``call_draw`` (one read of the undrawn numbers, a seeded numpy draw per unit, one UPDATE of the
  numbers drawn) vs ``SELECT id ... ORDER BY random() LIMIT n`` per unit and the same UPDATE; limit 2x.
- rates: ``call_rates`` (one GROUP BY over the numbers drawn, whose final disposition the writer of
  attempts keeps on each number, pooled up the tree) vs a single GROUP BY of the attempts by unit and
  result; limit 1.5x. Also printed: the final dispositions recomputed from the attempts in SQL (what the
  rates would cost without the kept disposition), and checked equal to what call_rates counts.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/manyi_h14_bench python bench/bench_sampling.py
(``--numbers`` and ``--units`` make it smaller for a smoke run).
"""

import argparse
import datetime
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import report, setup_django  # noqa: E402

ATTEMPTS_PER_NUMBER = 3
RESULTS = ["no_answer", "busy", "off", "call_back", "refused", "hung_up", "partial", "complete", "language",
           "other", "vacant", "suspended", "not_target"]  # fmt: skip


def interleaved(calls: dict, repeat: int, before=None) -> dict[str, float]:
    """Median seconds of each call, taken in turn so that a busy machine slows all alike; ``before`` untimed."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeat):
        for name, call in calls.items():
            if before:
                before()
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def _sql(statement: str, params=()) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def build(n_units: int, n_numbers: int):
    """A round over ``n_units`` schools with ``n_numbers`` listed, all drawn by a set-up draw, and 3 attempts
    each with their final dispositions (by the same rule as ``final_disposition``, in SQL for speed)."""
    from django.db import transaction

    from bench.data import _units
    from sampling.models import CATEGORY, CallDraw, CallNumber
    from surveys.models import Indicator, Round, RoundStatus, Scale
    from surveys.services import RoundSpec, round_create

    code = f"CATI-{n_units}-{n_numbers}"
    round = Round.objects.filter(code=code).first()
    if round and CallNumber.objects.filter(round=round).count() == n_numbers:
        return round, CallDraw.objects.filter(round=round, seed=0).first()
    with transaction.atomic():
        schools = _units(f"BENCH{n_units}", n_units)
        spec = RoundSpec(
            code=code, name=f"电话调查基准 {n_units}×{n_numbers}", start=datetime.date(2026, 1, 1),
            end=datetime.date(2026, 12, 31), scale=Scale.objects.get(code="default"),
            indicators=list(Indicator.objects.filter(indicator_set__code="education").order_by("order")),
        )  # fmt: skip
        round = Round.objects.filter(code=code).first() or round_create(spec=spec, units=schools)
        round.status = RoundStatus.OPEN
        round.save(update_fields=["status"])
        CallNumber.objects.filter(round=round).delete()
        setup = CallDraw.objects.create(round=round, seed=0, drawn=n_numbers, detail={"bench": "set-up"})
        ids = [s.pk for s in schools]
        _sql(
            "INSERT INTO sampling_callnumber (round_id, unit_id, phone, respondent_type, name, draw_id, attempts,"
            " last_result, disposition)"
            " SELECT %s, (%s::bigint[])[1 + (i %% %s)], '139' || lpad(i::text, 8, '0'),"
            " CASE WHEN i %% 3 = 0 THEN 'student' ELSE 'parent' END, '', %s, 0, '', ''"
            " FROM generate_series(1, %s) AS i",
            [round.pk, ids, len(ids), setup.pk, n_numbers],
        )
        # 3 attempts per number, results at random; an attempt every 3 hours from 1 May.
        _sql(
            "INSERT INTO sampling_callattempt (number_id, at, result, caller_id, imported)"
            " SELECT n.id, timestamptz '2026-05-01 09:00+08' + (k * interval '3 hours'),"
            " (%s::text[])[1 + floor(random() * %s)::int], NULL, true"
            " FROM sampling_callnumber n, generate_series(1, %s) AS k WHERE n.round_id = %s",
            [RESULTS, len(RESULTS), ATTEMPTS_PER_NUMBER, round.pk],
        )
        _sql(_FINAL_SQL_UPDATE.format(categories=_categories_sql(CATEGORY)), [round.pk, round.pk])
    _sql("ANALYZE")
    return round, setup


def _categories_sql(category: dict) -> str:
    return "CASE a.result " + " ".join(f"WHEN '{r}' THEN '{c}'" for r, c in category.items()) + " END"


# The last attempt's category, except that any complete makes I: final_disposition in SQL.
_FINAL_SQL = (
    "SELECT n.id, n.unit_id, CASE WHEN bool_or(a.result = 'complete') THEN 'I'"
    " ELSE (array_agg({categories} ORDER BY a.at DESC, a.id DESC))[1] END AS disposition,"
    " count(*) AS attempts, (array_agg(a.result ORDER BY a.at DESC, a.id DESC))[1] AS last_result,"
    " max(a.at) AS last_at"
    " FROM sampling_callnumber n JOIN sampling_callattempt a ON a.number_id = n.id"
    " WHERE n.round_id = %s GROUP BY n.id, n.unit_id"
)
_FINAL_SQL_UPDATE = (
    "UPDATE sampling_callnumber c SET disposition = f.disposition, attempts = f.attempts,"
    " last_result = f.last_result, last_called_at = f.last_at FROM (" + _FINAL_SQL + ") f"
    " WHERE c.id = f.id AND c.round_id = %s"
)


def baseline_draw(round, wanted: dict[int, int]) -> int:
    """ORDER BY random() per unit, then the same UPDATE as call_draw."""
    import numpy as np

    from sampling.calls import _mark_drawn
    from sampling.models import CallDraw

    chosen = []
    for unit_id, n in wanted.items():
        rows = _sql(
            "SELECT id FROM sampling_callnumber WHERE round_id = %s AND unit_id = %s AND draw_id IS NULL"
            " ORDER BY random() LIMIT %s",
            [round.pk, unit_id, n],
        )
        chosen.extend(r[0] for r in rows)
    draw = CallDraw.objects.create(round=round, seed=-1, drawn=len(chosen), detail={"bench": "baseline"})
    _mark_drawn(draw.pk, np.array(chosen, dtype=np.int64))
    return len(chosen)


def baseline_rates(round) -> list[tuple]:
    return _sql(
        "SELECT n.unit_id, a.result, count(*) FROM sampling_callattempt a"
        " JOIN sampling_callnumber n ON n.id = a.number_id WHERE n.round_id = %s GROUP BY n.unit_id, a.result",
        [round.pk],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--numbers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup_django()
    from django.db import transaction

    from sampling.calls import _wanted, call_draw, call_rates
    from sampling.maths import Dispositions
    from sampling.models import CATEGORY, CallDraw, CallNumber

    start = time.perf_counter()
    round, setup = build(args.units, args.numbers)
    attempts = _sql(
        "SELECT count(*) FROM sampling_callattempt a JOIN sampling_callnumber n ON n.id = a.number_id"
        " WHERE n.round_id = %s",
        [round.pk],
    )[0][0]
    print(f"round {round.code}: {args.numbers:,} numbers, {attempts:,} attempts, ready in "
          f"{time.perf_counter() - start:.1f} s")  # fmt: skip
    ok = True

    # ---- rates: every number drawn (the set-up draw), dispositions kept by the writer
    CallNumber.objects.filter(round=round).update(draw=setup)
    _sql("VACUUM ANALYZE sampling_callnumber")
    rates = call_rates(round)
    recomputed = _sql(
        "SELECT f.disposition, count(*) FROM (" + _FINAL_SQL.format(categories=_categories_sql(CATEGORY)) + ") f"
        " GROUP BY f.disposition",
        [round.pk],
    )
    total = sum((d for u, d in rates.by_unit.items() if rates.units[u].parent_id is None), Dispositions())
    from_attempts = dict(recomputed)
    assert total.as_dict() == {k: from_attempts.get(k, 0) for k in total.as_dict()}, (total, from_attempts)
    print(f"call_rates counts equal the dispositions recomputed from the attempts: {total}")
    timings = interleaved({"rates": lambda: call_rates(round), "baseline": lambda: baseline_rates(round)}, args.repeat)
    ok &= report(f"call_rates, {attempts:,} attempts", timings["rates"], timings["baseline"], 1.5)
    start = time.perf_counter()
    _sql(_FINAL_SQL.format(categories=_categories_sql(CATEGORY)), [round.pk])
    print(f"(for comparison: final dispositions recomputed from the attempts in SQL: "
          f"{(time.perf_counter() - start) * 1000:.1f} ms)")  # fmt: skip

    # ---- the draw: undraw everything before each call (not timed)
    def undraw() -> None:
        CallDraw.objects.filter(round=round).exclude(pk=setup.pk).delete()  # SET NULL on the numbers
        CallNumber.objects.filter(round=round).update(draw=None)

    undraw()
    wanted = {u: parts[""] for u, parts in _wanted(round).items()}
    print(f"draw: {sum(wanted.values()):,} numbers wanted over {len(wanted):,} units")

    def ours() -> None:
        with transaction.atomic():
            made = call_draw(round=round, user=None, seed=42)
        assert made.drawn == sum(wanted.values()), made.drawn

    def theirs() -> None:
        with transaction.atomic():
            assert baseline_draw(round, wanted) == sum(wanted.values())

    timings = interleaved({"draw": ours, "baseline": theirs}, max(3, args.repeat // 2), before=undraw)
    ok &= report(f"draw from {args.numbers:,} numbers over {len(wanted):,} units", timings["draw"],
                 timings["baseline"], 2.0)  # fmt: skip
    CallNumber.objects.filter(round=round).update(draw=setup)
    print("RESULT:", "all targets met" if ok else "some targets missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
