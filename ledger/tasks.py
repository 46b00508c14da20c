"""Background work of the ledger; each task only calls a function of ``ledger.services``."""

from celery import shared_task

from ledger.services import mark_overdue


@shared_task(name="ledger.mark_overdue")
def mark_overdue_task() -> dict[str, int]:
    """Daily (CELERY_BEAT_SCHEDULE): mark concerns past their deadline and write reminders."""
    return mark_overdue()
