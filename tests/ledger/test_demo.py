"""The demo ledger and outreach data: built on the demo city, idempotent."""

import pytest

import ledger.demo
import outreach.demo
import units.demo
from ledger.models import Concern, ConcernStatus

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_fill_every_state_and_run_twice_without_change():
    units.demo.seed()
    first = ledger.demo.seed()
    assert first["created"] == first["concerns"] == ledger.demo.CONCERNS
    assert set(first["by_status"]) == set(ConcernStatus.values) and first["overdue"] > 0
    visits = outreach.demo.seed()
    assert visits["households"] > 100 and visits["visits"] > 100 and visits["follow_ups"] == 0
    again = ledger.demo.seed()
    assert again["created"] == 0 and again["concerns"] == Concern.objects.count()
    assert outreach.demo.seed() == visits


def test_the_demo_seeds_do_nothing_without_the_demo_city():
    assert ledger.demo.seed()["concerns"] == 0
    assert outreach.demo.seed()["households"] == 0
