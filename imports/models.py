"""Import jobs: one uploaded file of questionnaires or counts, validated as a whole and written all or nothing."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.models import Round
from units.permissions import jobs_for


class JobKind(models.TextChoices):
    QUESTIONNAIRES = "questionnaires", _("Questionnaires")
    COUNTS = "counts", _("Counts")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")  # stopped by an error or a dead worker: nothing written, may be run again
    REFUSED = "refused", _("Refused")  # the file is invalid: nothing written


FINISHED = {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.REFUSED}


def upload_path(job: "ImportJob", file_name: str) -> str:
    # The stored name is random: the user's file name is kept in ``file_name`` only.
    return f"imports/{uuid.uuid4().hex}{PurePath(file_name).suffix.lower()}"


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ImportJobQuerySet":
        return jobs_for(self, user)


class ImportJob(models.Model):
    round = models.ForeignKey(
        Round, verbose_name=_("survey round"), on_delete=models.CASCADE, related_name="import_jobs"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=JobKind.choices)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    file = models.FileField(_("file"), upload_to=upload_path, max_length=255)
    file_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    checksum = models.CharField(_("SHA-256 checksum"), max_length=64)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_imported = models.PositiveIntegerField(_("rows imported"), default=0)
    # Each error: {"row", "column", "value", "reason", "params"}; "reason" is a code of spreadsheets.problems.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("number of errors"), default=0)
    # Headers of the columns left out (序号, 备注), told to the user.
    ignored_columns = models.JSONField(_("columns ignored"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["round", "checksum"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def suffix(self) -> str:
        return PurePath(self.file.name or self.file_name).suffix.lower()
