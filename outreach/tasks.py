"""Thin tasks of outreach: they take plain values and call a function (queued with transaction.on_commit)."""

from celery import shared_task

from outreach.opening import IdRanges, followups_open_in_ranges


@shared_task(name="outreach.open_followups")
def open_followups(ranges: IdRanges) -> int:
    return followups_open_in_ranges([tuple(r) for r in ranges])
