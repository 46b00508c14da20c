"""The Celery app of the fault tests' worker subprocesses (``celery -A tests.fault_worker worker``).

With MANYI_FAULT_PAUSE_MARKER set, the worker stops in the middle of its task
(an import: its rows written, the transaction not yet committed; a report:
part of its sheets written), touches the marker and sleeps until it is killed.
"""

import os
import time
from pathlib import Path

from config.celery import app

MARKER = os.environ.get("MANYI_FAULT_PAUSE_MARKER")


def _pause() -> None:
    Path(MARKER).touch()
    time.sleep(3600)


if MARKER:
    import django

    django.setup()
    import imports.services
    import reports.services

    _add, _write_workbook = imports.services.questionnaires_add, reports.services.workbook_write

    def questionnaires_add_then_pause(**kwargs):
        ids = _add(**kwargs)
        _pause()
        return ids

    def workbook_write_pausing(ranking, path, progress):
        def report(percent: int) -> None:
            progress(percent)
            if percent >= 50:
                _pause()

        _write_workbook(ranking, path, progress=report)

    imports.services.questionnaires_add = questionnaires_add_then_pause
    reports.services.workbook_write = workbook_write_pausing

__all__ = ["app"]
