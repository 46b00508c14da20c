"""Work with people between surveys: follow-ups of dissatisfied respondents, households to visit, visits."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.models import Concern
from surveys.models import Questionnaire, Round
from units.models import Unit
from units.paths import subtree_q
from units.permissions import Action, filter_by_unit, own

# ---------------------------------------------------------------- follow-ups of dissatisfied respondents


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SOLVED = "solved", _("Solved")
    DECLINED = "declined", _("Declined")


class FollowUpQuerySet(models.QuerySet):
    def under(self, unit: Unit) -> "FollowUpQuerySet":
        return self.filter(subtree_q(unit.path, "unit__path"))

    def visible_to(self, user) -> "FollowUpQuerySet":
        return filter_by_unit(self, user, Action.VIEW)

    def open(self) -> "FollowUpQuerySet":
        return self.filter(status=FollowUpStatus.OPEN)

    def not_contacted_since(self, day: datetime.date) -> "FollowUpQuerySet":
        """Open follow-ups with no call on or after ``day`` (seed 4: every week until solved)."""
        recent = FollowUpCall.objects.filter(follow_up=OuterRef("pk"), date__gte=day)
        return self.open().filter(~Exists(recent))

    def with_calls(self) -> "FollowUpQuerySet":
        return self.annotate(last_call=Max("calls__date"), call_count=models.Count("calls"))


class FollowUp(models.Model):
    """A respondent who answered "dissatisfied" and left a phone, followed until solved or declined.

    The questionnaire and its answers are never changed by a follow-up.
    """

    questionnaire = models.OneToOneField(
        Questionnaire, verbose_name=_("questionnaire"), on_delete=models.PROTECT, related_name="follow_up"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="follow_ups")
    round = models.ForeignKey(Round, verbose_name=_("survey round"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closing_note = models.TextField(_("closing note"), blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self) -> str:
        return f"#{self.pk}"


class CallMethod(models.TextChoices):
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Home visit")
    IN_PERSON = "in_person", _("Met in person")
    MESSAGE = "message", _("Message")


class FollowUpCall(models.Model):
    """One call to the respondent (or a visit, a message): when, by whom, how, what was said, the concern raised."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="calls")
    date = models.DateField(_("date"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("how"), max_length=10, choices=CallMethod.choices)
    notes = models.TextField(_("what was said"))
    concern = models.ForeignKey(
        Concern, verbose_name=_("concern raised"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up contact")
        verbose_name_plural = _("follow-up contacts")
        ordering = ["follow_up", "date", "id"]

    def __str__(self) -> str:
        return f"{self.follow_up_id} {self.date}"


# ---------------------------------------------------------------- households and visits (走访, 家访)


class HouseholdKind(models.TextChoices):
    TOP = "top", _("Top student")
    GIFTED = "gifted", _("Gifted student")
    POOR = "poor", _("Poor family")
    STRUGGLING = "struggling", _("Struggling student")
    LEFT_BEHIND = "left_behind", _("Left-behind child")
    SINGLE_PARENT = "single_parent", _("Single-parent family")
    KEY_HOUSEHOLD = "key_household", _("Key household")
    OTHER = "other", _("Other")


class HouseholdQuerySet(models.QuerySet):
    def under(self, unit: Unit) -> "HouseholdQuerySet":
        return self.filter(subtree_q(unit.path, "unit__path"))

    def visible_to(self, user) -> "HouseholdQuerySet":
        """Households in the user's subtrees, and those assigned to the user."""
        return filter_by_unit(self, user, Action.VIEW) | own(self, user, "assigned_to")

    def with_last_visit(self) -> "HouseholdQuerySet":
        return self.annotate(last_visit=Max("visits__date"))


class Household(models.Model):
    """A family or household that a staff member keeps in touch with and visits."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="households")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="households",
    )
    name = models.CharField(_("name"), max_length=50, help_text=_("The student, or the head of the household."))
    guardian = models.CharField(_("parent or guardian"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=HouseholdKind.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_on = models.DateField(_("listed on"), default=timezone.localdate)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["unit", "name", "id"]
        indexes = [models.Index(fields=["unit", "assigned_to"])]

    def __str__(self) -> str:
        return self.name


class VisitMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")


class PhoneCheck(models.TextChoices):
    YES = "yes", _("Checked, correct")
    NO = "no", _("Not checked")
    CHANGED = "changed", _("Changed")


class Visit(models.Model):
    household = models.ForeignKey(Household, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="visits")
    date = models.DateField(_("date"))
    method = models.CharField(_("how"), max_length=10, choices=VisitMethod.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(_("notes"))
    phone_check = models.CharField(_("phone number checked"), max_length=8, choices=PhoneCheck.choices)
    concerns = models.ManyToManyField(Concern, verbose_name=_("concerns raised"), blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["household", "date"])]

    def __str__(self) -> str:
        return f"{self.household} {self.date}"


class Period(models.TextChoices):
    WEEK = "week", _("Every week")
    MONTH = "month", _("Every month")
    TERM = "term", _("Every term")


class VisitRule(models.Model):
    """How many households each person keeps and how often they are visited; applies to the unit's subtree.

    Units without a rule of their own or above them use the defaults of seed 1
    (schools: cadres 20 households, staff 10, once a term) and seed 4 (towns and
    villages: every household monthly, key households weekly).
    """

    unit = models.OneToOneField(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="visit_rule")
    cadre_quota = models.PositiveSmallIntegerField(
        _("contacts per cadre"), default=20, help_text=_("Cadres are members of the unit's leadership group.")
    )
    staff_quota = models.PositiveSmallIntegerField(_("contacts per staff member"), default=10)
    period = models.CharField(_("visit each contact"), max_length=8, choices=Period.choices, default=Period.TERM)
    key_period = models.CharField(
        _("visit each key household"), max_length=8, choices=Period.choices, default=Period.TERM
    )

    class Meta:
        verbose_name = _("visit rule")
        verbose_name_plural = _("visit rules")

    def __str__(self) -> str:
        return str(self.unit)
