"""``import_file(name, path)``: run one import on a file, and what came of it, whatever the import."""

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.files import File

from imports.models import JobKind, JobStatus
from imports.services import import_job_create, import_job_run
from ledger.imports import read_concerns
from outreach.imports import read_households
from spreadsheets.problems import FileRefused
from surveys.models import Questionnaire
from tests.factories import make_round
from units.imports import import_units


@dataclass
class Outcome:
    accepted: bool
    problems: list[tuple] = field(default_factory=list)  # (row, column, reason)
    ignored: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)  # the first row's date and phone as stored

    @property
    def reasons(self) -> list[str]:
        return [reason for _row, _column, reason in self.problems]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def import_file(tree, users, django_capture_on_commit_callbacks):
    round = make_round([tree["s1"], tree["s2"]])
    staff = users["staff"]

    def results(path: Path, kind: str) -> Outcome:
        with path.open("rb") as handle:
            job = import_job_create(round=round, user=staff, upload=File(handle, name=path.name), file_name=path.name,
                                    kind=kind, queue=False)  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            job = import_job_run(job_id=job.pk)
        problems = [(e["row"], e["column"], e["reason"]) for e in job.errors]
        first = Questionnaire.objects.filter(round=round).order_by("id").first()
        values = {"date": first.date, "phone": first.phone} if first else {}
        return Outcome(job.status == JobStatus.SUCCEEDED, problems, job.ignored_columns, values)

    def rows(read, path: Path, date: str, phone: str) -> Outcome:
        found, ignored = read(path, tree["d1"], staff)
        return Outcome(True, [], ignored, {"date": getattr(found[0], date, None), "phone": getattr(found[0], phone)})

    def units(path: Path) -> Outcome:
        result = import_units(path)
        return Outcome(True, [], result.ignored, {})

    runners = {
        "units": units,
        "questionnaires": lambda path: results(path, JobKind.QUESTIONNAIRES),
        "counts": lambda path: results(path, JobKind.COUNTS),
        "concerns": lambda path: rows(read_concerns, path, "received_on", "raiser_phone"),
        "households": lambda path: rows(read_households, path, "date", "phone"),
    }

    def run(name: str, path: Path) -> Outcome:
        try:
            return runners[name](path)
        except FileRefused as refused:
            return Outcome(False, [(p.row, p.column, p.reason) for p in refused.problems.kept])

    return run
