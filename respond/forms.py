"""Forms of online answering: the public questionnaire (input only) and the staff's settings, uploads and reviews."""

import datetime
import secrets

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from respond.models import Mode, OnlineSetting
from respond.quotas import parse_quotas
from surveys.models import Indicator, Option, RespondentType
from units.phones import PhoneField

OPINION_MAX = 500
FORM_SALT = "manyi.respond.form"
FORM_MAX_AGE = 24 * 3600  # a form left open longer than a day is shown again


def form_stamp() -> str:
    """A signed (nonce, time shown) for a new form: the nonce makes a resent form the same answer."""
    return signing.dumps({"nonce": secrets.token_urlsafe(24), "at": timezone.now().timestamp()}, salt=FORM_SALT)


class ButtonRadios(forms.RadioSelect):
    """Radio buttons drawn as large buttons (respond.css); widget templates live in respond/templates for the form renderer."""

    template_name = "respond/widgets/button_radios.html"
    option_template_name = "respond/widgets/button_radio.html"


class AnswerForm(forms.Form):
    """The public questionnaire: who answers, one choice per indicator, an opinion, a phone, and the mode's code."""

    stamp = forms.CharField(widget=forms.HiddenInput)
    respondent_type = forms.ChoiceField(label=_("You are"), widget=ButtonRadios)
    opinion = forms.CharField(
        label=_("Opinions and suggestions (optional)"), required=False, max_length=OPINION_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": OPINION_MAX}),
    )  # fmt: skip
    phone = PhoneField(label=_("Phone (optional)"), required=False)
    code = forms.CharField(label=_("Invitation code"), max_length=16)
    # A field people never see: a bot that fills every field gives itself away.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def __init__(self, *args, setting: OnlineSetting, indicators: list[Indicator], options: list[Option], **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators, self.options = indicators, options
        choices = [(str(option.pk), option.label()) for option in options]
        for indicator in indicators:
            self.fields[f"i{indicator.pk}"] = forms.ChoiceField(
                label=indicator.label(), choices=choices, required=False, widget=ButtonRadios
            )
        self.fields["respondent_type"].choices = setting.respondent_type_choices()
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        if setting.mode == Mode.INVITATION:
            del self.fields["respondent_type"]  # the invitation says who answers
        elif setting.mode == Mode.PHONE:
            self.fields["phone"].required = True
            self.fields["phone"].label = _("Phone")
            self.fields["code"].label = _("Code sent by SMS")
            self.fields["code"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "one-time-code"})
        else:
            del self.fields["code"]

    def ids(self) -> tuple[list[int], list[int]]:
        """The indicator ids in the round's order and the option ids, as ``surveys.writing.round_ids`` gives them."""
        return [indicator.pk for indicator in self.indicators], [option.pk for option in self.options]

    def indicator_fields(self) -> list:
        return [self[f"i{indicator.pk}"] for indicator in self.indicators]

    def clean_stamp(self) -> dict:
        try:
            stamp = signing.loads(self.cleaned_data["stamp"], salt=FORM_SALT, max_age=FORM_MAX_AGE)
        except signing.BadSignature:
            raise ValidationError(_("This form has expired. Please reload the page and answer again.")) from None
        return {"nonce": stamp["nonce"], "started_at": datetime.datetime.fromtimestamp(stamp["at"], tz=datetime.UTC)}

    def clean(self) -> dict:
        cleaned = super().clean()
        answers = {i.pk: int(cleaned[f"i{i.pk}"]) for i in self.indicators if cleaned.get(f"i{i.pk}")}
        if not answers and not any(f"i{i.pk}" in self.errors for i in self.indicators):
            raise ValidationError(_("Please answer at least one question."))
        cleaned["answers"] = answers
        return cleaned

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class PhoneForm(forms.Form):
    phone = PhoneField(label=_("Phone"))


class OnlineSettingForm(forms.ModelForm):
    respondent_types = forms.MultipleChoiceField(
        label=_("Respondent types"), choices=RespondentType.choices, widget=forms.CheckboxSelectMultiple,
        required=False,
    )  # fmt: skip

    class Meta:
        model = OnlineSetting
        fields = [
            "mode", "respondent_types", "address_hourly_limit", "sample_target", "quotas", "stop_when_full",
            "invitation_text",
        ]  # fmt: skip
        widgets = {"invitation_text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["respondent_types"] = self.instance.respondent_types.split(",")

    def clean_respondent_types(self) -> str:
        return ",".join(self.cleaned_data["respondent_types"])

    def clean_quotas(self) -> str:
        try:
            quotas = parse_quotas(self.cleaned_data["quotas"])
        except ValueError as error:
            raise ValidationError(str(error)) from None
        return ",".join(f"{kind}:{share}" for kind, share in quotas.items())


class ReviewForm(forms.Form):
    ACCEPT, REJECT = "accept", "reject"
    decision = forms.ChoiceField(choices=[(ACCEPT, _("Accept")), (REJECT, _("Reject"))])
    reason = forms.CharField(label=_("Reason"), max_length=300)
    ids = forms.TypedMultipleChoiceField(coerce=int)

    def __init__(self, *args, held_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = [(str(pk), str(pk)) for pk in held_ids]


class UnitTargetForm(forms.Form):
    """One unit's own sample target and quotas (instead of the round's)."""

    unit = forms.ChoiceField(label=_("Unit"))
    sample_target = forms.IntegerField(label=_("Sample target"), min_value=0, max_value=1_000_000)
    quotas = forms.CharField(
        label=_("Quotas per respondent type"), required=False, max_length=200,
        help_text=_("Shares of the unit's target, e.g. 家长:60,学生:20; empty for the round's quotas."),
    )  # fmt: skip

    def __init__(self, *args, units: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(unit.code, f"{unit.code} {unit.name}") for unit in units]

    def clean_quotas(self) -> dict[str, int] | None:
        try:
            return parse_quotas(self.cleaned_data["quotas"]) or None
        except ValueError as error:
            raise ValidationError(str(error)) from None
