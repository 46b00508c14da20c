import logging
import os
from datetime import timedelta

from celery import Celery, Task
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("manyi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)
# A job still queued this long after its request was most likely never sent (the broker was down then).
RESEND_AFTER = timedelta(minutes=10)


def send_job_after_commit(task: Task, job_id: int) -> None:
    """Queue ``task(job_id)`` once the transaction commits (the worker must see the job row).

    With the broker unreachable the job row stays "queued", which its page shows as waiting,
    instead of the request failing after the job was recorded.
    """

    def send() -> None:
        try:
            task.delay(job_id)
        except OperationalError:
            logger.warning("Broker unreachable: job %s of %s stays queued", job_id, task.name, exc_info=True)

    transaction.on_commit(send)


def resend_waiting(queued_jobs, task: Task, now=None) -> int:
    """Send ``task`` again for each of ``queued_jobs`` recorded more than RESEND_AFTER ago; how many were sent.

    For the beat schedule: a job left queued by a broker that was down goes once the broker is back. A job
    that only waited behind others is then sent twice, which is harmless: a run skips a finished job.
    """
    cutoff = (now or timezone.now()) - RESEND_AFTER
    sent = 0
    for job_id in queued_jobs.filter(created_at__lt=cutoff).values_list("pk", flat=True):
        try:
            task.delay(job_id)
        except OperationalError:
            logger.warning("Broker still unreachable: the jobs of %s stay queued", task.name)
            break
        sent += 1
    return sent
