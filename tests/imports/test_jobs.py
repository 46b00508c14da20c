"""Jobs: an error in the middle writes nothing; a dead worker's job shows as failed and runs again."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files import File

from imports.models import ImportJob, JobStatus
from imports.services import import_job_create, import_job_refresh, import_job_rerun, import_job_run
from imports.tasks import run_import
from outreach.models import FollowUp
from surveys import writing
from surveys.models import Answer, Questionnaire, ResultChange, Tally
from surveys.tallies import tally_mismatches
from tests.imports.conftest import reasons, row, write_csv

pytestmark = pytest.mark.django_db

ROWS = [row("Q1", phone="13800000001", answers=("不满意",) * 6), row("Q2", phone="13800000002")]


@pytest.fixture
def queued_job(round, tmp_path, users):
    path = write_csv(tmp_path / "a.csv", ROWS)
    with path.open("rb") as handle:
        return import_job_create(round=round, user=users["staff"], upload=File(handle, name="a.csv"),
                                 file_name="a.csv", kind="questionnaires", queue=False)  # fmt: skip


def assert_nothing_written() -> None:
    assert not Questionnaire.objects.exists()
    assert not Answer.objects.exists()
    assert not Tally.objects.filter(count__gt=0).exists()
    assert not ResultChange.objects.exists()


def test_an_error_in_the_middle_of_writing_leaves_nothing_and_the_job_failed(queued_job, monkeypatch, round):
    def broken(round_id, deltas):
        # Questionnaires and answers are written by now; the tallies are not.
        assert Questionnaire.objects.count() == 2
        raise RuntimeError("the database went away")

    monkeypatch.setattr(writing, "tally_add", broken)
    job = import_job_run(job_id=queued_job.pk)
    assert job.status == JobStatus.FAILED
    assert reasons(job) == [(None, None, "crashed")]
    assert_nothing_written()
    # Once the cause is gone, the same job runs again and imports the file once.
    monkeypatch.undo()
    import_job_rerun(job=job, queue=False)
    job = import_job_run(job_id=job.pk)
    assert (job.status, job.rows_imported) == (JobStatus.SUCCEEDED, 2)
    assert tally_mismatches(round.id) == []


def test_a_job_left_running_by_a_dead_worker_shows_as_failed_and_runs_again(queued_job):
    ImportJob.objects.filter(pk=queued_job.pk).update(status=JobStatus.RUNNING, progress=40)
    job = import_job_refresh(ImportJob.objects.get(pk=queued_job.pk))
    assert job.status == JobStatus.FAILED
    assert reasons(job) == [(None, None, "worker_stopped")]
    import_job_rerun(job=job, queue=False)
    assert import_job_run(job_id=job.pk).status == JobStatus.SUCCEEDED


def test_a_redelivered_task_reruns_a_job_left_running(queued_job):
    """acks_late: the broker hands the task to another worker, which finds the job still "running"."""
    ImportJob.objects.filter(pk=queued_job.pk).update(status=JobStatus.RUNNING)
    run_import.delay(queued_job.pk)
    job = ImportJob.objects.get(pk=queued_job.pk)
    assert (job.status, job.rows_imported) == (JobStatus.SUCCEEDED, 2)


def test_a_finished_job_delivered_twice_is_not_imported_twice(queued_job):
    import_job_run(job_id=queued_job.pk)
    run_import.delay(queued_job.pk)
    assert Questionnaire.objects.count() == 2
    with pytest.raises(ValidationError):
        import_job_rerun(job=queued_job, queue=False)


def test_a_job_running_in_this_process_is_not_taken_for_dead(queued_job, monkeypatch):
    seen = {}

    def spy(*args, **kwargs):
        seen["status"] = import_job_refresh(ImportJob.objects.get(pk=queued_job.pk)).status
        return {}

    monkeypatch.setattr(writing, "tally_deltas", spy)
    import_job_run(job_id=queued_job.pk)
    assert seen["status"] == JobStatus.RUNNING


def test_follow_ups_are_opened_for_imported_dissatisfied_answers(round, run_import, tmp_path):
    job = run_import(round, write_csv(tmp_path / "a.csv", ROWS))
    assert job.status == JobStatus.SUCCEEDED
    assert list(FollowUp.objects.values_list("questionnaire__number", flat=True)) == ["Q1"]


def test_a_number_saved_by_a_clerk_while_the_file_was_checked_refuses_it(queued_job, monkeypatch, round, tree,
                                                                         options, users):  # fmt: skip
    import datetime

    import imports.services
    from surveys.services import QuestionnaireData, questionnaire_create

    def clerk_first(**kwargs):
        data = QuestionnaireData(unit=tree["s1"], respondent_type="parent", channel="paper",
                                 date=datetime.date(2026, 5, 1), number="Q2",
                                 answers={round.ordered_indicators()[0].id: options[1].id})  # fmt: skip
        questionnaire_create(round=round, data=data, user=users["staff"])
        return writing.questionnaires_add(**kwargs)

    monkeypatch.setattr(imports.services, "questionnaires_add", clerk_first)
    job = import_job_run(job_id=queued_job.pk)
    assert reasons(job) == [(None, "问卷编号", "duplicate_number_in_round")]
    assert not Questionnaire.objects.filter(import_job=job.pk).exists()
