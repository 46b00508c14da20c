"""Backups: the check of a restored copy, and backup → restore into a scratch database → check (PostgreSQL)."""

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import dj_database_url
import pytest
from django.core.files import File
from django.core.management import CommandError, call_command
from django.db import connection

from backups.services import DUMP, MANIFEST, MEDIA, backup_check, table_counts, tally_checksum
from imports.services import import_job_create, import_job_run
from surveys.models import Answer
from tests.factories import make_round
from tests.imports.conftest import row, write_csv
from tests.workers import ROOT, database_url, needs_postgresql


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def imported(tree, users, tmp_path):
    """A round with three questionnaires imported from a file (rows, tallies and an upload in MEDIA_ROOT)."""
    round = make_round([tree["s1"], tree["s2"]])
    path = write_csv(tmp_path / "q.csv", [row("Q1"), row("Q2", who="学生"), row("Q3", answers=("不满意",) * 6)])
    with path.open("rb") as handle:
        job = import_job_create(round=round, user=users["staff"], upload=File(handle, name="q.csv"),
                                file_name="q.csv", kind="questionnaires", queue=False)  # fmt: skip
    import_job_run(job_id=job.pk)
    assert Answer.objects.count() == 18
    return round


def write_manifest(folder: Path, media_files: list[str]) -> None:
    """The manifest ``backup`` writes, without the dump (which needs PostgreSQL)."""
    manifest = {"tables": table_counts(), "tally_checksum": tally_checksum(), "media_files": media_files, "files": {}}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).write_text(json.dumps(manifest))


@pytest.mark.django_db
def test_check_passes_on_the_database_the_manifest_describes(imported, settings, tmp_path):
    uploads = [p.relative_to(settings.MEDIA_ROOT).as_posix() for p in Path(settings.MEDIA_ROOT).rglob("*.csv")]
    write_manifest(tmp_path / "backup", uploads)
    assert backup_check(tmp_path / "backup") == []


@pytest.mark.django_db
def test_check_names_a_lost_row_a_wrong_tally_and_a_missing_file(imported, tmp_path):
    write_manifest(tmp_path / "backup", ["imports/gone.csv"])
    Answer.objects.filter(pk=Answer.objects.order_by("pk").first().pk).delete()  # behind the tallies' back
    problems = backup_check(tmp_path / "backup")
    assert f"table {Answer._meta.db_table}: 17 rows, the backup had 18" in problems
    assert f"round {imported.code}: 1 tallies differ from a recount of the answers" in problems
    assert any(p.startswith("media: 1 files missing") and "imports/gone.csv" in p for p in problems)


@pytest.mark.django_db
def test_check_refuses_a_folder_without_a_manifest(tmp_path):
    with pytest.raises(CommandError, match="no manifest.json"):
        call_command("backup_check", str(tmp_path))


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite refusal")
@pytest.mark.django_db
def test_backup_refuses_sqlite_with_a_clear_message(tmp_path):
    with pytest.raises(CommandError, match="backups need PostgreSQL"):
        call_command("backup", str(tmp_path / "backup"))


def _pg(program: str, *args: str) -> subprocess.CompletedProcess:
    db = dj_database_url.parse(os.environ["DATABASE_URL"])
    options = [f"--host={db['HOST']}", f"--port={db['PORT'] or 5432}", f"--username={db['USER']}"]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return subprocess.run([program, *options, *args], env=env, capture_output=True, text=True, check=True)


def _check_restored(backup: Path, url: str, media: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(media)}
    command = [sys.executable, "manage.py", "backup_check", str(backup)]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)


@needs_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_restores_into_a_scratch_database_that_checks_whole(imported, tmp_path):
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    assert {DUMP, MEDIA, MANIFEST} <= {p.name for p in backup.iterdir()}
    # A scratch name of its own beside the configured database, so parallel runs on other databases never meet.
    scratch = dj_database_url.parse(os.environ["DATABASE_URL"])["NAME"] + "_restore_check"
    _pg("dropdb", "--if-exists", scratch)
    _pg("createdb", scratch)
    try:
        _pg("pg_restore", "--no-owner", f"--dbname={scratch}", str(backup / DUMP))
        media = tmp_path / "restored-media"
        media.mkdir()
        with tarfile.open(backup / MEDIA) as archive:
            archive.extractall(media, filter="data")
        done = _check_restored(backup, database_url(scratch), media)
        assert done.returncode == 0, done.stderr
        assert "matches the backup" in done.stdout

        _pg("psql", f"--dbname={scratch}", "-c", f"DELETE FROM {Answer._meta.db_table} WHERE id = (SELECT MIN(id) FROM {Answer._meta.db_table})")  # fmt: skip
        done = _check_restored(backup, database_url(scratch), media)
        assert done.returncode != 0
        assert f"table {Answer._meta.db_table}: 17 rows, the backup had 18" in done.stderr
        assert "tallies differ from a recount" in done.stderr
    finally:
        _pg("dropdb", "--if-exists", scratch)
