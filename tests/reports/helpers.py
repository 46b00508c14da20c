"""Small helpers for the reports tests."""

from reports.ranking import ranking_for


def link(later, earlier) -> None:
    later.previous = earlier
    later.save(update_fields=["previous"])


def rank_of(round, scope="C", level="school", sort="overall"):
    return ranking_for(round, scope, level, sort)


def codes(ranking) -> list[str]:
    return [row.unit.code for row in ranking.rows]


def set_eager(value: bool) -> None:
    """Run tasks in-process (True) or send them to the broker (False).

    Celery looks up Django's ``CELERY_TASK_ALWAYS_EAGER`` before its own
    ``task_always_eager``: with REDIS_URL set the settings say False, and
    setting only ``task_always_eager`` would not take effect.
    """
    from config.celery import app

    app.conf.task_always_eager = value
    app.conf.CELERY_TASK_ALWAYS_EAGER = value
