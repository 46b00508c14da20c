"""Sample plans, call lists, call attempts and verification call-backs of a survey round.

A number's final disposition is kept on the number (``CallNumber.disposition``),
set by the one function that records attempts, so that the response rates of a
round are one ``GROUP BY`` over the numbers drawn instead of a pass over every
attempt (docs/performance.md).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sampling import maths
from surveys.models import Channel, RespondentType, Round
from units.models import Unit


class SamplePlan(models.Model):
    """The settings of a round's sample, phone interviews and verification call-backs."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="sample_plan")
    margin = models.DecimalField(_("margin of error (points)"), max_digits=4, decimal_places=2, default=3)
    confidence = models.PositiveSmallIntegerField(
        _("confidence level (%)"), choices=[(90, "90 %"), (95, "95 %"), (99, "99 %")], default=95
    )
    quotas = models.JSONField(_("quotas by respondent type"), default=dict, blank=True)  # type -> share in %
    max_attempts = models.PositiveSmallIntegerField(_("attempts per number at most"), default=5)
    retry_hours = models.PositiveSmallIntegerField(
        _("hours before a number not reached is called again"), default=2,
        validators=[MinValueValidator(1), MaxValueValidator(72)],
    )  # fmt: skip
    verify_share = models.DecimalField(_("share verified (%)"), max_digits=5, decimal_places=2, default=5)
    verify_minimum = models.PositiveSmallIntegerField(_("verified per unit at least"), default=5)
    doubtful_rate = models.DecimalField(
        _("discrepancy rate flagged as doubtful (%)"), max_digits=5, decimal_places=2, default=10
    )

    class Meta:
        verbose_name = _("sample plan")
        verbose_name_plural = _("sample plans")


class UnitPopulation(models.Model):
    """The population a unit's sample is drawn from (students, households), for the finite-population correction."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    population = models.PositiveIntegerField(_("population"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="one_population_per_unit")]


class AttemptResult(models.TextChoices):
    COMPLETE = "complete", _("Completed")
    PARTIAL = "partial", _("Partly completed")
    REFUSED = "refused", _("Refused")
    HUNG_UP = "hung_up", _("Hung up midway")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    SWITCHED_OFF = "off", _("Switched off")
    CALL_BACK = "call_back", _("Call back by appointment")
    LANGUAGE = "language", _("Language barrier")
    OTHER = "other", _("Other")
    VACANT = "vacant", _("Vacant number")
    SUSPENDED = "suspended", _("Number suspended")
    NOT_TARGET = "not_target", _("Not in the target population")


# The Chinese labels survey firms write (import_calls), and the AAPOR category of each result.
RESULT_LABELS = {
    "完成": AttemptResult.COMPLETE, "部分完成": AttemptResult.PARTIAL, "拒访": AttemptResult.REFUSED,
    "中途挂断": AttemptResult.HUNG_UP, "无人接听": AttemptResult.NO_ANSWER, "占线": AttemptResult.BUSY,
    "关机": AttemptResult.SWITCHED_OFF, "预约回拨": AttemptResult.CALL_BACK, "语言不通": AttemptResult.LANGUAGE,
    "其他": AttemptResult.OTHER, "空号": AttemptResult.VACANT, "停机": AttemptResult.SUSPENDED,
    "非目标人群": AttemptResult.NOT_TARGET,
}  # fmt: skip
CATEGORY = {
    AttemptResult.COMPLETE: maths.COMPLETE,
    AttemptResult.PARTIAL: maths.PARTIAL,
    AttemptResult.REFUSED: maths.REFUSAL,
    AttemptResult.HUNG_UP: maths.REFUSAL,
    AttemptResult.NO_ANSWER: maths.NON_CONTACT,
    AttemptResult.BUSY: maths.NON_CONTACT,
    AttemptResult.SWITCHED_OFF: maths.NON_CONTACT,
    AttemptResult.CALL_BACK: maths.NON_CONTACT,
    AttemptResult.LANGUAGE: maths.OTHER,
    AttemptResult.OTHER: maths.OTHER,
    AttemptResult.VACANT: maths.INELIGIBLE,
    AttemptResult.SUSPENDED: maths.INELIGIBLE,
    AttemptResult.NOT_TARGET: maths.INELIGIBLE,
}
# Results after which the number is not called again (the respondent was reached, or it is no number to call).
FINAL_RESULTS = {AttemptResult.COMPLETE, AttemptResult.REFUSED, AttemptResult.VACANT, AttemptResult.SUSPENDED,
                 AttemptResult.NOT_TARGET}  # fmt: skip


class CallDraw(models.Model):
    """One random draw of a round's call list: its seed makes it reproducible."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    seed = models.BigIntegerField()
    drawn = models.PositiveIntegerField(default=0)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    detail = models.JSONField(default=dict)  # the plan it followed: n and quotas per unit


class CallNumber(models.Model):
    """A phone of a round's call list; ``draw`` set when drawn into the sample, ``caller`` when assigned."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+", db_index=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_index=False)
    phone = models.CharField(_("phone"), max_length=20)
    respondent_type = models.CharField(_("respondent type"), max_length=12, choices=RespondentType.choices, blank=True)
    name = models.CharField(_("name"), max_length=50, blank=True)
    draw = models.ForeignKey(CallDraw, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_result = models.CharField(max_length=12, choices=AttemptResult.choices, blank=True)
    # The AAPOR category of the final disposition; "" while drawn and never dialled (UO).
    disposition = models.CharField(max_length=10, blank=True)
    last_called_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "phone"], name="one_call_number_per_round")]
        indexes = [models.Index(fields=["round", "unit"], name="callnumber_round_unit")]

    def is_drawn(self) -> bool:
        return self.draw_id is not None


class CallAttempt(models.Model):
    number = models.ForeignKey(CallNumber, on_delete=models.CASCADE, related_name="attempt_set")
    at = models.DateTimeField(_("called at"))
    result = models.CharField(_("result"), max_length=12, choices=AttemptResult.choices)
    caller = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    imported = models.BooleanField(default=False)
    # The questionnaire the interview of a reached respondent gave (kept as a plain id: a call-back may void it).
    questionnaire_ref = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["number", "at", "id"]


class CallReveal(models.Model):
    """A number shown whole to its caller: who, which, when (never edited)."""

    number = models.ForeignKey(CallNumber, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)


class VerificationResult(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    DIFFERENT = "different", _("Answers differ")
    NEVER_SURVEYED = "never", _("Never surveyed")
    UNREACHABLE = "unreachable", _("Unreachable")


class VerificationDraw(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    seed = models.BigIntegerField()
    share = models.DecimalField(max_digits=5, decimal_places=2)
    minimum = models.PositiveSmallIntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)


class Verification(models.Model):
    """A questionnaire drawn to be called back. What it was is copied here: a void removes the questionnaire."""

    draw = models.ForeignKey(VerificationDraw, on_delete=models.CASCADE, related_name="items")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    questionnaire = models.ForeignKey(
        "surveys.Questionnaire", null=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    questionnaire_ref = models.BigIntegerField()
    channel = models.CharField(max_length=8, choices=Channel.choices)
    phone = models.CharField(max_length=20)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    result = models.CharField(_("result"), max_length=12, choices=VerificationResult.choices, blank=True)
    verifier = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "questionnaire_ref"], name="one_verification_per_questionnaire")
        ]
        indexes = [models.Index(fields=["round", "unit"], name="verification_round_unit")]
