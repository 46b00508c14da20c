"""Reading replicas: figure pages read from the ``replica`` alias when one is configured, writes never do.

The test database has a ``replica`` alias mirroring it (``TEST["MIRROR"]``);
the tests commit their data (``transaction=True``) so that the replica's
own connection sees it, as a streaming replica would.
"""

import importlib.util
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.routers import REPLICA, read_alias, replica_reads
from surveys.models import Option, ReportedCount, Round
from tests.factories import make_round

both = pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", REPLICA])


@pytest.fixture
def replica_on(settings):
    settings.MANYI_READ_REPLICA = True


@both
def test_reads_go_to_the_replica_only_inside_replica_reads(replica_on, tree):
    make_round([tree["s1"]])
    assert Round.objects.all().db == "default"
    with replica_reads():
        assert read_alias() == REPLICA
        assert Round.objects.all().db == REPLICA
        assert Round.objects.count() == 1
        round = Round.objects.get()
        round.name = "改名"
        round.save()  # a write inside the block still goes to the primary
    assert Round.objects.using("default").get().name == "改名"


@both
def test_without_a_replica_everything_stays_on_the_primary(settings, tree):
    settings.MANYI_READ_REPLICA = False
    with replica_reads():
        assert read_alias() == "default"
        assert Round.objects.all().db == "default"


@both
def test_the_ranking_page_and_its_api_read_the_figures_from_the_replica(replica_on, client_for, users, tree):
    round = make_round([tree["s1"], tree["s2"]])
    satisfied = Option.objects.get(scale=round.scale, number=1)
    ReportedCount.objects.create(
        round=round, unit=tree["s1"], indicator=round.ordered_indicators()[0], option=satisfied, count=9
    )
    client = client_for(users["superuser"])
    with (
        CaptureQueriesContext(connections[REPLICA]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        page = client.get(reverse("reports:ranking", args=[round.code]), {"scope": "C", "level": "school"})
        api = client.get(reverse("reports:api_ranking", args=[round.code]), {"scope": "C", "level": "school"})
    assert page.status_code == 200 and api.status_code == 200
    assert api.json()["rows"][0]["overall"]["satisfied"] == 9
    figure_reads = [q["sql"] for q in replica.captured_queries if "surveys_reportedcount" in q["sql"]]
    assert len(figure_reads) == 2
    assert not any("surveys_reportedcount" in q["sql"] for q in primary.captured_queries)


def test_database_replica_url_adds_the_replica_alias(monkeypatch, tmp_path):
    monkeypatch.setenv("MANYI_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://manyi@primary:5432/manyi")
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://reader@standby:5432/manyi")
    spec = importlib.util.spec_from_file_location("settings_probe", Path(settings.BASE_DIR) / "config" / "settings.py")
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    assert loaded.MANYI_READ_REPLICA is True
    assert loaded.DATABASES["replica"]["HOST"] == "standby" and loaded.DATABASES["replica"]["USER"] == "reader"
    assert loaded.DATABASES["replica"]["TEST"] == {"MIRROR": "default"}
    assert loaded.DATABASES["default"]["HOST"] == "primary"
