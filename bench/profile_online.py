"""Issue 11, in-process: queries and Python cost of one online answer (GET of the link + POST), real vs baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/manyi_h11 python bench/profile_online.py [--pairs 200] [--top 25]

Sets up the two open rounds of bench/bench_online.py (100 schools, open mode,
nothing held) and sends ``--pairs`` GET + POST pairs through Django's test
Client to each view in turn (real, then baseline, alternately), each pair a
new phone (no cookies, its own address), twice: without and with cProfile.
Prints the queries of one GET and one POST of each view (grouped by the
statement and its table), the milliseconds per pair, and the top functions
of each view's profile by own time and by cumulative time. No server and no network: what one answer costs the
Python and the database, not the queueing of the load benchmark.
"""

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.update(
    {
        "DEBUG": "0",
        "MANYI_PROXY_COUNT": "1",
        "MANYI_SCREEN_MIN_SECONDS": "0",
        "MANYI_BENCH_BASELINE": "1",
        "SECURE_SSL_REDIRECT": "0",
    }
)
os.environ.setdefault("MANYI_VAR_DIR", tempfile.mkdtemp(prefix="manyi-profile-"))  # its collected static files
os.environ.setdefault("SECRET_KEY", "profile-online-" + "x" * 40)

from bench.common import ROOT, setup_django  # noqa: E402

HIDDEN = re.compile(r'name="stamp" value="([^"]+)"')


def answer_pair(client, url: str, n: int, config: dict) -> int:
    """One new phone: GET the form, POST every indicator answered; returns the POST's status."""
    client.cookies.clear()  # a new phone (one Client: a new one would load the middleware, WhiteNoise's scan, again)
    address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
    headers = {"HTTP_X_FORWARDED_FOR": address, "HTTP_USER_AGENT": "profile-online"}
    page = client.get(url, **headers)
    assert page.status_code == 200, page.status_code
    data = {"stamp": HIDDEN.search(page.content.decode()).group(1), "respondent_type": "parent", "opinion": ""}
    data.update(
        {f"i{i}": config["options"][(n + k) % len(config["options"])] for k, i in enumerate(config["indicators"])}
    )
    return client.post(url, data, **headers).status_code


def query_kinds(queries: list[dict]) -> Counter:
    kinds = Counter()
    for query in queries:
        sql = outer = query["sql"]
        while (inner := re.sub(r"\([^()]*\)", "", outer)) != outer:  # subqueries out: the statement's own table
            outer = inner
        table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', outer)
        kinds[f"{sql.split()[0]} {table.group(1) if table else sql[:40]}"] += 1
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200, help="GET + POST pairs per view (default 200)")
    parser.add_argument("--top", type=int, default=25, help="functions listed from the profile (default 25)")
    parser.add_argument("--show-sql", action="store_true", help="print every query of one real POST")
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.bench_online import prepare

    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG=0 pages name hashed static files
    config = prepare(time.strftime("%Y%m%d%H%M%S"))
    rounds = config.pop("rounds")
    tokens = {"real": rounds["real"]["tokens"], "baseline": rounds["baseline"]["tokens"]}
    prefix = {"real": "/s/", "baseline": "/bench/s/"}
    counter = iter(range(1, 10**9))

    def url(kind: str, n: int) -> str:
        return f"{prefix[kind]}{tokens[kind][n % len(tokens[kind])]}/"

    clients = {"real": Client(), "baseline": Client()}
    for kind in ("real", "baseline"):  # warm up: templates, translations, connections
        for _ in range(5):
            n = next(counter)
            assert answer_pair(clients[kind], url(kind, n), n, config) == 302

    print(f"queries of one answer (open mode, {len(config['indicators'])} indicators, nothing held):")
    for kind in ("real", "baseline"):
        n = next(counter)
        client = clients[kind]
        client.cookies.clear()
        headers = {"HTTP_X_FORWARDED_FOR": f"10.200.0.{n % 250}", "HTTP_USER_AGENT": "profile-online"}
        with CaptureQueriesContext(connection) as get_queries:
            page = client.get(url(kind, n), **headers)
        data = {"stamp": HIDDEN.search(page.content.decode()).group(1), "respondent_type": "parent", "opinion": ""}
        data.update({f"i{i}": config["options"][0] for i in config["indicators"]})
        with CaptureQueriesContext(connection) as post_queries:
            assert client.post(url(kind, n), data, **headers).status_code == 302
        print(f"  {kind:8} GET {len(get_queries.captured_queries):3}  POST {len(post_queries.captured_queries):3}")
        for label, queries in (("GET", get_queries), ("POST", post_queries)):
            kinds = ", ".join(f"{k} x{v}" if v > 1 else k for k, v in query_kinds(queries.captured_queries).items())
            print(f"    {label}: {kinds}")
        if args.show_sql and kind == "real":
            for query in post_queries.captured_queries:
                print(f"      {query['sql'][:220]}")

    timed = {"real": [], "baseline": []}
    for _ in range(args.pairs):  # without the profiler first: its cost per Python call would weigh the ORM up
        for kind in ("real", "baseline"):
            n = next(counter)
            start = time.perf_counter()
            assert answer_pair(clients[kind], url(kind, n), n, config) == 302
            timed[kind].append(time.perf_counter() - start)
    print(f"\n{args.pairs} pairs each, in turn, not profiled (median and mean ms per GET + POST):")
    for kind in ("real", "baseline"):
        print(f"  {kind:8} {1000 * statistics.median(timed[kind]):6.1f} {1000 * statistics.mean(timed[kind]):6.1f}")
    ratio = statistics.mean(timed["baseline"]) / statistics.mean(timed["real"])
    print(f"  answers per second real / baseline, one at a time: {ratio:.2f}")

    profiles = {"real": cProfile.Profile(), "baseline": cProfile.Profile()}
    seconds = {"real": 0.0, "baseline": 0.0}
    for _ in range(args.pairs):
        for kind in ("real", "baseline"):
            n = next(counter)
            start = time.perf_counter()
            profiles[kind].enable()
            status = answer_pair(clients[kind], url(kind, n), n, config)
            profiles[kind].disable()
            seconds[kind] += time.perf_counter() - start
            assert status == 302, status
    print(f"\n{args.pairs} pairs each, profiled (cProfile slows Python more than the database):")
    for kind in ("real", "baseline"):
        print(f"  {kind:8} {1000 * seconds[kind] / args.pairs:6.1f} ms per GET + POST")
    for kind in ("real", "baseline"):
        out = io.StringIO()
        stats = pstats.Stats(profiles[kind], stream=out).sort_stats("cumulative")
        stats.print_stats(r"/(respond|surveys|units|bench)/[a-z_]+\.py", args.top)
        lines = [line for line in out.getvalue().splitlines() if line.strip()]
        start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
        print(f"\n{kind}, Manyi's own functions by cumulative time (per {args.pairs} pairs):")
        print("\n".join(line.replace(str(ROOT) + "/", "") for line in lines[start : start + args.top + 1]))
    for kind in ("real", "baseline"):
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            stats = pstats.Stats(profiles[kind], stream=out).strip_dirs().sort_stats(order)
            stats.print_stats(args.top)
            lines = [line for line in out.getvalue().splitlines() if line.strip()]
            start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
            print(f"\n{kind}, top {args.top} by {order} (per {args.pairs} pairs):")
            print("\n".join(lines[start - 1 : start + args.top + 1]))


if __name__ == "__main__":
    main()
