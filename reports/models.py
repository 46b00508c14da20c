"""Report jobs: an Excel workbook of a ranking, built in the background and kept for some days."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models import Round
from units.models import Unit, UnitKind
from units.permissions import own


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ReportJobQuerySet(models.QuerySet):
    def of_user(self, user) -> "ReportJobQuerySet":
        return own(self, user)

    def kept(self, now: datetime.datetime | None = None) -> "ReportJobQuerySet":
        """Jobs younger than ``MANYI_REPORT_KEEP_DAYS`` (older ones are purged)."""
        return self.filter(created_at__gte=keep_cutoff(now))

    def expired(self, now: datetime.datetime | None = None) -> "ReportJobQuerySet":
        return self.filter(created_at__lt=keep_cutoff(now))


def keep_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(days=settings.MANYI_REPORT_KEEP_DAYS)


class ReportJob(models.Model):
    """One request for a ranking workbook: who asked, for what, and how far it got."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="report_jobs"
    )
    round = models.ForeignKey(Round, verbose_name=_("survey round"), on_delete=models.CASCADE, related_name="+")
    scope = models.ForeignKey(Unit, verbose_name=_("scope"), on_delete=models.CASCADE, related_name="+")
    level = models.CharField(_("peers"), max_length=16, choices=UnitKind.choices)
    status = models.CharField(_("status"), max_length=8, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to="reports/", blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.round.code} · {self.scope.code} · {self.level}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ReportStatus.DONE, ReportStatus.FAILED)

    @property
    def download_name(self) -> str:
        return (
            f"排名_{self.round.code}_{self.scope.code}_{self.level}_{timezone.localtime(self.created_at):%Y%m%d}.xlsx"
        )
