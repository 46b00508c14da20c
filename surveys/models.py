"""Answer scales, indicators, survey rounds and the results entered for them.

Storage, chosen by measurement (docs/performance.md): every answer is a row
of ``Answer`` (round and unit copied onto it so that a recount is one
``GROUP BY`` without joins), and ``Tally`` keeps the per unit x indicator x
option counts of questionnaires up to date on every save, so that the
figures of a round read a few thousand rows instead of millions.
Counts delivered as totals live in ``ReportedCount``; figures add both.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from units.models import PeerDisclosure, Unit


class Category(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")
    EXCLUDED = "excluded", _("Excluded (don't know)")


class BilingualName(models.Model):
    """A name in Chinese with an English version for the English interface."""

    class Meta:
        abstract = True

    def label(self) -> str:
        english = getattr(self, "name_en", "")
        if english and (get_language() or "").startswith("en"):
            return english
        return self.name

    def __str__(self) -> str:
        return self.label()


class Scale(BilingualName):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("answer scale")
        verbose_name_plural = _("answer scales")


class Option(BilingualName):
    """One answer of a scale; ``number`` is what a clerk types (1, 2, 3, ...)."""

    scale = models.ForeignKey(Scale, verbose_name=_("answer scale"), on_delete=models.CASCADE, related_name="options")
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("label"), max_length=50)
    name_en = models.CharField(_("English label"), max_length=50, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["scale", "number"]
        constraints = [models.UniqueConstraint(fields=["scale", "number"], name="unique_option_number")]


class IndicatorSet(BilingualName):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("indicator set")
        verbose_name_plural = _("indicator sets")


class Indicator(BilingualName):
    indicator_set = models.ForeignKey(
        IndicatorSet, verbose_name=_("indicator set"), on_delete=models.PROTECT, related_name="indicators"
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    order = models.IntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["indicator_set", "order", "id"]


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class RoundQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RoundQuerySet":
        """Rounds in which at least one unit of the user's scope takes part."""
        from units.permissions import Action, unit_q

        return self.filter(unit_q(user, Action.VIEW, "participations__unit__")).distinct()


class Round(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    scale = models.ForeignKey(Scale, verbose_name=_("answer scale"), on_delete=models.PROTECT)
    indicators = models.ManyToManyField(Indicator, verbose_name=_("indicators"), through="RoundIndicator")
    # How the participating units were chosen (kept to explain and to copy the round).
    under = models.ForeignKey(
        Unit, verbose_name=_("units under"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kinds = models.CharField(_("unit kinds"), max_length=200, blank=True, help_text=_("Comma-separated unit kinds"))
    target_rate = models.DecimalField(_("target rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    target_rank = models.PositiveIntegerField(_("target rank"), null=True, blank=True)
    min_valid_votes = models.PositiveIntegerField(
        _("minimum valid votes"), default=30, help_text=_("Units with fewer valid votes are flagged in rankings.")
    )
    allow_repeat_phone = models.BooleanField(
        _("allow repeated phone numbers"), default=False, help_text=_("By default a phone may answer once per round.")
    )
    previous = models.ForeignKey(
        "self", verbose_name=_("previous round"), null=True, blank=True, on_delete=models.SET_NULL, related_name="next"
    )
    status = models.CharField(_("status"), max_length=8, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    # Official ranking notices (通报) name every peer; the administrator of the round's scope decides.
    peer_disclosure = models.CharField(
        _("peers shown to leaders"),
        max_length=10,
        choices=PeerDisclosure.choices,
        default=PeerDisclosure.NONE,
        help_text=_("Whether each unit's leaders see the rank and rates of its peers outside their units."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        ordering = ["-start", "code"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="round_end_after_start")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN

    def days_left(self, today) -> int | None:
        """Whole days of collection left after today (0 on the last day); None unless open and under way."""
        if not self.is_open or not self.start <= today <= self.end:
            return None
        return (self.end - today).days

    def ordered_indicators(self) -> list[Indicator]:
        return [ri.indicator for ri in self.round_indicators.select_related("indicator").order_by("order")]

    def has_results(self) -> bool:
        return self.questionnaires.exists() or self.reported_counts.filter(count__gt=0).exists()


class RoundIndicator(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="round_indicators")
    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT)
    order = models.IntegerField(_("order"), default=0)

    class Meta:
        ordering = ["round", "order"]
        constraints = [models.UniqueConstraint(fields=["round", "indicator"], name="unique_round_indicator")]


class Participation(models.Model):
    """A unit that takes part in a round (results are entered for it)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="participations")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="participations")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="unique_participation")]


class RespondentType(models.TextChoices):
    PARENT = "parent", _("Parent")
    STUDENT = "student", _("Student")
    TEACHER = "teacher", _("Teacher")
    RESIDENT = "resident", _("Resident")
    ENTERPRISE = "enterprise", _("Enterprise")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    PAPER = "paper", _("Paper")
    ONLINE = "online", _("Online")
    VISIT = "visit", _("Visit")


class Questionnaire(models.Model):
    # Few indexes on purpose: every one is paid for on each of a million imported rows.
    # (round, unit) serves the lookups by round; (round, phone) the duplicate-phone check.
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="questionnaires", db_index=False)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="questionnaires", db_index=False
    )
    respondent_type = models.CharField(_("respondent type"), max_length=12, choices=RespondentType.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    date = models.DateField(_("date"))
    number = models.CharField(_("questionnaire number"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    import_job = models.BigIntegerField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        indexes = [
            models.Index(fields=["round", "unit"]),
            models.Index(fields=["round", "phone"], condition=~Q(phone=""), name="questionnaire_round_phone"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "number"], condition=~Q(number=""), name="unique_questionnaire_number"
            )
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"


class Answer(models.Model):
    """One answer of a questionnaire: the record of what was said.

    Two indexes only (the key and one answer per indicator, which also serves
    lookups by questionnaire): figures read the tallies, never this table, and
    an index on (round, unit) cost 11 s of every 6,000,000 imported answers
    (docs/performance.md). A recount of a round is a parallel scan.
    """

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="answers", db_index=False)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+", db_index=False)
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+", db_index=False)
    option = models.ForeignKey(Option, on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["questionnaire", "indicator"], name="one_answer_per_indicator")]


class Tally(models.Model):
    """Maintained count of questionnaire answers per round x unit x indicator x option.

    Derived data: every key comes from an ``Answer`` row, whose foreign keys the
    database already checks, so the tally carries no constraints of its own
    (checking 24,000 keys at each rebuild's commit cost more than the rebuild).
    """

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="tallies", db_index=False, db_constraint=False
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "unit", "indicator", "option"], name="unique_tally"),
        ]


class PooledKey(models.Model):
    """(round, unit above, indicator, option): the key of a pooled row, derived data without constraints (as ``Tally``)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)

    class Meta:
        abstract = True


class PooledTally(PooledKey):
    """The tallies of every participating unit strictly below ``unit``, summed: one row per ancestor.

    A page ranking 1,000 districts reads their 35,000 pooled rows instead of
    the two million rows of their schools. The one writer appends each save's
    changes as ``PooledDelta`` rows in the transaction of the leaf ``Tally``,
    folded in here every minute (``surveys.tallies``); rebuilt and checked
    against a recount of the answers with it. Reported counts are not
    pooled here: they are read where they are (a figure adds them at read time).
    """

    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "unit", "indicator", "option"], name="unique_pooled_tally"),
        ]


class PooledDelta(PooledKey):
    """A change to a ``PooledTally`` row not folded in yet: appended by a save, folded by ``tally_fold``.

    Every answer of a district's schools changes the district's and the
    city's pooled rows; updated in each save's transaction, those rows made
    the answers of different schools wait for each other (35 % of backends
    waiting at 100 schools, ``docs/performance.md``). An insert waits for
    nobody. Figures read the pooled rows plus their pending deltas.
    """

    count = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["round", "unit"], name="pooled_delta_round_unit")]


class ReportedCount(models.Model):
    """Counts delivered as totals (by a survey firm or a higher office), per unit x indicator x option."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="reported_counts", db_index=False)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+", db_index=False)
    option = models.ForeignKey(Option, on_delete=models.PROTECT, related_name="+", db_index=False)
    count = models.PositiveIntegerField(_("count"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "unit", "indicator", "option"], name="unique_reported_count"),
        ]


class ChangeAction(models.TextChoices):
    CREATED = "created", _("Questionnaire created")
    EDITED = "edited", _("Questionnaire edited")
    DELETED = "deleted", _("Questionnaire deleted")
    COUNTS = "counts", _("Counts changed")
    IMPORTED = "imported", _("Results imported")
    OPENED = "opened", _("Round opened")
    CLOSED = "closed", _("Round closed")
    REOPENED = "reopened", _("Round reopened")


class ResultChange(models.Model):
    """The trail of every change to results: who, when, what. Never edited or deleted."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="changes")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=10, choices=ChangeAction.choices)
    questionnaire_id_ref = models.BigIntegerField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("change to results")
        verbose_name_plural = _("changes to results")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["round", "unit", "at"])]
