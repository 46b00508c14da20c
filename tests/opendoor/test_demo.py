"""The demo open-door data: the plans' rules on the demo city and a term of activities for a few schools."""

import pytest
from django.utils import timezone

import opendoor.demo
import units.demo
from opendoor.coverage import activity_coverage
from outreach.periods import period_start
from units.models import Unit

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_rules_and_uneven_activities_once():
    units.demo.seed()
    first = opendoor.demo.seed()
    assert first["rules"] == len(opendoor.demo.RULES) and first["activities"] > 0
    assert opendoor.demo.seed() == first
    today = timezone.localdate()
    schools = list(Unit.objects.filter(code__in=["LY01-S01", "LY03-S03"]).order_by("code"))
    coverage = activity_coverage(units=schools, first=period_start(today, "term"), last=today)
    busy, lagging = (coverage[s.pk] for s in schools)
    assert busy.required == lagging.required > 0
    assert busy.held > lagging.held


def test_the_demo_does_nothing_without_the_demo_city():
    assert opendoor.demo.seed() == {"rules": 0, "activities": 0}
