"""Issue 12: the home page of each role, on the demo data (PostgreSQL).

Prints, with the baselines measured in the same run (calls taken in turn, medians):
- a district leader's home (rate, rank among the city's 10 districts, gaps, peers, trend, work waiting,
  units below target) vs the unit page of the district, which shows the district alone: limit 2x;
- the city leader's home vs the city's unit page: limit 2x;
- a district clerk's home vs the live progress fragment of the round (respond:progress): limit 2x;
- the query count of each home page.

Run: python bench/bench_home.py (DATABASE_URL as in bench/common.py; the demo is seeded when missing).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_ranking import interleaved  # noqa: E402
from bench.common import report, setup_django  # noqa: E402

REPEAT = 15


def main() -> int:
    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from dashboard.home import current_round

    settings.ALLOWED_HOSTS = ["*"]
    users = get_user_model().objects
    if not users.filter(username="lanshan_leader").exists():
        call_command("seed_demo")

    def client(name: str) -> Client:
        signed_in = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        signed_in.force_login(users.get(username=name))
        return signed_in

    def get(signed_in: Client, url: str):
        return lambda: signed_in.get(url)

    leader, city, staff = client("lanshan_leader"), client("city_leader"), client("lanshan_staff")
    round = current_round(users.get(username="lanshan_leader"))
    home = reverse("home")
    calls = {
        "district leader home": get(leader, home),
        "district unit page": get(leader, reverse("reports:unit", args=[round.code, "LY01"])),
        "city leader home": get(city, home),
        "city unit page": get(city, reverse("reports:unit", args=[round.code, "LY"])),
        "district clerk home": get(staff, home),
        "round progress fragment": get(staff, reverse("respond:progress", args=[round.code])),
    }
    for call in calls.values():
        assert call().status_code == 200  # and warm: sessions, cached figures of the closed round
    times = interleaved(calls, REPEAT)
    ok = all(
        [
            report("district leader's home vs the district's unit page", times["district leader home"],
                   times["district unit page"], 2),
            report("city leader's home vs the city's unit page", times["city leader home"], times["city unit page"], 2),
            report("district clerk's home vs the round's progress fragment", times["district clerk home"],
                   times["round progress fragment"], 2),
        ]
    )  # fmt: skip
    for name, signed_in in (("district leader", leader), ("city leader", city), ("district clerk", staff)):
        with CaptureQueriesContext(connection) as queries:
            signed_in.get(home)
        print(f"{name} home: {len(queries)} queries")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
