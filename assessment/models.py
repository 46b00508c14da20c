"""Assessment schemes (考核方案), their versions, published results, and the 通报 templates and jobs."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reports.models import ReportStatus
from surveys.models import Round
from units.models import Unit, UnitKind
from units.permissions import own


class Scheme(models.Model):
    """How the peers of ``level`` below ``scope`` are assessed in the rounds it is attached to.

    ``components`` is the current definition; every change is kept as a new
    ``SchemeVersion``, and a published result points at the version it used.
    """

    name = models.CharField(_("name"), max_length=100)
    scope = models.ForeignKey(Unit, verbose_name=_("scope"), on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("peers"), max_length=16, choices=UnitKind.choices)
    rounds = models.ManyToManyField(Round, verbose_name=_("survey rounds"), blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        ordering = ["scope__path", "level", "name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def current(self) -> "SchemeVersion | None":
        return self.versions.order_by("-number").first()


class SchemeVersion(models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    components = models.JSONField(_("components"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheme", "-number"]
        constraints = [models.UniqueConstraint(fields=["scheme", "number"], name="unique_scheme_version")]

    def __str__(self) -> str:
        return f"{self.scheme} v{self.number}"


class Result(models.Model):
    """A published assessment: the rows as they were computed, never recomputed."""

    version = models.ForeignKey(SchemeVersion, on_delete=models.PROTECT, related_name="results")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="+")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-id"]


class ResultRow(models.Model):
    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="rows")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=100)
    rank = models.PositiveIntegerField(null=True)
    rate = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    valid = models.PositiveIntegerField(default=0)
    rate_points = models.DecimalField(max_digits=8, decimal_places=2)
    rank_points = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    deductions = models.DecimalField(max_digits=8, decimal_places=2)
    other_points = models.DecimalField(max_digits=8, decimal_places=2)
    total = models.DecimalField(max_digits=8, decimal_places=2)
    below_target = models.BooleanField()
    parts = models.JSONField()

    class Meta:
        ordering = ["result", "position"]


class NoticeTemplate(models.Model):
    """A scope's own Word template for the 通报 (docxtpl placeholders, README "The ranking notice")."""

    scope = models.OneToOneField(Unit, verbose_name=_("scope"), on_delete=models.CASCADE, related_name="+")
    file = models.FileField(_("template"), upload_to="notice-templates/")
    office = models.CharField(_("issuing office"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now=True)


class NoticeJobQuerySet(models.QuerySet):
    def of_user(self, user) -> "NoticeJobQuerySet":
        return own(self, user)


class NoticeJob(models.Model):
    """One request for a 通报 (.docx), built in the background like the ranking workbook."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    scope = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=16, choices=UnitKind.choices)
    status = models.CharField(max_length=8, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    file = models.FileField(upload_to="notices/", blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = NoticeJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def is_finished(self) -> bool:
        return self.status in (ReportStatus.DONE, ReportStatus.FAILED)

    @property
    def download_name(self) -> str:
        return f"通报_{self.round.code}_{self.scope.code}_{self.level}.docx"
