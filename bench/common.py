"""Shared set-up for the benchmarks: Django on the benchmark database, and timing helpers.

Run a benchmark as ``python bench/<name>.py``. It uses DATABASE_URL when set,
else postgres://postgres@127.0.0.1:5432/manyi_bench (created if missing).
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/manyi_bench"


def setup_django(migrate: bool = True) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    url = os.environ["DATABASE_URL"]
    if url == DEFAULT_URL:
        exists = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-tAc",
                "SELECT 1 FROM pg_database WHERE datname='manyi_bench'",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not exists:
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", "manyi_bench"], check=True)
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    """Median wall time in seconds of ``repeat`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def report(label: str, seconds: float, baseline: float, limit: float) -> bool:
    ratio = seconds / baseline if baseline else float("inf")
    ok = ratio <= limit
    print(
        f"{label:58} {seconds * 1000:10.1f} ms  baseline {baseline * 1000:9.1f} ms  ratio {ratio:5.2f}  (limit {limit}x) {'OK' if ok else 'OVER'}"
    )
    return ok
