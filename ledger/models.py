"""The ledger of public concerns (热点难点问题台账): each concern, its steps and the reminders it raises."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from surveys.models import BilingualName, Indicator
from units.accounts import person_name
from units.models import GroupMember, Unit
from units.paths import subtree_q
from units.permissions import Action, filter_by_unit, own


class CategoryOfConcern(BilingualName):
    """What a concern is about (有偿家教, 体罚, ...); administrators add more in the admin."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=50, blank=True)
    default_days = models.PositiveSmallIntegerField(
        _("default deadline (working days)"), default=5, help_text=_("0 means solved on the spot.")
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("usual indicator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The indicator a concern of this category usually bears on."),
    )
    order = models.IntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category of concern")
        verbose_name_plural = _("categories of concern")
        ordering = ["order", "id"]


class Source(models.TextChoices):
    RECEPTION_DAY = "reception_day", _("Principal's reception day")
    OPEN_DAY = "open_day", _("School open day")
    VISIT = "visit", _("Visit")
    HOTLINE = "hotline", _("Phone / 12345 hotline")
    LETTER = "letter", _("Letter")
    SUPERVISOR = "supervisor", _("Community supervisor")
    PARENT_COMMITTEE = "parent_committee", _("Parent committee")
    SURVEY_COMMENT = "survey_comment", _("Survey comment")
    QUESTIONNAIRE = "questionnaire", _("Dissatisfied questionnaire")
    OPEN_DOOR = "open_door", _("Open-door activity")
    OTHER = "other", _("Other")


class ConcernStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned")
    FIXING = "fixing", _("Being fixed")
    AWAITING_CHECK = "awaiting_check", _("Waiting for check")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


FINAL_STATUSES = (ConcernStatus.CLOSED, ConcernStatus.WITHDRAWN)


class ConcernQuerySet(models.QuerySet):
    def under(self, unit: Unit) -> "ConcernQuerySet":
        return self.filter(subtree_q(unit.path, "unit__path"))

    def visible_to(self, user) -> "ConcernQuerySet":
        """Concerns in the user's subtrees, and those the user is responsible for wherever they are."""
        return filter_by_unit(self, user, Action.VIEW) | self.of_person(user)

    def of_person(self, user) -> "ConcernQuerySet":
        """Concerns whose responsible person is ``user``, directly or through their group membership."""
        return own(self, user, "responsible_user", "responsible_member__user")

    def open(self) -> "ConcernQuerySet":
        return self.exclude(status__in=FINAL_STATUSES)

    def overdue(self, today: datetime.date) -> "ConcernQuerySet":
        return self.open().filter(deadline__lt=today)

    def due_between(self, first: datetime.date, last: datetime.date) -> "ConcernQuerySet":
        return self.open().filter(deadline__gte=first, deadline__lte=last)

    def filtered(self, filters: dict, today: datetime.date) -> "ConcernQuerySet":
        """Apply the filters of a ledger page (see ``LedgerFilterForm``)."""
        concerns = self
        for name in ("status", "category", "indicator"):
            if name in filters:
                concerns = concerns.filter(**{name: filters[name]})
        person = filters.get("person", "")
        if person.startswith("u:") and person[2:].isdigit():
            concerns = concerns.filter(responsible_user_id=int(person[2:]))
        elif person.startswith("m:") and person[2:].isdigit():
            concerns = concerns.filter(responsible_member_id=int(person[2:]))
        if filters.get("overdue"):
            concerns = concerns.overdue(today)
        return concerns

    def for_listing(self) -> "ConcernQuerySet":
        return self.select_related("unit", "category", "indicator", "responsible_user", "responsible_member").order_by(
            "-received_on", "-id"
        )


class Concern(models.Model):
    """A complaint or suggestion heard from a parent or resident, followed until it is fixed and checked."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="concerns")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    category = models.ForeignKey(
        CategoryOfConcern, verbose_name=_("category"), on_delete=models.PROTECT, related_name="concerns"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raiser_name = models.CharField(
        _("raised by"), max_length=50, blank=True, help_text=_("Leave empty if the person wishes to stay anonymous.")
    )
    raiser_phone = models.CharField(_("phone"), max_length=20, blank=True)
    text = models.TextField(_("what was said"))
    received_on = models.DateField(_("received on"))
    status = models.CharField(_("status"), max_length=16, choices=ConcernStatus.choices, default=ConcernStatus.RECEIVED)
    # The responsible person is either a user account or a leadership group member (who may have no account).
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_member = models.ForeignKey(
        GroupMember,
        verbose_name=_("responsible group member"),
        null=True,
        blank=True,
        # A member removed from the group leaves the concern unassigned; the steps keep the name.
        on_delete=models.SET_NULL,
        related_name="concerns",
    )
    deadline = models.DateField(_("deadline"))
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConcernQuerySet.as_manager()

    class Meta:
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["status", "deadline"]), models.Index(fields=["unit", "received_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gte=models.F("received_on")), name="deadline_after_receipt"),
            models.CheckConstraint(
                condition=Q(responsible_user__isnull=True) | Q(responsible_member__isnull=True),
                name="one_kind_of_responsible_person",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_anonymous(self) -> bool:
        return not self.raiser_name.strip()

    @property
    def responsible_name(self) -> str:
        if self.responsible_member_id:
            return self.responsible_member.display_name
        if self.responsible_user_id:
            return person_name(self.responsible_user)
        return ""

    @property
    def responsible_key(self) -> str:
        """The value that names the responsible person in forms and filters: ``u:<id>`` or ``m:<id>``."""
        if self.responsible_member_id:
            return f"m:{self.responsible_member_id}"
        return f"u:{self.responsible_user_id}" if self.responsible_user_id else ""

    def responsible_account_id(self) -> int | None:
        """The user account of the responsible person, if they have one."""
        if self.responsible_member_id:
            return self.responsible_member.user_id
        return self.responsible_user_id

    def is_overdue(self, today: datetime.date) -> bool:
        return not self.is_final and self.deadline < today

    @property
    def solved_on_time(self) -> bool | None:
        if self.status != ConcernStatus.CLOSED or self.closed_on is None:
            return None
        return self.closed_on <= self.deadline


class StepKind(models.TextChoices):
    CREATED = "created", _("Received")
    EDITED = "edited", _("Edited")
    ASSIGNED = "assigned", _("Assigned")
    STARTED = "started", _("Fixing started")
    SUBMITTED = "submitted", _("Fix reported, waiting for check")
    CHECK_PASSED = "check_passed", _("Check passed")
    CHECK_FAILED = "check_failed", _("Check failed")
    CALLED_BACK_SATISFIED = "callback_yes", _("Call-back: satisfied")
    CALLED_BACK_DISSATISFIED = "callback_no", _("Call-back: not satisfied")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    OVERDUE = "overdue", _("Marked overdue")


class ConcernStep(models.Model):
    """One step of a concern's history. Never edited or deleted."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField(_("when"), db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    kind = models.CharField(_("step"), max_length=16, choices=StepKind.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=ConcernStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=ConcernStatus.choices)
    text = models.TextField(_("text"), blank=True)
    # Facts of the step shown beside the text: {"responsible": name, "deadline": "2026-03-09", "fields": [...]}.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["concern", "at", "id"]

    def __str__(self) -> str:
        return f"{self.concern_id} {self.kind}"

    def facts(self) -> str:
        """The step's facts in the reader's language: responsible person, deadline, changed fields."""
        parts = []
        if self.detail.get("responsible"):
            parts.append(gettext("responsible: %(name)s") % {"name": self.detail["responsible"]})
        if self.detail.get("deadline"):
            parts.append(gettext("deadline: %(date)s") % {"date": self.detail["deadline"]})
        if self.detail.get("fields"):
            names = [str(Concern._meta.get_field(name).verbose_name) for name in self.detail["fields"]]
            parts.append(gettext("changed: %(fields)s") % {"fields": ", ".join(names)})
        if self.detail.get("activity"):
            parts.append(gettext("raised at open-door activity #%(pk)s") % {"pk": self.detail["activity"]})
        if self.detail.get("imported"):
            parts.append(gettext("imported from %(file)s") % {"file": self.detail["imported"]})
        return "; ".join(parts)


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    ESCALATED = "escalated", _("Overdue in your unit")


class ReminderQuerySet(models.QuerySet):
    def active_for(self, user) -> "ReminderQuerySet":
        """Reminders the user has not dismissed, of concerns still open."""
        return own(self, user).filter(dismissed_at__isnull=True).exclude(concern__status__in=FINAL_STATUSES)


class Reminder(models.Model):
    """A note to a person that a concern is due soon or overdue; one of each kind per person and concern."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="concern_reminders")
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=10, choices=ReminderKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "concern", "kind"], name="one_reminder_per_kind")]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.concern_id}"
