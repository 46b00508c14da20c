"""Thin tasks of outreach: they take plain values and call a function (queued with transaction.on_commit)."""

from celery import shared_task

from outreach.opening import IdRanges, follow_ups_open_in_ranges


@shared_task(name="outreach.open_follow_ups")
def open_follow_ups(ranges: IdRanges) -> int:
    return follow_ups_open_in_ranges([tuple(r) for r in ranges])
