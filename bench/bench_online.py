"""Issue 11: respondents answering online, many at once, on gunicorn + PostgreSQL, from a second process.

    python bench/bench_online.py [--duration 60] [--users 200] [--workers 3] [--threads 4] [--answer-seconds 20]

Four phases of ``--duration`` seconds, each with ``--users`` concurrent
respondents (bench/online_users.py, locust headless on loopback): every
respondent is a new phone (its own cookie jar and network address) that opens
a link, answers the six indicators and submits. First all respondents answer
ONE unit (the parents of one school in the same evening), then they are spread
over 100 units. Each is measured twice in the same run, on the same server:
through the real view (screening, the writer, its tallies, its trail) and
through the baseline view of bench/baseline_view.py (the same GET, the same
form validation, then plain INSERTs of the same submission, questionnaire and
answer rows: no screening, no tallies). The baseline goes first in each pair.

Prints submissions per second, P50 / P95 of the submit (POST) and the form
(GET), and the ratio of throughputs. After each phase, in the database: the
accepted submissions (302 to the thank-you page) equal the submission rows
and the questionnaires written, each with its six answers, and the tallies
and the pooled tallies of the units above equal a recount
(``surveys.tallies.tally_mismatches``, ``pooled_mismatches``): no answer lost or
counted twice. Exit status 1 when a check or a target fails (throughput at
least 0.6x the baseline, P95 of the submit under 300 ms).

The database is ``--database-url`` (default the dedicated manyi_h11_bench,
created if missing); each run makes two new rounds over the same 100 schools
and deletes those of earlier runs. The server trusts one proxy
(MANYI_PROXY_COUNT=1) so that respondents have their own addresses, screening
takes answers given in under a second (MANYI_SCREEN_MIN_SECONDS=0) and the
round's per-address hourly limit is raised: nothing is held, every answer
goes through the writer.
"""

import argparse
import csv
import datetime
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/manyi_h11_bench"
LOGS = ROOT / "bench" / "out"
PREFIX = "ONLINE"
N_UNITS = 100
RATIO_TARGET = 0.6
P95_TARGET_MS = 300


def setup(database_url: str) -> None:
    name = database_url.rsplit("/", 1)[1]
    exists = subprocess.run(["psql", database_url.rsplit("/", 1)[0] + "/postgres", "-tAc",
                             f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
                            capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(["psql", database_url.rsplit("/", 1)[0] + "/postgres", "-c", f'CREATE DATABASE "{name}"'],
                       check=True, capture_output=True)  # fmt: skip
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def prepare(run: str) -> dict:
    """Two open rounds over the same 100 schools (real and baseline), open mode, with their links."""
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.data import _units
    from respond.models import OnlineSetting, Submission
    from respond.services import links_ensure
    from surveys.models import Indicator, Option, Round, RoundStatus, Scale
    from surveys.services import RoundSpec, round_create

    for old in Round.objects.filter(code__startswith=f"{PREFIX}-"):
        with transaction.atomic(), connection.cursor() as cursor:
            Submission.objects.filter(round=old).delete()
            for table in ("surveys_answer", "surveys_tally", "surveys_resultchange", "surveys_questionnaire"):
                cursor.execute(f"DELETE FROM {table} WHERE round_id = %s", [old.id])
            old.delete()
    schools = _units("BENCHONLINE", N_UNITS)
    today = timezone.localdate()
    rounds = {}
    for kind in ("real", "baseline"):
        spec = RoundSpec(
            code=f"{PREFIX}-{kind}-{run}", name=f"在线填答基准 {kind} {run}",
            start=today - datetime.timedelta(days=1), end=today + datetime.timedelta(days=30),
            scale=Scale.objects.get(code="default"),
            indicators=list(Indicator.objects.filter(indicator_set__code="education").order_by("order")),
        )  # fmt: skip
        round = round_create(spec=spec, units=schools)
        round.status = RoundStatus.OPEN
        round.save(update_fields=["status"])
        # The round's own limit per network address, raised as an administrator would for a bench.
        OnlineSetting.objects.create(round=round, address_hourly_limit=1_000_000)
        links = links_ensure(round, schools)
        rounds[kind] = {"id": round.id, "tokens": [links[s.pk].token for s in schools]}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    round = Round.objects.get(pk=rounds["real"]["id"])
    options = list(Option.objects.filter(scale=round.scale).order_by("number").values_list("id", flat=True))
    return {"rounds": rounds, "indicators": [i.id for i in round.ordered_indicators()], "options": options}


def start_server(args, var_dir: Path, port: int) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env.update({
        "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "MANYI_VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING", "MANYI_PROXY_COUNT": "1", "MANYI_SCREEN_MIN_SECONDS": "0",
        "MANYI_BENCH_BASELINE": "1",
    })  # fmt: skip
    if args.pg_options:  # in the URL: the settings' own "options" would override PGOPTIONS
        env["DATABASE_URL"] = f"{args.database_url}?options={quote(f'-c jit=off {args.pg_options}')}"
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    bin_dir = Path(sys.executable).parent
    command = [str(bin_dir / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
               "--threads", str(args.threads), "--worker-class", "gthread", "--timeout", "120",
               "--backlog", "2048", "--log-level", "warning"]  # fmt: skip
    LOGS.mkdir(parents=True, exist_ok=True)
    log = (LOGS / "online-server.log").open("w")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


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


def run_phase(
    host: str, config: dict, tokens: list[str], prefix: str, args, out: Path, name: str, answer_seconds: float = 0
) -> dict:
    """One locust run; its submit/form statistics and the respondents' own counts."""
    phase = {**config, "tokens": tokens, "prefix": prefix, "answer_seconds": answer_seconds}
    (out / f"{name}.json").write_text(json.dumps(phase), encoding="utf-8")
    result = out / f"{name}-counts.json"
    command = [str(Path(sys.executable).parent / "locust"), "-f", str(ROOT / "bench" / "online_users.py"),
               "--headless", "--users", str(args.users), "--spawn-rate", str(args.users),
               "--run-time", f"{args.duration}s", "--host", host, "--csv", str(out / name), "--only-summary",
               "--loglevel", "WARNING", "--stop-timeout", "300"]  # fmt: skip
    env = {**os.environ, "BENCH_ONLINE_CONFIG": str(out / f"{name}.json"), "BENCH_ONLINE_RESULT": str(result)}
    with (LOGS / f"online-locust-{name}.log").open("w") as log:
        subprocess.run(command, env=env, check=False, stdout=log, stderr=subprocess.STDOUT)
    with (out / f"{name}_stats.csv").open(encoding="utf-8") as handle:
        stats = {row["Name"]: row for row in csv.DictReader(handle)}
    return {"stats": stats, "counts": json.loads(result.read_text(encoding="utf-8"))}


def check_rows(round_id: int, accepted: int, real: bool, unanswered: int = 0) -> list[str]:
    """Rows written against the accepted submissions, and the tallies against a recount (real round).

    ``unanswered``: POSTs the load generator stopped waiting for when the
    phase ended (past --stop-timeout); the server may have stored them, so
    up to that many rows more than accepted are not a loss or a double count.
    """
    from respond.models import Status, Submission
    from surveys.models import Answer, Questionnaire
    from surveys.tallies import pooled_mismatches, tally_mismatches

    submissions = Submission.objects.filter(round_id=round_id)
    written = Questionnaire.objects.filter(round_id=round_id).count()
    answers = Answer.objects.filter(round_id=round_id).count()
    held = submissions.filter(status=Status.HELD).count()
    problems = []
    if not accepted <= submissions.count() <= accepted + unanswered:
        problems.append(f"{accepted} accepted ({unanswered} unanswered) but {submissions.count()} submissions stored")
    if written != submissions.count() - held or answers != 6 * written:
        problems.append(f"{accepted} accepted ({held} held): {written} questionnaires, {answers} answers")
    if real and (mismatches := tally_mismatches(round_id)):
        problems.append(f"{len(mismatches)} tallies differ from a recount")
    if real and (mismatches := pooled_mismatches(round_id)):
        problems.append(f"{len(mismatches)} pooled tallies (folded rows plus pending deltas) differ from a recount")
    return problems


class WaitSampler:
    """Samples PostgreSQL's active backends every 50 ms during a phase: how often they wait, and on what.

    A share of samples waiting on ``Lock`` (transactionid, tuple) says whether
    row locks (the one unit's tally rows) hold the writers back; ``LWLock`` /
    ``IO`` waits (WAL) say the commits do.
    """

    def __init__(self) -> None:
        import threading

        self.samples: dict[str, int] = {}
        self.active = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "WaitSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            while not self._stop.wait(0.05):
                cursor.execute(
                    "SELECT coalesce(wait_event_type || ':' || wait_event, 'running'), count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() GROUP BY 1"
                )
                for event, n in cursor.fetchall():
                    self.samples[event] = self.samples.get(event, 0) + n
                    self.active += n
        connection.close()

    def summary(self) -> str:
        if not self.active:
            return "no active backend sampled"
        top = sorted(self.samples.items(), key=lambda item: -item[1])[:4]
        locks = sum(n for event, n in self.samples.items() if event.startswith("Lock:"))
        shares = ", ".join(f"{event} {100 * n / self.active:.0f} %" for event, n in top)
        return f"backends waiting on row/advisory locks {100 * locks / self.active:.0f} % of samples ({shares})"


def line(label: str, phase: dict, duration: int) -> tuple[float, float]:
    submit, form = phase["stats"].get("submit", {}), phase["stats"].get("form", {})
    per_second = phase["counts"]["accepted"] / duration
    failures = int(submit.get("Failure Count", 0)) + int(form.get("Failure Count", 0))
    print(f"  {label:16} {per_second:8.1f}/s {submit.get('50%', '-'):>8} {submit.get('95%', '-'):>8} "
          f"{form.get('50%', '-'):>8} {form.get('95%', '-'):>8} {phase['counts']['accepted']:>9} {failures:>7}")  # fmt: skip
    return per_second, float(submit.get("95%", "inf"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of each phase (default 60)")
    parser.add_argument("--users", type=int, default=200, help="concurrent respondents (default 200)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (default 3)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument("--answer-seconds", type=float, default=20,
                        help="paced phases: mean seconds a respondent takes to answer (default 20)")  # fmt: skip
    parser.add_argument("--spreads", default=f"1,{N_UNITS}", help=f"units answered, per pass (default 1,{N_UNITS})")
    parser.add_argument("--pg-options", default="", help='for diagnosis, e.g. "-c synchronous_commit=off"')
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_ONLINE_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    setup(args.database_url)
    run = datetime.datetime.now().strftime("%Y%m%d%H%M%S")
    config = prepare(run)
    host = f"http://127.0.0.1:{args.port}"
    rounds = config.pop("rounds")
    print(f"gunicorn {args.workers} workers x {args.threads} threads (gthread) on {os.cpu_count()} cores; "
          f"{args.users} respondents, {args.duration} s per phase; PostgreSQL {args.database_url}")  # fmt: skip
    problems, ok = [], True
    accepted = {"real": 0, "baseline": 0}
    unanswered = {"real": 0, "baseline": 0}

    def phase(kind: str, units: int, label: str, answer_seconds: float = 0) -> tuple[float, float]:
        prefix = "/bench/s/" if kind == "baseline" else "/s/"
        with WaitSampler() as waits:
            result = run_phase(host, config, rounds[kind]["tokens"][:units], prefix, args, out,
                               f"{kind}-{units}-{int(answer_seconds)}", answer_seconds)  # fmt: skip
        figures = line(label, result, args.duration)
        print(f"  {'':16} {waits.summary()}")
        counts = result["counts"]
        accepted[kind] += counts["accepted"]
        unanswered[kind] += counts["sent"] - counts["accepted"] - counts["refused"] - counts["failed"]
        found = check_rows(rounds[kind]["id"], accepted[kind], real=kind == "real", unanswered=unanswered[kind])
        if unanswered[kind]:
            print(f"  {'':16} {unanswered[kind]} POSTs were cut off by the end of the phase (their rows may exist)")
        if result["counts"]["failed"] or result["counts"]["refused"]:
            found.append(f"respondents counted {result['counts']}")
        problems.extend(f"{units} unit(s), {label}: {p}" for p in found)
        return figures

    header = f"{'':16} {'answers':>10} {'sub P50':>8} {'sub P95':>8} {'form P50':>8} {'form P95':>8} {'accepted':>9} {'errors':>7}"  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="manyi-online-") as folder:
        out = Path(folder)
        server = start_server(args, out / "var", args.port)
        try:
            wait_until_up(f"{host}/login/")
            for units in [int(n) for n in args.spreads.split(",")]:
                print(f"{'one unit' if units == 1 else f'{units} units'}, as fast as the server answers:  {header}")
                baseline = phase("baseline", units, "baseline")
                real = phase("real", units, "real")
                paced = phase("real", units, f"real, paced {args.answer_seconds:g}s", args.answer_seconds)
                ratio = real[0] / baseline[0] if baseline[0] else 0
                good = ratio >= RATIO_TARGET and paced[1] < P95_TARGET_MS
                ok = ok and good
                print(f"  throughput real / baseline: {ratio:.2f} (target >= {RATIO_TARGET}); submit P95 paced "
                      f"{paced[1]:.0f} ms (target < {P95_TARGET_MS}) {'OK' if good else 'OVER'}")  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=30)
    print("0 answers lost or counted twice: accepted = rows written, tallies = recount" if not problems
          else "PROBLEMS: " + "; ".join(problems))  # fmt: skip
    print(f"server and locust output: {LOGS}/")
    sys.exit(0 if ok and not problems else 1)


if __name__ == "__main__":
    main()
