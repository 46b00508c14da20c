"""Forms of samples and phone interviews: they only clean input."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from respond.quotas import parse_quotas
from sampling.models import AttemptResult, SamplePlan, VerificationResult
from surveys.models import RespondentType
from units.permissions import Action, can


class PlanForm(forms.ModelForm):
    quotas_text = forms.CharField(
        label=_("Quotas by respondent type"), required=False, max_length=200,
        help_text=_("Shares of n, e.g. 家长:60,学生:30; empty for none."),
    )  # fmt: skip

    class Meta:
        model = SamplePlan
        fields = [
            "margin",
            "confidence",
            "max_attempts",
            "retry_hours",
            "verify_share",
            "verify_minimum",
            "doubtful_rate",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(RespondentType.choices)
        self.initial.setdefault(
            "quotas_text", ",".join(f"{labels.get(k, k)}:{v}" for k, v in (self.instance.quotas or {}).items())
        )

    def clean_margin(self):
        margin = self.cleaned_data["margin"]
        if not 0 < margin <= 50:
            raise ValidationError(_("Give a margin of more than 0 and at most 50 points."))
        return margin

    def clean_quotas_text(self) -> str:
        try:
            self.instance.quotas = parse_quotas(self.cleaned_data["quotas_text"])
        except ValueError as error:
            raise ValidationError(str(error)) from None
        return self.cleaned_data["quotas_text"]


class PopulationForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None)
    population = forms.IntegerField(
        label=_("Population"), min_value=0, required=False, help_text=_("Empty: unknown (no correction).")
    )

    def __init__(self, *args, units, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class DrawForm(forms.Form):
    seed = forms.IntegerField(
        label=_("Seed"), required=False, min_value=0, max_value=2**62,
        help_text=_("Empty: a new random seed. The seed of an earlier draw draws the same numbers again."),
    )  # fmt: skip


class AssignForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None)
    caller = forms.ModelChoiceField(label=_("Caller"), queryset=None)
    count = forms.IntegerField(label=_("Numbers"), min_value=1, max_value=100_000)

    def __init__(self, *args, units, callers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["caller"].queryset = callers

    def clean(self) -> dict:
        data = super().clean()
        if data.get("unit") and data.get("caller") and not can(data["caller"], Action.ENTER, data["unit"]):
            self.add_error("caller", _("This person may not enter results for this unit."))
        return data


class AttemptForm(forms.Form):
    number = forms.IntegerField(widget=forms.HiddenInput)
    result = forms.ChoiceField(label=_("Result"), choices=AttemptResult.choices, widget=forms.RadioSelect)


class VerificationForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    result = forms.ChoiceField(label=_("Result"), choices=VerificationResult.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, indicators=(), options=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *[(o.pk, f"{o.number} {o.label()}") for o in options]]
        for indicator in indicators:
            self.fields[f"answer_{indicator.pk}"] = forms.TypedChoiceField(
                label=indicator.label(), choices=choices, coerce=int, required=False, empty_value=None
            )

    def answers(self) -> dict[int, int]:
        return {
            int(name.removeprefix("answer_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("answer_") and value is not None
        }

    def clean(self) -> dict:
        data = super().clean()
        if data.get("result") == VerificationResult.DIFFERENT and not self.answers():
            raise ValidationError(_("Enter the answers the respondent actually gave."))
        return data
