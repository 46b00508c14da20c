"""python manage.py import_results ROUND FILE [--counts] [--dry-run] [--user]: a summary, non-zero exit when refused."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from imports.models import ImportJob, JobStatus
from surveys.models import Questionnaire, ReportedCount
from tests.imports.conftest import COUNTS_HEADER, row, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The command speaks the active language; these tests read English."""
    with translation.override("en"):
        yield


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_results", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_file_is_imported_with_a_summary(round, tmp_path):
    out, _ = run(round.code, str(write_csv(tmp_path / "a.csv", [row("Q1"), row("Q2")])))
    assert "Succeeded; rows read 2, rows imported 2, errors 0." in out
    assert Questionnaire.objects.count() == 2
    assert ImportJob.objects.get().user is None


def test_a_refused_file_exits_non_zero_listing_the_errors(round, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [row("Q1", unit="S9"), row("Q2", answers=("极好",) * 6)])
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_results", round.code, str(path), stdout=io.StringIO(), stderr=err)
    # manage.py exits with the error's return code.
    assert refused.value.returncode == 1
    assert "The file was not imported (Refused): nothing was written." in str(refused.value)
    assert "row 2, column 单位编码, value 'S9': Unknown unit." in err.getvalue()
    assert "row 3, column 整体办学水平, value '极好': Not an option of the round's scale" in err.getvalue()
    assert not Questionnaire.objects.exists()


def test_dry_run_and_counts(round, tmp_path):
    path = write_csv(tmp_path / "c.csv", [["S1", "EDU1", 1, 2, 3, 4]], header=COUNTS_HEADER)
    out, _ = run(round.code, str(path), "--counts", "--dry-run")
    # A check says it was only a check, not that nothing was imported.
    assert "Check passed: 1 rows in all, nothing imported (check only)." in out
    assert not ReportedCount.objects.exists()
    run(round.code, str(path), "--counts")
    assert sorted(ReportedCount.objects.values_list("count", flat=True)) == [1, 2, 3, 4]
    with pytest.raises(CommandError, match="already imported"):
        run(round.code, str(path), "--counts")


def test_as_a_user_the_import_stays_within_their_units(round, tmp_path, users):
    path = write_csv(tmp_path / "a.csv", [row("Q1", unit="S2")])
    with pytest.raises(CommandError, match="not imported"):
        run(round.code, str(path), "--user", users["staff"].username)
    with pytest.raises(CommandError, match="may not enter results"):
        run(round.code, str(path), "--user", users["leader"].username)
    assert not Questionnaire.objects.exists()


def test_unknown_round_or_file(round, tmp_path):
    with pytest.raises(CommandError, match="No round"):
        run("NOPE", str(tmp_path / "a.csv"))
    with pytest.raises(CommandError, match="No file"):
        run(round.code, str(tmp_path / "missing.csv"))


def test_import_rerun_requeues_a_failed_job(round, tmp_path):
    run(round.code, str(write_csv(tmp_path / "a.csv", [row("Q1")])))
    job = ImportJob.objects.get()
    with pytest.raises(CommandError, match="Only a failed import"):
        call_command("import_rerun", str(job.pk), stdout=io.StringIO())
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    out = io.StringIO()
    call_command("import_rerun", str(job.pk), stdout=out)
    assert "queued again" in out.getvalue()
