"""Issue 4: rankings and reports at 1,000,000 questionnaires over 1,000 units (PostgreSQL).

Prints, with the baselines measured in the same run:
- the ranking page of the 1,000 schools of the city vs the figures alone (round_figures), limit 3x;
- the same ranking from the JSON API vs the figures alone, limit 3x;
- both again with a linked, closed previous round (its figures come from the cache);
- the formatted workbook of the 1,000 schools vs a bare xlsxwriter write (constant-memory mode)
  of the same cells, limit 3x.

Run: python bench/bench_ranking.py (DATABASE_URL as in bench/common.py).
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import report, setup_django  # noqa: E402


def interleaved(calls: dict, repeat: int) -> dict[str, float]:
    """Median seconds of each call, the calls taken in turn so that a busy machine slows all alike."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeat):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


class _NoStyles:
    """Stands in for the workbook's formats, to collect the bare cell values."""

    def get(self, *args, **kwargs) -> None:
        return None


def _bare_cells(ranking) -> list[tuple[str, list[list]]]:
    from reports.workbook import title_text, workbook_sheets

    title = title_text(ranking, datetime.date.today())
    sheets = []
    for name, headers, _widths, rows in workbook_sheets(ranking, _NoStyles()):
        sheets.append((name, [[title], headers] + [[value for value, _ in cells] for cells in rows]))
    return sheets


def _write_bare(sheets: list[tuple[str, list[list]]], path: str) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    for name, rows in sheets:
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
    workbook.close()


def _previous_round(round):
    """A closed round before ``round`` with the same units and slightly different tallies (SQL copy)."""
    from django.db import connection

    from surveys.models import Round, RoundStatus, Tally
    from surveys.services import RoundSpec, round_create

    code = f"{round.code}-PREV"
    previous = Round.objects.filter(code=code).first()
    if previous is None:
        spec = RoundSpec(
            code=code,
            name=f"{round.name}（上一轮）",
            start=round.start.replace(year=round.start.year - 1),
            end=round.end.replace(year=round.end.year - 1),
            scale=round.scale,
            indicators=round.ordered_indicators(),
            target_rate=round.target_rate,
            target_rank=round.target_rank,
        )
        units = list(round.participations.values_list("unit", flat=True))
        from units.models import Unit

        previous = round_create(spec=spec, units=list(Unit.objects.filter(pk__in=units)))
        previous.status = RoundStatus.CLOSED
        previous.save(update_fields=["status"])
        table = Tally._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (round_id, unit_id, indicator_id, option_id, count) "
                f"SELECT %s, unit_id, indicator_id, option_id, GREATEST(0, count + (random() * 20)::int - 10) "
                f"FROM {table} WHERE round_id = %s",
                [previous.id, round.id],
            )
    return previous


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--questionnaires", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from bench.data import build_round
    from reports.ranking import ranking_for
    from reports.workbook import workbook_write
    from surveys.figures import round_figures
    from surveys.models import Round

    start = time.perf_counter()
    # An existing round is used as it is: other benchmarks add and remove questionnaires in it
    # while they run, and build_round would rebuild it from scratch under them.
    round = Round.objects.filter(code=f"BENCH-{args.units}-{args.questionnaires}").first()
    round = round or build_round(args.units, args.questionnaires)
    count = round.questionnaires.count()
    print(f"round {round.code}: {count:,} questionnaires, ready in {time.perf_counter() - start:.1f} s")
    scope = f"BENCH{args.units}"
    user, _ = get_user_model().objects.get_or_create(
        username="bench-ranking", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(user)
    page_url = reverse("reports:ranking", args=[round.code]) + f"?scope={scope}&level=school"
    api_url = reverse("reports:api_ranking", args=[round.code]) + f"?scope={scope}&level=school"

    def get(url: str):
        response = client.get(url)
        assert response.status_code == 200, response.content[:500]
        return response

    ok = True
    page, api = get(page_url), get(api_url)  # warm up: templates, URL resolver, connection
    rows = len(api.json()["rows"])
    assert page.content.count(b"<tr") == rows + 1, "the page must show every row"
    figures = round_figures(round)
    print(f"figures of the round: {len(figures.units):,} units (participants and the units above them)")
    print(f"ranking rows: {rows:,}; page {len(page.content) / 1e6:.2f} MB, API {len(api.content) / 1e6:.2f} MB")
    calls = {"figures": lambda: round_figures(round), "page": lambda: get(page_url), "api": lambda: get(api_url)}
    alone = interleaved(calls, args.repeat)
    ok &= report("ranking page, 1,000 peers (no previous round)", alone["page"], alone["figures"], 3.0)
    ok &= report("ranking API, 1,000 peers (no previous round)", alone["api"], alone["figures"], 3.0)

    previous = _previous_round(round)
    round.previous = previous
    round.save(update_fields=["previous"])
    try:
        cache.clear()
        start = time.perf_counter()
        get(page_url)  # the closed previous round's figures are cached from here on
        first = time.perf_counter() - start
        print(f"first ranking page after the link (previous figures read, then cached): {first * 1000:.1f} ms")
        linked = interleaved(calls, args.repeat)
        ok &= report("ranking page with a (closed) previous round", linked["page"], linked["figures"], 3.0)
        ok &= report("ranking API with a (closed) previous round", linked["api"], linked["figures"], 3.0)
        ranking = ranking_for(round, scope, "school")
    finally:
        round.previous = None
        round.save(update_fields=["previous"])

    cells = _bare_cells(ranking)
    print(f"workbook cells: {sum(len(row) for _, rows in cells for row in rows):,} in {len(cells)} sheets")
    with tempfile.TemporaryDirectory() as folder:
        books = interleaved(
            {
                "bare": lambda: _write_bare(cells, os.path.join(folder, "bare.xlsx")),
                "formatted": lambda: workbook_write(ranking, os.path.join(folder, "ranking.xlsx")),
            },
            repeat=5,
        )
    ok &= report("formatted ranking workbook, 1,000 units", books["formatted"], books["bare"], 3.0)
    print("RESULT:", "all targets met" if ok else "some targets missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
