"""Issue 13: load of one district in the last week of a round, on gunicorn + PostgreSQL, from a second process.

    python bench/bench_load.py [--duration 300] [--workers 3] [--threads 4] [--import-rows 2000]

The mix (bench/load_users.py, locust headless in its own process on loopback):
20 clerks entering questionnaires (the form, then the POST with CSRF), 10
leaders reading the district's ranking and school pages, 2 staff importing
files of questionnaires and 2 leaders exporting the ranking workbook, both
following their job as the pages do. The round holds 100,000 questionnaires
over the district's 100 schools (bench/data.py) before the run.

gunicorn runs as in production (DEBUG=0, gthread workers); with REDIS_URL set,
imports and reports go to a Celery worker (2 processes) and Redis is the cache;
without it they run inside the request. Prints requests per second, P50 / P95 /
P99 per page kind and the errors; the baseline, measured in the same run on the
same server, is each page kind requested alone (no other load), and the ratio
is P95 under load / median alone. Afterwards the tallies must equal a recount,
and every import and report of the run must have succeeded.
"""

import argparse
import csv
import datetime
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, setup_django  # noqa: E402

LOGS = ROOT / "bench" / "out"  # the server's and the worker's output (errors, tracebacks) of the last run
COUNTS = {"clerks": 20, "leaders": 10, "importers": 2, "reporters": 2}
BASELINE_REPEAT = 10
PAGE_P95_LIMIT_MS = 500  # the target for pages
IMPORT_HEADER = ["问卷编号", "单位编码", "受访者类型", "渠道", "日期", "电话", "整体办学水平", "师德表现", "教学工作",
                 "学生课业负担", "学习生活条件及服务", "校园安全环境"]  # fmt: skip


def prepare(run: str) -> dict:
    """The round (one district of 100 schools), its accounts with sessions, and what the users need."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from bench.data import build_round
    from units.models import Role, RoleKind, Unit

    round = build_round(n_units=100, n_questionnaires=100_000)
    today = timezone.localdate()
    # The last week of the round: it ends in six days.
    round.start, round.end = min(round.start, today - datetime.timedelta(days=60)), today + datetime.timedelta(days=6)
    round.save(update_fields=["start", "end"])
    schools = list(Unit.objects.filter(participations__round=round).select_related("parent").order_by("code"))
    district = schools[0].parent
    kinds = {
        "clerks": RoleKind.STAFF,
        "leaders": RoleKind.LEADER,
        "importers": RoleKind.STAFF,
        "reporters": RoleKind.LEADER,
    }
    accounts: dict[str, list[dict]] = {}
    for group, kind in kinds.items():
        accounts[group] = []
        for n in range(COUNTS[group]):
            user, _ = get_user_model().objects.get_or_create(username=f"load-{group}-{n:02d}")
            Role.objects.get_or_create(user=user, unit=district, kind=kind)
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            accounts[group].append({"session": client.cookies["sessionid"].value, "csrf": secrets.token_hex(16)})
    return {
        **accounts, "counts": COUNTS, "round": round.code, "district": district.code, "today": today.isoformat(),
        "schools": [{"id": s.id, "code": s.code} for s in schools], "run": run, "import_header": IMPORT_HEADER,
        "indicators": [i.id for i in round.ordered_indicators()],
    }  # fmt: skip


def start_services(args, var_dir: Path, port: int) -> list[subprocess.Popen]:
    env = {
        **os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0", "MANYI_VAR_DIR": str(var_dir), "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    python = sys.executable
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    bin_dir = Path(python).parent
    server = [str(bin_dir / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
              "--threads", str(args.threads), "--worker-class", "gthread", "--timeout", "120", "--log-level", "warning"]  # fmt: skip
    LOGS.mkdir(parents=True, exist_ok=True)
    log = (LOGS / "load-server.log").open("w")
    processes = [subprocess.Popen(server, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)]
    if os.environ.get("REDIS_URL"):
        worker = [str(bin_dir / "celery"), "-A", "config", "worker", "--concurrency=2", "--loglevel=WARNING"]
        log = (LOGS / "load-worker.log").open("w")
        processes.append(subprocess.Popen(worker, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
    return processes


def wait_until_up(url: str) -> None:
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=10)
            return
        except requests.RequestException:  # not listening yet, or still loading Django
            time.sleep(0.3)
    raise SystemExit(f"the server did not start at {url}")


def baseline(host: str, config: dict) -> dict[str, float]:
    """Median seconds of each page kind requested alone, on the same server, before the load."""
    import requests

    clerk, leader = config["clerks"][0], config["leaders"][0]
    code, school = config["round"], config["schools"][0]
    entry = f"{host}/rounds/{code}/enter/"

    def as_user(account: dict) -> dict:
        return {"Cookie": f"sessionid={account['session']}; csrftoken={account['csrf']}"}

    def save(n: int) -> requests.Response:
        data = {"unit": school["id"], "respondent_type": "parent", "channel": "paper", "date": config["today"],
                "number": f"B{config['run']}-{n}", "csrfmiddlewaretoken": clerk["csrf"]}  # fmt: skip
        data.update({f"answer_{i}": 1 for i in config["indicators"]})
        return requests.post(entry, data=data, headers=as_user(clerk), allow_redirects=False)

    calls = {
        "entry: form": lambda n: requests.get(entry, headers=as_user(clerk)),
        "entry: save": save,
        "ranking": lambda n: requests.get(
            f"{host}/rounds/{code}/ranking/?scope={config['district']}&level=school", headers=as_user(leader)
        ),
        "unit page": lambda n: requests.get(
            f"{host}/rounds/{code}/ranking/units/{school['code']}/", headers=as_user(leader)
        ),
    }
    alone = {}
    for name, call in calls.items():
        times = []
        for n in range(BASELINE_REPEAT):
            start = time.perf_counter()
            response = call(n)
            times.append(time.perf_counter() - start)
            if response.status_code != (302 if name == "entry: save" else 200) or "/login/" in response.headers.get(
                "Location", ""
            ):
                raise SystemExit(f"baseline {name}: HTTP {response.status_code} {response.headers.get('Location', '')}")
        alone[name] = statistics.median(times)
    return alone


def run_locust(host: str, config_path: Path, duration: int, out: Path) -> list[dict]:
    users = sum(COUNTS.values())
    command = [str(Path(sys.executable).parent / "locust"), "-f", str(ROOT / "bench" / "load_users.py"), "--headless",
               "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{duration}s", "--host", host,
               "--csv", str(out / "load"), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "30"]  # fmt: skip
    subprocess.run(command, env={**os.environ, "BENCH_LOAD_CONFIG": str(config_path)}, check=False)
    with (out / "load_stats.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def check_afterwards(config: dict, since: datetime.datetime) -> list[str]:
    from imports.models import ImportJob, JobStatus
    from reports.models import ReportJob, ReportStatus
    from surveys.models import Round
    from surveys.tallies import tally_mismatches

    round = Round.objects.get(code=config["round"])
    problems = []
    mismatches = tally_mismatches(round.id)
    if mismatches:
        problems.append(f"{len(mismatches)} tallies differ from a recount")
    deadline = time.monotonic() + 120  # the last jobs may still be running when locust stops
    while True:
        imports = ImportJob.objects.filter(round=round, created_at__gte=since)
        reports = ReportJob.objects.filter(round=round, created_at__gte=since)
        unfinished = [j for j in [*imports, *reports] if not j.is_finished]
        if not unfinished or time.monotonic() > deadline:
            break
        time.sleep(1)
    bad_imports = imports.exclude(status=JobStatus.SUCCEEDED).count()
    bad_reports = reports.exclude(status=ReportStatus.DONE).count()
    if bad_imports or bad_reports:
        problems.append(f"{bad_imports} imports and {bad_reports} reports did not succeed")
    print(f"jobs of the run: {imports.count()} imports, {reports.count()} reports")
    return problems


def print_results(rows: list[dict], alone: dict[str, float], duration: int) -> int:
    print(
        f"{'page kind':20} {'requests':>9} {'errors':>7} {'P50 ms':>8} {'P95 ms':>8} {'P99 ms':>8}  alone ms  P95/alone"
    )
    errors = 0
    for row in rows:
        name = row["Name"]
        errors += int(row["Failure Count"]) if name != "Aggregated" else 0
        base = alone.get(name)
        ratio = f"{float(row['95%']) / (base * 1000):8.1f}x" if base else ""
        base_text = f"{base * 1000:9.1f}" if base else " " * 9
        print(f"{name:20} {row['Request Count']:>9} {row['Failure Count']:>7} {row['50%']:>8} {row['95%']:>8} "
              f"{row['99%']:>8} {base_text}  {ratio}")  # fmt: skip
    total = next(row for row in rows if row["Name"] == "Aggregated")
    print(f"requests per second: {float(total['Requests/s']):.1f} over {duration} s; errors: {errors}")
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=300, help="seconds of load (default 300)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (default 3)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument("--import-rows", type=int, default=2000, help="questionnaires per imported file")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    # The sessions prepared here must be valid for the server: one secret key for both.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    setup_django()
    from django.utils import timezone

    run = datetime.datetime.now().strftime("%Y%m%d%H%M%S")
    since = timezone.now()
    config = {**prepare(run), "import_rows": args.import_rows}
    host = f"http://127.0.0.1:{args.port}"
    with tempfile.TemporaryDirectory(prefix="manyi-load-") as folder:
        out = Path(folder)
        config_path = out / "config.json"
        config_path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
        processes = start_services(args, out / "var", args.port)
        try:
            wait_until_up(f"{host}/login/")
            alone = baseline(host, config)
            print(f"gunicorn: {args.workers} workers x {args.threads} threads (gthread); "
                  f"users: {COUNTS}; {args.duration} s")  # fmt: skip
            rows = run_locust(host, config_path, args.duration, out)
            errors = print_results(rows, alone, args.duration)
            problems = check_afterwards(config, since)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)
    pages = [r for r in rows if r["Name"] in ("entry: form", "entry: save", "ranking", "unit page")]
    slow = [r["Name"] for r in pages if float(r["95%"]) > PAGE_P95_LIMIT_MS]
    print(f"pages with P95 over {PAGE_P95_LIMIT_MS} ms: {', '.join(slow) or 'none'}")
    print("tallies equal a recount; every job succeeded" if not problems else "PROBLEMS: " + "; ".join(problems))
    print(f"server and worker output: {LOGS}/load-server.log, load-worker.log")
    sys.exit(1 if errors or problems or slow else 0)


if __name__ == "__main__":
    main()
