"""Forms of open-door activities: they only clean input; the rules live in ``opendoor.services``."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.models import CategoryOfConcern
from opendoor.models import Activity, ActivityRule
from units.widgets import DateInput

MAX_OPINIONS = 50


class ActivityForm(forms.ModelForm):
    opinions = forms.CharField(
        label=_("Opinions raised"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One opinion a line; each can then be put in the ledger as a concern."),
    )

    class Meta:
        model = Activity
        fields = ["kind", "held_on", "attended_by", "participants", "summary"]
        widgets = {"held_on": DateInput(), "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["held_on"].initial = timezone.localdate()

    def clean_opinions(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["opinions"].splitlines() if line.strip()]
        if len(lines) > MAX_OPINIONS:
            raise forms.ValidationError(
                _("At most %(max)d opinions at once (there are %(n)d lines)."),
                params={"max": MAX_OPINIONS, "n": len(lines)},
            )
        return lines


class RuleForm(forms.ModelForm):
    class Meta:
        model = ActivityRule
        fields = ["unit_kind", "kind", "schedule", "name", "weekday", "count", "counts_people", "starts_on", "ends_on"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}


class OpinionConcernForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Category"), queryset=CategoryOfConcern.objects.filter(active=True))
    raiser_name = forms.CharField(
        label=_("Raised by"), max_length=50, required=False, help_text=_("Leave empty if anonymous.")
    )


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())

    def clean(self) -> dict:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("The period cannot end before it starts."))
        if data.get("start") and data.get("end") and (data["end"] - data["start"]).days > 3 * 366:
            raise forms.ValidationError(_("Choose a period of at most three years."))
        return data
