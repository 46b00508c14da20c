"""Issue 10: a page's cost depends on what it shows, not on the round's size (PostgreSQL).

Builds two rounds in bulk (SQL generation and COPY: minutes, not hours) and
measures, in the same run and at both sizes:

- ``round_figures`` (whole-round exports) vs a plain SELECT of the rows it needs (limit 2x);
- the ranking of the districts below the top (10 districts, then 1,000: under 200 ms and at most 3x);
- one district's ranking page (100 schools), its API, one school's unit page (at most 1.5x at 101k);
- each page's peak Python allocation (tracemalloc) and the process's RSS;
- one questionnaire save with pooled tallies (under 20 ms), then concurrent saves from several
  processes with the lock waits sampled, and 0 differences from a full recount afterwards.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/manyi_h10 python bench/bench_scope.py
"""

import argparse
import datetime
import io
import multiprocessing
import os
import statistics
import sys
import threading
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import report, setup_django, timed  # noqa: E402

SIZES = {"small": (10, 100, 200_000), "large": (1_000, 100, 2_000_000)}  # districts, schools each, questionnaires


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def _units(prefix: str, districts: int, schools: int) -> tuple[int, int]:
    """COPY the top unit, its districts and their schools with ids reserved at once; returns (top id, first school id)."""
    from django.db import connection

    total = 1 + districts + districts * schools
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('units_unit', 'id'))")
        top = cursor.fetchone()[0]
        cursor.execute("SELECT setval(pg_get_serial_sequence('units_unit', 'id'), %s)", [top + total])
    buffer = io.StringIO()
    buffer.write(f"{top}\t{prefix}\t基准{prefix}\tcity\t\\N\t0\tt\t/{top}/\t0\n")
    first_school = top + 1 + districts
    for d in range(districts):
        district = top + 1 + d
        buffer.write(f"{district}\t{prefix}-D{d:04d}\t基准区{d}\tdistrict\t{top}\t{d}\tt\t/{top}/{district}/\t1\n")
        for s in range(schools):
            school = first_school + d * schools + s
            path = f"/{top}/{district}/{school}/"
            buffer.write(
                f"{school}\t{prefix}-D{d:04d}-S{s:03d}\t区{d}第{s}学校\tschool\t{district}\t{s}\tt\t{path}\t2\n"
            )
    columns = '(id, code, name, kind, parent_id, "order", active, path, depth)'
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY units_unit {columns} FROM STDIN") as copy,
    ):
        copy.write(buffer.getvalue())
    return top, first_school


def build(name: str) -> object:
    """The round of one size, built once and kept (code SCOPE-<units>-<questionnaires>)."""
    from django.db import connection, transaction

    from surveys.models import Indicator, Option, Round, RoundStatus, Scale
    from surveys.services import RoundSpec, round_create
    from surveys.tallies import tally_rebuild

    districts, schools, n = SIZES[name]
    total = 1 + districts + districts * schools
    code = f"SCOPE-{total}-{n}"
    existing = Round.objects.filter(code=code).first()
    if existing and existing.questionnaires.count() == n:
        return existing
    if existing:
        _drop_newest(existing, existing.questionnaires.count() - n)
        return existing
    started = time.perf_counter()
    with transaction.atomic():
        top, first_school = _units(f"SC{total}", districts, schools)
        spec = RoundSpec(
            code=code,
            name=f"范围基准 {total}×{n}",
            start=datetime.date(2026, 1, 1),
            end=datetime.date(2026, 12, 31),
            scale=Scale.objects.get(code="default"),
            indicators=list(Indicator.objects.filter(indicator_set__code="education").order_by("order")),
            target_rate=90,
            target_rank=3,
        )
        round = round_create(spec=spec, units=[])
        round.status = RoundStatus.OPEN
        round.save(update_fields=["status"])
        options = list(Option.objects.filter(scale=round.scale).order_by("number").values_list("id", flat=True))
        indicators = [i.id for i in round.ordered_indicators()]
        school_count = districts * schools
        with connection.cursor() as cursor:
            # The generated keys are consistent by construction: skip the per-row foreign-key triggers, which
            # otherwise check 12 million answers at COMMIT for minutes (as imports do with the grant, README).
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(
                "INSERT INTO surveys_participation (round_id, unit_id) SELECT %s, g FROM generate_series(%s, %s) g",
                [round.id, first_school, first_school + school_count - 1],
            )
            cursor.execute("SELECT setseed(0.42)")
            cursor.execute(
                "INSERT INTO surveys_questionnaire (round_id, unit_id, respondent_type, channel, date, number, phone, "
                "created_at, updated_at) SELECT %s, %s + floor(random() * %s)::int, 'parent', 'phone', '2026-05-01', "
                "'', '', now(), now() FROM generate_series(1, %s)",
                [round.id, first_school, school_count, n],
            )
            print(f"  {name}: {total:,} units and {n:,} questionnaires in {time.perf_counter() - started:.0f} s")
            # One random draw per answer; each school has its own level, so rates spread between 80 % and 99 %.
            values = ",".join(f"({i})" for i in indicators)
            cursor.execute(
                "INSERT INTO surveys_answer (questionnaire_id, round_id, unit_id, indicator_id, option_id) "
                "SELECT id, %s, unit_id, indicator, CASE WHEN u < 0.08 THEN %s "
                "WHEN (u - 0.08) / 0.92 < level * 0.7 THEN %s WHEN (u - 0.08) / 0.92 < level THEN %s ELSE %s END "
                f"FROM (SELECT q.id, q.unit_id, i.id AS indicator, random() AS u, "
                "0.80 + 0.19 * ((q.unit_id * 7919) %% 1000) / 1000.0 AS level "
                f"FROM surveys_questionnaire q CROSS JOIN (VALUES {values}) AS i(id) WHERE q.round_id = %s) s",
                [round.id, options[3], options[0], options[1], options[2], round.id],
            )
            print(f"  {name}: answers written at {time.perf_counter() - started:.0f} s")
        tally_rebuild(round.id)
    with connection.cursor() as cursor:
        for table in (
            "units_unit",
            "surveys_participation",  # unanalysed (autovacuum may be off), the planner took 100,000 rows for 506
            "surveys_questionnaire",
            "surveys_answer",
            "surveys_tally",
            "surveys_pooledtally",
            "surveys_pooleddelta",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"  {name}: built in {time.perf_counter() - started:.0f} s (tallies and pooled tallies rebuilt)")
    return round


def _drop_newest(round, count: int) -> None:
    from bench.data import drop_newest

    if count > 0:
        drop_newest(round, count)


def _save_many(args: tuple[int, int, int, bool]) -> list[float]:
    """Save ``count`` questionnaires to 20 schools of the round (worker process or this one); each save's time.

    ``pooled`` False: the baseline of the same run, saving without the pooled rows (the bench re-pools after).
    """
    round_id, count, seed, pooled = args
    setup_django(migrate=False)
    import random

    if not pooled:
        import surveys.tallies

        surveys.tallies.pooled_deltas = lambda deltas, paths: {}

    from django.db import connections

    from surveys.models import Option, Round
    from surveys.services import QuestionnaireData, questionnaire_create
    from units.models import Unit

    connections.close_all()
    round = Round.objects.get(pk=round_id)
    first = round.participations.order_by("unit_id").values_list("unit_id", flat=True)[:20]
    units = list(Unit.objects.filter(pk__in=list(first)))  # few schools: savers hit the same rows, and the same top
    indicators = [i.id for i in round.ordered_indicators()]
    options = list(Option.objects.filter(scale=round.scale).values_list("id", flat=True))
    rng = random.Random(seed)
    durations = []
    for _ in range(count):
        data = QuestionnaireData(unit=rng.choice(units), respondent_type="parent", channel="online",
                                 date=datetime.date(2026, 6, 1), answers={i: rng.choice(options) for i in indicators})  # fmt: skip
        start = time.perf_counter()
        questionnaire_create(round=round, data=data, user=None)
        durations.append(time.perf_counter() - start)
    return durations


class LockSampler(threading.Thread):
    """Samples pg_stat_activity every 5 ms: how often a backend of this database waits on a lock."""

    def __init__(self, dsn: str):
        super().__init__(daemon=True)
        self.dsn, self.samples, self.waiting, self.waiters, self.stop = dsn, 0, 0, 0, threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as db:
            while not self.stop.is_set():
                (n,) = db.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                ).fetchone()
                self.samples += 1
                self.waiting += n > 0
                self.waiters += n
                time.sleep(0.005)


def _pages(round, client) -> dict:
    from django.urls import reverse

    from surveys.outline import round_outline

    top = round_outline(round).scopes[0]
    district = next(s for s in round_outline(round).scopes if s.kind == "district")
    school = f"{district.code}-S000"
    ranking = reverse("reports:ranking", args=[round.code])
    api = reverse("reports:api_ranking", args=[round.code])

    def get(url: str, query: dict):
        def call():
            response = client.get(url, query)
            assert response.status_code == 200, response.content[:300]
            return response

        return call

    return {
        "top": get(ranking, {"scope": top.code, "level": "district"}),
        "district": get(ranking, {"scope": district.code, "level": "school"}),
        "api": get(api, {"scope": district.code, "level": "school"}),
        "unit": get(reverse("reports:unit", args=[round.code, school]), {}),
    }


def _fetch_all(sql: str, params: list) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return len(cursor.fetchall())


def measure(rounds: dict, client, repeat: int) -> dict:
    """Each page at both sizes, taken in turn (a busy machine slows both alike); medians of ``repeat``."""
    from django.core.cache import cache

    from surveys.figures import round_figures

    pages = {name: _pages(round, client) for name, round in rounds.items()}
    results: dict[str, dict] = {name: {} for name in rounds}
    cache.clear()
    for name in rounds:
        results[name]["first_top"] = timed(pages[name]["top"], 1)[0]  # the outline computed afresh
        for call in pages[name].values():
            call()  # warm up: templates, connections
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(repeat):
        for name in rounds:
            for key, call in pages[name].items():
                start = time.perf_counter()
                call()
                times.setdefault((name, key), []).append(time.perf_counter() - start)
    for (name, key), values in times.items():
        results[name][key] = statistics.median(values)
    for name in rounds:
        for key, call in pages[name].items():
            tracemalloc.start()
            call()
            results[name][f"{key}_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
        results[name]["rss_mb"] = _rss_mb()
    rows_sql = (
        "SELECT unit_id, indicator_id, option_id, count FROM surveys_tally WHERE round_id = %s AND count <> 0 "
        "UNION ALL SELECT unit_id, indicator_id, option_id, count FROM surveys_reportedcount "
        "WHERE round_id = %s AND count <> 0"
    )
    for name, round in rounds.items():
        results[name]["select"] = timed(lambda: _fetch_all(rows_sql, [round.id, round.id]), repeat)[0]  # noqa: B023
        results[name]["figures"] = timed(lambda: round_figures(round), repeat)[0]  # noqa: B023
    for name in rounds:
        print(f"{name}: " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in results[name].items() if "mb" not in k))
        print(f"{name}: " + ", ".join(f"{k} {v:.1f} MB" for k, v in results[name].items() if "mb" in k))
    return results


def saves(round, processes: int, per_process: int) -> bool:
    from surveys.tallies import pooled_mismatches, pooled_rebuild, tally_mismatches

    n_before = round.questionnaires.count()
    sequential = _save_many((round.id, 200, 99, True))
    median, p95 = statistics.median(sequential), sorted(sequential)[int(len(sequential) * 0.95)]
    print(f"one questionnaire save with pooled tallies (200 saves, one clerk): median {median * 1000:.1f} ms, "
          f"p95 {p95 * 1000:.1f} ms (limit 20 ms)")  # fmt: skip
    ok = median < 0.020
    concurrent = {}
    for pooled in (False, True):
        concurrent[pooled] = _concurrent(round, processes, per_process, pooled)
        if not pooled:
            pooled_rebuild(round.id)  # the baseline left the pooled rows behind: pool the leaves afresh
    durations = concurrent[True]
    leaf, pooled = tally_mismatches(round.id), pooled_mismatches(round.id)
    print(f"after the concurrent saves: {len(leaf)} tallies and {len(pooled)} pooled tallies differ from a recount")
    ok &= not leaf and not pooled
    ok &= round.questionnaires.count() == n_before + len(concurrent[False]) + len(durations) + len(sequential)
    _drop_newest(round, len(concurrent[False]) + len(durations) + len(sequential))
    return ok


def _concurrent(round, processes: int, per_process: int, pooled: bool) -> list[float]:
    from django.conf import settings

    db = settings.DATABASES["default"]
    sampler = LockSampler(f"host={db['HOST']} port={db['PORT'] or 5432} user={db['USER']} dbname={db['NAME']}")
    sampler.start()
    start = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        chunks = pool.map(_save_many, [(round.id, per_process, s, pooled) for s in range(processes)])
    wall = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    durations = [d for chunk in chunks for d in chunk]
    median, p95 = statistics.median(durations), sorted(durations)[int(len(durations) * 0.95)]
    label = "with pooled tallies" if pooled else "baseline, leaf tallies only"
    print(f"{len(durations):,} concurrent saves ({label}) from {processes} processes on {os.cpu_count()} cores in "
          f"{wall:.1f} s ({len(durations) / wall:.0f} saves/s; median {median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms)")  # fmt: skip
    share = sampler.waiting / max(sampler.samples, 1)
    print(f"  lock waits ({label}): a backend waited on a lock in {sampler.waiting} of {sampler.samples} samples "
          f"({share:.0%}), {sampler.waiters / max(sampler.samples, 1):.2f} waiting on average")  # fmt: skip
    return durations


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--saves", type=int, default=150, help="saves per process")
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client

    print("figures taken on a shared 2-core machine: compare the ratios, measured in the same run")
    rounds = {name: build(name) for name in SIZES}
    from django.db import connection

    with connection.cursor() as cursor:
        # Rounds built before the build analysed it had none of its statistics (autovacuum may be off here,
        # never in production): the planner took a round's 100,000 participants for 506.
        cursor.execute("ANALYZE surveys_participation")
    user, _ = get_user_model().objects.get_or_create(
        username="bench-scope", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(user)
    measured = measure(rounds, client, args.repeat)
    small, large = measured["small"], measured["large"]
    print("first ranking of the top after a change (outline computed): "
          f"{small['first_top'] * 1000:.0f} ms at 1k, {large['first_top'] * 1000:.0f} ms at 101k")  # fmt: skip
    ok = True
    for size, results in (("1,011 units", small), ("101,001 units", large)):
        ok &= report(f"round_figures, {size} (vs SELECT of its rows)", results["figures"], results["select"], 2.0)
    ok &= report("province ranking, 1,000 districts (vs 10 districts)", large["top"], small["top"], 3.0)
    ok &= large["top"] < 0.200
    ok &= report("one district's ranking, 100 schools (101k vs 1k)", large["district"], small["district"], 1.5)
    ok &= report("ranking API of one district (101k vs 1k)", large["api"], small["api"], 1.5)
    ok &= report("one school's unit page (101k vs 1k)", large["unit"], small["unit"], 1.5)
    for key in ("top", "district", "api", "unit"):
        print(f"peak allocation of one '{key}' page: {small[key + '_peak_mb']:.1f} MB at 1k, "
              f"{large[key + '_peak_mb']:.1f} MB at 101k")  # fmt: skip
    print(f"process RSS after the pages: {small['rss_mb']:.0f} MB after the small round, "
          f"{large['rss_mb']:.0f} MB after the large one (round_figures of 2M questionnaires included)")  # fmt: skip
    ok &= saves(rounds["large"], args.processes, args.saves)
    print("RESULT:", "all targets met" if ok else "some targets missed")
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
