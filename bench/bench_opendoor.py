"""Issue 15: open-door coverage of 1,000 schools over one term (PostgreSQL).

Prints, with the baseline measured in the same run:
- ``activity_coverage`` of the city and its 10 districts (the five rules of the plans, about 20,000
  activities) vs the bare reads it cannot do without (the units of the subtree and the activities'
  rows of the period, as tuples).

Run: python bench/bench_opendoor.py (DATABASE_URL as in bench/common.py). Builds its units (codes
BOD…) the first time.
"""

import datetime
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import report, setup_django, timed  # noqa: E402

FIRST, LAST = datetime.date(2026, 8, 1), datetime.date(2027, 1, 31)
DISTRICTS, SCHOOLS = 10, 100


def build():
    from opendoor.demo import RULES
    from opendoor.models import Activity, ActivityKind, ActivityRule
    from units.models import Unit, UnitKind

    city = Unit.objects.filter(code="BOD").first()
    if city:
        return city
    city = Unit.objects.create(code="BOD", name="基准市", kind=UnitKind.CITY)
    rng = random.Random(15)
    kinds = [k.value for k in ActivityKind][:5]
    for d in range(DISTRICTS):
        district = Unit.objects.create(code=f"BOD{d:02d}", name=f"基准区{d}", kind=UnitKind.DISTRICT, parent=city)
        schools = [Unit.objects.create(code=f"BOD{d:02d}S{s:03d}", name=f"学校{d}-{s}", kind=UnitKind.SCHOOL,
                                       parent=district) for s in range(SCHOOLS)]  # fmt: skip
        Activity.objects.bulk_create(
            Activity(
                unit=school,
                kind=rng.choice(kinds),
                held_on=FIRST + datetime.timedelta(days=rng.randint(0, 183)),
                participants=rng.randint(1, 40),
            )  # fmt: skip
            for school in schools
            for _ in range(20)
        )
    ActivityRule.objects.bulk_create(ActivityRule(under=city, unit_kind=UnitKind.SCHOOL, **rule) for rule in RULES)
    return city


def main() -> None:
    setup_django()
    from opendoor.coverage import activity_coverage
    from opendoor.models import Activity
    from units.models import Unit

    city = build()
    units = [city, *Unit.objects.filter(parent=city)]
    activities = Activity.objects.under(city).filter(held_on__gte=FIRST, held_on__lte=LAST)

    def baseline():
        list(Unit.objects.under(city).values_list("id", "path", "kind"))
        return list(activities.values_list("unit_id", "kind", "held_on", "participants"))

    base, rows = timed(baseline, repeat=7)
    seconds, coverage = timed(lambda: activity_coverage(units=units, first=FIRST, last=LAST), repeat=7)
    total = coverage[city.pk]
    print(f"{len(rows)} activities; city: held {total.held} of {total.required} required")
    report("activity_coverage, city and 10 districts, one term", seconds, base, 10.0)


if __name__ == "__main__":
    main()
