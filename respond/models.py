"""The public answering of survey rounds: links, how strict they are, invitations and online submissions.

An online submission is not a result: results are questionnaires, written
only by ``surveys.writing``. A submission keeps what the respondent sent and
how it was screened; an accepted one points to the questionnaire written
for it, a held one waits for staff, a rejected one is never counted.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models import RespondentType, Round
from units.models import Unit

TOKEN_BYTES = 24  # 192 bits: far beyond guessing, and a 32-character URL segment
DEFAULT_RESPONDENT_TYPES = "parent,student,teacher,resident"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_invitation_code() -> str:
    # 10 characters of an alphabet without look-alikes (0/O, 1/I/L): about 50 bits, typed from a letter or SMS.
    return "".join(secrets.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(10))


class Mode(models.TextChoices):
    OPEN = "open", _("Open: one answer per device")
    INVITATION = "invitation", _("Invitation list: single-use codes")
    PHONE = "phone", _("Phone check: a code sent by SMS")


class OnlineSetting(models.Model):
    """How a round is answered online: the mode, its limits, the poster's text and the sample target."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="online_setting")
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, default=Mode.OPEN)
    respondent_types = models.CharField(
        _("respondent types"), max_length=100, default=DEFAULT_RESPONDENT_TYPES, help_text=_("Comma-separated")
    )
    address_hourly_limit = models.PositiveIntegerField(
        _("answers per network address per hour"),
        default=30,
        help_text=_("Open mode: further answers from the same network address within the hour are refused."),
    )
    invitation_text = models.TextField(_("invitation text"), max_length=500, blank=True)
    sample_target = models.PositiveIntegerField(
        _("sample target per unit"), default=0, help_text=_("Answers wanted per unit; 0 for none.")
    )
    quotas = models.CharField(
        _("quotas per respondent type"), max_length=200, blank=True,
        help_text=_("Shares of the sample target, e.g. 家长:60,学生:20; empty for none."),
    )  # fmt: skip
    stop_when_full = models.BooleanField(
        _("stop when the target is reached"), default=False,
        help_text=_("A unit that has its sample target (or a respondent type its quota) accepts no more answers."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("online answering")
        verbose_name_plural = _("online answering")

    def respondent_type_choices(self) -> list[tuple[str, str]]:
        labels = dict(RespondentType.choices)
        return [(value, labels[value]) for value in self.respondent_types.split(",") if value in labels]


class UnitTarget(models.Model):
    """A unit's own sample target (and quotas) in a round, instead of the round's target per unit (and quotas)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    sample_target = models.PositiveIntegerField(_("sample target"))
    quotas = models.CharField(
        _("quotas per respondent type"), max_length=200, blank=True,
        help_text=_("As the round's quotas (e.g. 家长:60); empty: the round's quotas."),
    )  # fmt: skip

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="one_target_per_unit")]


class SurveyLinkQuerySet(models.QuerySet):
    def active(self) -> "SurveyLinkQuerySet":
        return self.filter(revoked_at__isnull=True)


class SurveyLink(models.Model):
    """The public link of one unit in one round; revoking it makes the token a plain 404."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="survey_links")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = SurveyLinkQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "unit"], condition=Q(revoked_at__isnull=True), name="one_active_link_per_unit"
            )
        ]


class Invitation(models.Model):
    """One respondent of an invitation list: a single-use code. The list shows who answered, never what."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="invitations")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=16, unique=True, default=new_invitation_code)
    name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    respondent_type = models.CharField(_("respondent type"), max_length=12, choices=RespondentType.choices)
    used_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["unit", "id"]


class PhoneCheck(models.Model):
    """A code sent by SMS to a phone for one round (phone-check mode); only its hash is kept."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=64)
    address_hash = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["round", "phone", "sent_at"]),
            models.Index(fields=["round", "address_hash", "sent_at"]),
        ]


class Status(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    HELD = "held", _("Held for review")
    REJECTED = "rejected", _("Rejected")


class Submission(models.Model):
    """One answer sent through a public link, with what screening needs and what review decided."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="online_submissions")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started"))
    # Set by the receiving of the answer to the moment its screening looked at (the questionnaire's date too).
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    address_hash = models.CharField(max_length=64)  # HMAC of the network address: comparable, not reversible
    user_agent = models.CharField(max_length=300, blank=True)
    mode = models.CharField(max_length=12, choices=Mode.choices)
    identity = models.CharField(max_length=64, blank=True)  # device id, invitation code or phone, by mode
    device = models.CharField(max_length=64, blank=True)  # from the signed device cookie, in every mode
    nonce = models.CharField(max_length=64, unique=True)  # one per form shown: a resent form is not a second answer
    respondent_type = models.CharField(_("respondent type"), max_length=12, choices=RespondentType.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    answers = models.JSONField(default=dict)  # indicator id (as text) -> option id
    opinion = models.TextField(_("opinion"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    flags = models.CharField(_("screening"), max_length=100, blank=True)  # comma-separated codes of screening.RULES
    reason = models.CharField(_("reason"), max_length=300, blank=True)  # the reviewer's
    questionnaire_id_ref = models.BigIntegerField(null=True, blank=True)
    concern_id_ref = models.BigIntegerField(null=True, blank=True)  # the ledger concern made from the opinion
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("online answer")
        verbose_name_plural = _("online answers")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["round", "unit", "status"]),
            models.Index(fields=["round", "unit", "submitted_at"]),  # screening's count of a unit's recent answers
            models.Index(fields=["round", "address_hash", "submitted_at"]),
            models.Index(fields=["round", "identity"]),
            models.Index(fields=["round", "device"]),
            models.Index(fields=["round", "phone"], condition=~Q(phone=""), name="submission_round_phone"),
        ]

    def answer_map(self) -> dict[int, int]:
        return {int(indicator): option for indicator, option in self.answers.items()}
