"""Thin tasks of the surveys app (the beat schedule is in config/settings.py)."""

from celery import shared_task

from surveys.tallies import tally_fold


@shared_task(name="surveys.fold_pooled")
def fold_pooled() -> int:
    """Every minute: fold the pooled deltas of every round into their pooled tallies."""
    return tally_fold()
