"""Benchmark of imports (issue 5): 100,000 questionnaires from .xlsx and 1,000,000 from CSV, on PostgreSQL.

    python bench/bench_import.py [--rows-xlsx 100000] [--rows-csv 1000000] [--keep]

For each file it times, in the same run:

* the baseline: the fastest plain read of the file (python-calamine for .xlsx;
  the faster of Python's csv module and pandas.read_csv for .csv) plus a COPY
  of the parsed rows into a scratch table (text columns, no index);
* the import, in a fresh subprocess (so that its peak memory, ru_maxrss, is
  the worker's): the job run (read, validate, COPY questionnaires and answers,
  tallies, trail) plus the figures of the round (surveys.figures.round_figures).

The import must take at most 2x the baseline, and stay under 1 GiB of memory
for the 1,000,000-row file. Follow-ups (outreach) are opened by a separate
task after the import commits; they are timed on their own line.
"""

import argparse
import csv
import datetime
import gc
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, setup_django  # noqa: E402

OUT = ROOT / "bench" / "out"
LIMIT_RATIO = 2.0
LIMIT_MEMORY_MB = 1024
UNITS = 200
PREFIX = "IMPB"
HEADER = ["问卷编号", "单位编码", "受访者类型", "渠道", "日期", "电话", "整体办学水平", "师德表现", "教学工作",
          "学生课业负担", "学习生活条件及服务", "校园安全环境"]  # fmt: skip
LABELS = ["满意", "基本满意", "不满意", "不了解"]
TYPES = ["家长", "学生", "教师", "居民"]
CHANNELS = ["电话", "纸质", "网络", "走访"]


# ---------------------------------------------------------------- files


def _rows(n: int, seed: int):
    rng = random.Random(seed)
    for i in range(n):
        answers = [rng.choice(LABELS) if rng.random() > 0.05 else "" for _ in range(6)]
        answers[0] = answers[0] or "满意"
        yield [
            f"B{seed}-{i:08d}", f"{PREFIX}-S{rng.randrange(UNITS):03d}", rng.choice(TYPES), rng.choice(CHANNELS),
            f"2026-{rng.randint(3, 10):02d}-{rng.randint(1, 28):02d}", f"13{seed}{i:08d}", *answers,
        ]  # fmt: skip


def make_csv(n: int) -> Path:
    path = OUT / f"import-{n}.csv"
    if not path.exists():
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(_rows(n, 3))
    return path


def make_xlsx(n: int) -> Path:
    import xlsxwriter

    path = OUT / f"import-{n}.xlsx"
    if not path.exists():
        workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        sheet = workbook.add_worksheet("问卷")
        sheet.write_row(0, 0, HEADER)
        for r, values in enumerate(_rows(n, 2), start=1):
            sheet.write_row(r, 0, values)
        workbook.close()
    return path


# ---------------------------------------------------------------- baseline


def read_calamine(path: Path) -> list[list]:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[1:]


def read_csv_module(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        return list(reader)


def read_pandas(path: Path):
    import pandas as pd

    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)


def copy_rows(rows) -> None:
    """COPY the parsed rows, as text, into a scratch table without index."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_import_scratch ("
            + ", ".join(f"c{i} text" for i in range(len(HEADER)))
            + ")"
        )
        cursor.execute("TRUNCATE bench_import_scratch")
        with cursor.copy("COPY bench_import_scratch FROM STDIN") as copy:
            block = []
            for values in rows:
                block.append("\t".join(v if isinstance(v, str) else str(v) for v in values))
                if len(block) == 100_000:
                    copy.write("\n".join(block) + "\n")
                    block = []
            if block:
                copy.write("\n".join(block) + "\n")


def drop_scratch() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_import_scratch")


def baseline(path: Path) -> dict:
    figures = {}
    if path.suffix == ".xlsx":
        start = time.perf_counter()
        rows = read_calamine(path)
        figures["read calamine"] = time.perf_counter() - start
    else:
        start = time.perf_counter()
        read_pandas(path)
        figures["read pandas.read_csv"] = time.perf_counter() - start
        start = time.perf_counter()
        rows = read_csv_module(path)
        figures["read csv module"] = time.perf_counter() - start
    start = time.perf_counter()
    copy_rows(rows)
    figures["COPY parsed rows"] = time.perf_counter() - start
    drop_scratch()
    del rows
    gc.collect()
    figures["baseline"] = min(v for k, v in figures.items() if k.startswith("read")) + figures["COPY parsed rows"]
    return figures


# ---------------------------------------------------------------- the import (in a subprocess)


def prepare_round(code: str):
    """A fresh open round over 200 schools, and a staff user of the bench city."""
    from django.contrib.auth import get_user_model

    from surveys.models import Indicator, Round, RoundStatus, Scale
    from surveys.services import RoundSpec, round_create
    from units.models import Role, RoleKind, Unit, UnitKind

    city, _ = Unit.objects.get_or_create(code=PREFIX, defaults={"name": "导入基准市", "kind": UnitKind.CITY})
    district, _ = Unit.objects.get_or_create(
        code=f"{PREFIX}-D", defaults={"name": "导入基准区", "kind": UnitKind.DISTRICT, "parent": city}
    )
    schools = [
        Unit.objects.get_or_create(
            code=f"{PREFIX}-S{s:03d}",
            defaults={"name": f"导入基准第{s}学校", "kind": UnitKind.SCHOOL, "parent": district},
        )[0]
        for s in range(UNITS)
    ]
    user, _ = get_user_model().objects.get_or_create(username="bench_import")
    Role.objects.get_or_create(user=user, unit=city, kind=RoleKind.STAFF)
    drop_round(code)
    spec = RoundSpec(
        code=code, name=f"{code} 导入基准", start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31),
        scale=Scale.objects.get(code="default"),
        indicators=list(Indicator.objects.filter(indicator_set__code="education").order_by("order")),
    )  # fmt: skip
    round = round_create(spec=spec, units=schools)
    Round.objects.filter(pk=round.pk).update(status=RoundStatus.OPEN)
    round.refresh_from_db()
    return round, user, city


def drop_round(code: str) -> None:
    from django.db import connection, transaction

    from imports.models import ImportJob
    from surveys.models import Round

    round = Round.objects.filter(code=code).first()
    if round is None:
        return
    for job in ImportJob.objects.filter(round=round):
        job.file.delete(save=False)
    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("outreach_followup", "surveys_answer", "surveys_tally", "surveys_pooledtally", "surveys_pooleddelta", "surveys_reportedcount",
                      "surveys_resultchange", "imports_importjob"):  # fmt: skip
            cursor.execute(f"DELETE FROM {table} WHERE round_id = %s", [round.id])
        cursor.execute("DELETE FROM surveys_questionnaire WHERE round_id = %s", [round.id])
        round.delete()


def run_import_here(path: Path, code: str) -> dict:
    """In the subprocess: create the job (upload), run it, compute the figures; report times and peak memory."""
    from django.core.files import File

    import imports.services
    import outreach.tasks
    from imports import validation
    from imports.services import import_job_create, import_job_run
    from outreach.opening import follow_ups_open_in_ranges
    from surveys import writing
    from surveys.figures import round_figures

    round, user, city = prepare_round(code)
    phases, memory_after = {}, {}

    def timed_phase(name, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0) + time.perf_counter() - start
                memory_after[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        return wrapper

    imports.services.open_results_file = timed_phase("read and validate", validation.open_results_file)
    imports.services.validate_questionnaires = timed_phase("read and validate", validation.validate_questionnaires)
    written = {}

    def keep_data(**kwargs):
        written.update(kwargs)
        return writing.questionnaires_add(**kwargs)

    imports.services.questionnaires_add = timed_phase("COPY questionnaires and answers, tallies", keep_data)
    queued = []
    outreach.tasks.open_follow_ups.delay = queued.append  # the follow-ups task is timed on its own below

    start = time.perf_counter()
    with path.open("rb") as handle:
        job = import_job_create(round=round, user=user, upload=File(handle, name=path.name), file_name=path.name,
                                kind="questionnaires", queue=False)  # fmt: skip
    upload = time.perf_counter() - start
    start = time.perf_counter()
    job = import_job_run(job_id=job.pk)
    figures = round_figures(round)
    total = time.perf_counter() - start
    assert job.status == "succeeded", job.errors[:5]
    phases["figures and the rest"] = time.perf_counter() - start - sum(phases.values())
    memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    high_water = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM"))
    start = time.perf_counter()
    opened = sum(follow_ups_open_in_ranges(ranges) for ranges in queued)
    follow_ups = time.perf_counter() - start
    unindexed = copy_without_indexes(written["round"], written["rows"])
    return {
        "import": total, "upload (checksum, store)": upload, "phases": phases, "memory_mb": memory,
        "rows": job.rows_imported, "city_votes": sum(figures.option_counts(city.id)),
        "follow_ups": follow_ups, "follow_ups_opened": opened, "memory_after": memory_after,
        "vm_hwm_mb": int(high_water.split()[1]) / 1024, "copy_without_indexes": unindexed,
    }  # fmt: skip


def copy_without_indexes(round, data) -> float:
    """The import's own COPY of the same rows into copies of the two tables without their indexes (rolled back).

    Shows how much of the import is the upkeep of the indexes of surveys_questionnaire and surveys_answer.
    """
    from django.db import connection, transaction

    from surveys import writing
    from surveys.models import Answer, Questionnaire

    tables = {Questionnaire: "bench_import_questionnaire", Answer: "bench_import_answer"}
    with transaction.atomic(), connection.cursor() as cursor:
        for model, table in tables.items():
            cursor.execute(f"CREATE TABLE {table} (LIKE {model._meta.db_table} INCLUDING DEFAULTS INCLUDING IDENTITY)")
        names = {model: model._meta.db_table for model in tables}
        try:
            for model, table in tables.items():
                model._meta.db_table = table
            ids = np.arange(1, len(data) + 1, dtype=np.int64)
            start = time.perf_counter()
            writing._copy_questionnaire_rows(cursor, round.id, None, None, data, ids, lambda done, total: None)
            writing._copy_answer_rows(cursor, round.id, data, ids, lambda done, total: None)
            seconds = time.perf_counter() - start
        finally:
            for model, name in names.items():
                model._meta.db_table = name
        transaction.set_rollback(True)
    return seconds


def run_import_subprocess(path: Path, code: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(path), code], capture_output=True, text=True, env=os.environ.copy()
    )
    if result.returncode:
        raise SystemExit(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- main


def bench_file(path: Path, code: str, keep: bool) -> dict:
    # The import's subprocess starts before this process reads the file for the baseline: Linux carries a
    # parent's peak memory into a child's ru_maxrss across fork and exec.
    result = run_import_subprocess(path, code)
    base = baseline(path)
    if not keep:
        drop_round(code)
    return {"baseline": base, "import": result}


def show(label: str, rows: int, figures: dict) -> bool:
    base, run = figures["baseline"], figures["import"]
    ratio = run["import"] / base["baseline"]
    # The floor: the same plain read plus the import's own COPY of the rows as stored (questionnaires and
    # answers into the real, indexed tables): what any import of these rows into this schema must pay.
    read = base["baseline"] - base["COPY parsed rows"]
    floor = read + run["phases"]["COPY questionnaires and answers, tallies"]
    ok = ratio <= LIMIT_RATIO and (rows < 1_000_000 or run["memory_mb"] < LIMIT_MEMORY_MB)
    print(f"\n{label}: {rows:,} questionnaires ({rows * 6:,} answer cells)")
    for name, seconds in base.items():
        print(f"  baseline · {name:40} {seconds:8.2f} s")
    print(f"  import   · {'upload (checksum, store; in the request)':40} {run['upload (checksum, store)']:8.2f} s")
    for name, seconds in run["phases"].items():
        print(f"  import   · {name:40} {seconds:8.2f} s")
    print(f"  import   · {'total (job run + figures)':40} {run['import']:8.2f} s   "
          f"ratio {ratio:4.2f} (limit {LIMIT_RATIO}x)")  # fmt: skip
    copy_phase = run["phases"]["COPY questionnaires and answers, tallies"]
    unindexed = run["import"] - copy_phase + run["copy_without_indexes"]
    print(f"  import   · {'same COPY into tables without index':40} {run['copy_without_indexes']:8.2f} s")
    print(f"  import   · {'total if the tables had no index':40} {unindexed:8.2f} s   "
          f"ratio {unindexed / base['baseline']:4.2f}")  # fmt: skip
    floor_label = "plain read + the import's COPY"
    print(f"  floor    · {floor_label:40} {floor:8.2f} s   import / floor {run['import'] / floor:4.2f}")
    print(f"  import   · {'votes in the city figures':40} {run['city_votes']:8,}")
    print(f"  import   · {'peak memory (ru_maxrss)':40} {run['memory_mb']:8.0f} MB (limit {LIMIT_MEMORY_MB} MB; "
          f"VmHWM {run['vm_hwm_mb']:.0f} MB)")  # fmt: skip
    print(
        f"  after    · {'follow-ups (separate task)':40} {run['follow_ups']:8.2f} s   ({run['follow_ups_opened']:,} opened)"
    )
    print(f"  {'OK' if ok else 'OVER'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows-xlsx", type=int, default=100_000)
    parser.add_argument("--rows-csv", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the imported rounds (default: deleted at the end)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("MEDIA_ROOT", str(OUT / "media"))
    setup_django(migrate=not args.child)
    if args.child:
        print(json.dumps(run_import_here(Path(args.child[0]), args.child[1])))
        return
    ok = True
    if args.rows_xlsx:
        path = make_xlsx(args.rows_xlsx)
        ok &= show(".xlsx", args.rows_xlsx, bench_file(path, "IMPB-XLSX", args.keep))
    if args.rows_csv:
        path = make_csv(args.rows_csv)
        ok &= show(".csv (UTF-8)", args.rows_csv, bench_file(path, "IMPB-CSV", args.keep))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
