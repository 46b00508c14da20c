"""Rankings fixtures: four schools under the shared tree and counts set exactly per unit and indicator.

city C > D1 > S1, S3, S4 and C > D2 > S2. Counts are written as reported counts
(what a survey firm delivers), so each test states the exact votes it ranks.
"""

import datetime

import pytest
from django.core.cache import cache

from surveys.models import Option, ReportedCount
from tests.factories import UnitFactory, make_round
from tests.reports.helpers import set_eager
from units.models import UnitKind


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Figures of closed rounds are cached; every test starts without them."""
    cache.clear()


@pytest.fixture(autouse=True)
def _tasks_in_process_for_reports():
    set_eager(True)
    yield
    set_eager(True)


@pytest.fixture
def schools(tree):
    s3 = UnitFactory(code="S3", name="一区第二小学", kind=UnitKind.SCHOOL, parent=tree["d1"])
    s4 = UnitFactory(code="S4", name="一区第三小学", kind=UnitKind.SCHOOL, parent=tree["d1"])
    return {"s1": tree["s1"], "s2": tree["s2"], "s3": s3, "s4": s4}


@pytest.fixture
def round(schools):
    return make_round(schools.values(), target_rate=90, target_rank=2, min_valid_votes=30)


@pytest.fixture
def earlier_round(schools):
    """The round before ``round`` (call ``link(round, earlier_round)`` to make it so)."""
    return make_round(
        schools.values(),
        code="R2025",
        start=datetime.date(2025, 1, 1),
        end=datetime.date(2025, 12, 31),
        status="closed",
    )


@pytest.fixture
def give(round):
    """``give(unit, satisfied, basic, dissatisfied, excluded=0, on=(0,), round=round)``: votes on those indicators."""

    def set_counts(unit, satisfied=0, basic=0, dissatisfied=0, excluded=0, on=(0,), round=round):
        options = {o.category: o for o in Option.objects.filter(scale=round.scale)}
        indicators = round.ordered_indicators()
        values = {"satisfied": satisfied, "basic": basic, "dissatisfied": dissatisfied, "excluded": excluded}
        ReportedCount.objects.bulk_create(
            ReportedCount(round=round, unit=unit, indicator=indicators[i], option=options[category], count=n)
            for i in on
            for category, n in values.items()
            if n
        )

    return set_counts


@pytest.fixture
def counted(round, schools, give):
    """Four schools with rates 90, 80, 80 and 70 % (S1, S3, S4 in D1; S2 in D2): a tie at 80 %."""
    give(schools["s1"], 90, 0, 10)
    give(schools["s3"], 80, 0, 20)
    give(schools["s4"], 40, 0, 10)
    give(schools["s2"], 70, 0, 30)
    return round
