"""The database connection dropped in the middle of a questionnaire save: an error page and nothing written."""

import pytest
from django.db import connection

from surveys import writing
from surveys.models import Answer, Questionnaire, ResultChange
from surveys.tallies import tally_mismatches
from tests.surveys.test_views_entry import entry_url, form_data
from tests.workers import needs_postgresql


@pytest.fixture
def connection_dropped_mid_save(monkeypatch):
    """The server ends the request's connection after the questionnaire and its answers are written, before the
    tallies (``pg_terminate_backend`` from a second connection, as a restarted or failed-over server would)."""
    write_tallies = writing.tally_add

    def terminate_then_write(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        other = connection.copy()
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            other.close()
        write_tallies(*args, **kwargs)

    monkeypatch.setattr(writing, "tally_add", terminate_then_write)


@needs_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_save_whose_connection_drops_shows_the_error_page_and_writes_nothing(
    client_for, users, round, tree, connection_dropped_mid_save
):
    client = client_for(users["staff"])
    client.raise_request_exception = False  # what a user gets: the 500 page
    response = client.post(entry_url(round), form_data(round, tree["s1"], {0: 1, 1: 3}, number="A-001"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "terminating connection" not in page and "Traceback" not in page  # nothing of the failure is shown
    connection.close()  # the dropped connection; the next query opens a new one
    assert not Questionnaire.objects.exists()
    assert not Answer.objects.exists()
    assert not ResultChange.objects.exists()
    assert tally_mismatches(round.id) == []
