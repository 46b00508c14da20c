"""Open-door activities (开门办教育): the rules of what a unit must hold, and what it held."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledger.models import Concern
from units.models import Unit, UnitKind
from units.paths import subtree_q


class ActivityKind(models.TextChoices):
    RECEPTION_DAY = "reception_day", _("Principal's reception day")
    OPEN_DAY = "open_day", _("School open day")
    PARENT_MEETING = "parent_meeting", _("Parent meeting")
    PARENT_COMMITTEE = "parent_committee", _("Parent-committee meeting")
    SUPERVISORS = "supervisors", _("Community supervisors appointed")
    PUBLICITY = "publicity", _("Publicity event")
    OTHER = "other", _("Other open-door activity")


class Schedule(models.TextChoices):
    MONTHLY = "monthly", _("Once a month, on the first given weekday")
    TERM = "term", _("A number per term")
    PHASE = "phase", _("A number between two dates (a phase)")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")


class ActivityRule(models.Model):
    """What every unit of one kind in a subtree must hold: a reception day each month, 2 parent meetings a term, ...

    Where rules for the same activity, schedule and name are set at several levels, the one nearest the unit wins.
    """

    under = models.ForeignKey(Unit, verbose_name=_("applies under"), on_delete=models.CASCADE, related_name="+")
    unit_kind = models.CharField(_("unit kind"), max_length=16, choices=UnitKind.choices)
    kind = models.CharField(_("activity"), max_length=20, choices=ActivityKind.choices)
    schedule = models.CharField(_("schedule"), max_length=8, choices=Schedule.choices)
    name = models.CharField(_("name"), max_length=60, blank=True, help_text=_("For a phase: 宣传发动阶段, …"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices, null=True, blank=True)
    count = models.PositiveSmallIntegerField(_("how many"), default=1)
    counts_people = models.BooleanField(
        _("count people, not activities"),
        default=False,
        help_text=_("For appointments: 10 community supervisors is 10 people, in one activity or several."),
    )
    starts_on = models.DateField(_("phase starts on"), null=True, blank=True)
    ends_on = models.DateField(_("phase ends on"), null=True, blank=True)

    class Meta:
        verbose_name = _("open-door rule")
        verbose_name_plural = _("open-door rules")
        ordering = ["under__path", "unit_kind", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(schedule="monthly") | Q(weekday__isnull=False),
                name="monthly_rule_has_weekday",
                violation_error_message=_("A monthly activity needs its weekday."),
            ),
            models.CheckConstraint(
                condition=~Q(schedule="phase")
                | Q(starts_on__isnull=False, ends_on__isnull=False, ends_on__gte=models.F("starts_on")),
                name="phase_rule_has_dates",
                violation_error_message=_(
                    "A phase needs the dates it starts and ends on, the end not before the start."
                ),
            ),
            models.CheckConstraint(
                condition=Q(count__gte=1),
                name="rule_requires_at_least_one",
                violation_error_message=_("A rule asks for at least one."),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.get_kind_display()} · {self.name}" if self.name else str(self.get_kind_display())


class ActivityQuerySet(models.QuerySet):
    def under(self, unit: Unit) -> "ActivityQuerySet":
        return self.filter(subtree_q(unit.path, "unit__path"))


class Activity(models.Model):
    """One activity a unit held: when, who attended, how many came, and the opinions raised."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="activities")
    kind = models.CharField(_("activity"), max_length=20, choices=ActivityKind.choices)
    held_on = models.DateField(_("held on"))
    attended_by = models.CharField(
        _("who attended"), max_length=200, blank=True, help_text=_("The leaders and staff present.")
    )
    participants = models.PositiveIntegerField(
        _("how many"), default=0, help_text=_("People who came, or supervisors appointed.")
    )
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("open-door activity")
        verbose_name_plural = _("open-door activities")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["unit", "held_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on.isoformat()}"


class Opinion(models.Model):
    """An opinion raised at an activity; it may become a concern of the ledger."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="opinions")
    text = models.TextField(_("opinion"))
    concern = models.OneToOneField(
        Concern, verbose_name=_("concern"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        ordering = ["activity", "id"]

    def __str__(self) -> str:
        return self.text[:40]
