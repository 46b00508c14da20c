"""Backups: a PostgreSQL dump, an archive of the media folder and a manifest to check a restored copy against.

The dump and the manifest's row counts and tally checksum are read from one
snapshot (``pg_dump --snapshot``), so a backup taken while clerks save still
agrees with its own manifest. Restoring is ``pg_restore`` and ``tar`` (README,
"Backups"); ``backup_check`` then compares the restored copy with the manifest
and recounts every round's tallies from the answers.
"""

import datetime
import hashlib
import json
import os
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from surveys.models import Round, Tally
from surveys.tallies import tally_mismatches

DUMP = "database.dump"
MEDIA = "media.tar.gz"
MANIFEST = "manifest.json"
FORMAT = 1  # version of the manifest's layout


class BackupError(Exception):
    """A backup that cannot be written (no PostgreSQL, pg_dump failed)."""


def backup_write(out_dir: Path) -> dict:
    """Write DUMP, MEDIA and MANIFEST into ``out_dir``; returns the manifest."""
    if connection.vendor != "postgresql":
        raise BackupError("backups need PostgreSQL (pg_dump); on SQLite copy the file under MANYI_VAR_DIR instead")
    out_dir.mkdir(parents=True, exist_ok=True)
    with transaction.atomic(), connection.cursor() as cursor:
        # The transaction must stay open while pg_dump reads the snapshot it exports.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        _dump(out_dir / DUMP, snapshot=cursor.fetchone()[0])
        tables, tallies = table_counts(), tally_checksum()
    manifest = {
        "format": FORMAT,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": connection.settings_dict["NAME"],
        "tables": tables,
        "tally_checksum": tallies,
        "media_files": _archive_media(out_dir / MEDIA),
    }
    manifest["files"] = {name: file_checksum(out_dir / name) for name in (DUMP, MEDIA)}
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return manifest


def _dump(path: Path, snapshot: str) -> None:
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or os.environ.get("PGPASSWORD", "")}
    command = ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={path}", f"--dbname={db['NAME']}"]
    command += [f"--{option}={db[key]}" for option, key in (("host", "HOST"), ("port", "PORT"), ("username", "USER"))
                if db.get(key)]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")


def _archive_media(path: Path) -> list[str]:
    """Archive MEDIA_ROOT (uploads, generated reports); returns the archived paths, relative to it."""
    root = Path(settings.MEDIA_ROOT)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
    with tarfile.open(path, "w:gz") as archive:
        for name in files:
            archive.add(root / name, arcname=name)
    return files


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def table_counts() -> dict[str, int]:
    """Rows of every table of the database, by table name."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def tally_checksum() -> str:
    """SHA-256 of every non-zero tally (round, unit, indicator, option, count) in key order."""
    digest = hashlib.sha256()
    rows = Tally.objects.filter(count__gt=0).order_by("round_id", "unit_id", "indicator_id", "option_id")
    for row in rows.values_list("round_id", "unit_id", "indicator_id", "option_id", "count").iterator(chunk_size=10000):
        digest.update((",".join(map(str, row)) + "\n").encode())
    return digest.hexdigest()


def backup_check(backup_dir: Path) -> list[str]:
    """What differs between the database (a restored copy) and the backup's manifest; empty when it is whole."""
    manifest = json.loads((backup_dir / MANIFEST).read_text(encoding="utf-8"))
    problems = [
        f"{name}: checksum differs from the manifest (the file is damaged)"
        for name, checksum in manifest["files"].items()
        if not (backup_dir / name).is_file() or file_checksum(backup_dir / name) != checksum
    ]
    counts = table_counts()
    problems += [
        f"table {table}: {counts.get(table, 'missing')} rows, the backup had {rows}"
        for table, rows in manifest["tables"].items()
        if counts.get(table) != rows
    ]
    if tally_checksum() != manifest["tally_checksum"]:
        problems.append("tallies: checksum differs from the backup's")
    for round in Round.objects.order_by("code"):
        mismatches = tally_mismatches(round.id)
        if mismatches:
            problems.append(f"round {round.code}: {len(mismatches)} tallies differ from a recount of the answers")
    media = Path(settings.MEDIA_ROOT)
    missing = [name for name in manifest["media_files"] if not (media / name).is_file()]
    if missing:
        problems.append(f"media: {len(missing)} files missing under {media}, e.g. {missing[0]}")
    return problems
