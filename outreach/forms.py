"""Forms of follow-ups, households and visits: they only clean input; the rules live in ``outreach.services``."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.models import CategoryOfConcern
from outreach.models import (
    CallMethod,
    FollowUpStatus,
    Household,
    HouseholdKind,
    Period,
    PhoneCheck,
    VisitMethod,
)
from outreach.services import RaisedConcern
from units import people
from units.models import Unit
from units.phones import PhoneField
from units.widgets import DateInput


class RaisedConcernMixin(forms.Form):
    """Optional fields to enter a concern heard during a call or a visit into the ledger."""

    concern_category = forms.ModelChoiceField(
        label=_("Concern raised: category"),
        queryset=CategoryOfConcern.objects.filter(active=True),
        required=False,
        help_text=_("Fill in to enter the concern in the ledger."),
    )
    concern_text = forms.CharField(
        label=_("Concern raised: what was said"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("concern_category")) != bool(data.get("concern_text", "").strip()):
            raise forms.ValidationError(_("To enter a concern, give both its category and what was said."))
        return data

    def raised(self) -> RaisedConcern | None:
        if not self.cleaned_data.get("concern_category"):
            return None
        return RaisedConcern(category=self.cleaned_data["concern_category"], text=self.cleaned_data["concern_text"])


class FollowUpCallForm(RaisedConcernMixin):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    method = forms.ChoiceField(label=_("How"), choices=CallMethod.choices)
    notes = forms.CharField(label=_("What was said"), widget=forms.Textarea(attrs={"rows": 3}))

    field_order = ["date", "method", "notes", "concern_category", "concern_text"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class FollowUpCloseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(FollowUpStatus.SOLVED, _("Solved")), (FollowUpStatus.DECLINED, _("The person declined"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *FollowUpStatus.choices], required=False, initial="open"
    )
    quiet = forms.BooleanField(
        label=_("Not contacted this week"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class HouseholdForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50, help_text=_("The student, or the head of the household."))
    guardian = forms.CharField(label=_("Parent or guardian"), max_length=50, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=HouseholdKind.choices)
    phone = PhoneField(label=_("Phone"), required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    assigned_to = forms.ModelChoiceField(label=_("Assigned to"), queryset=None, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, unit: Unit, viewer, show_phone: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = people.users_of(unit, viewer)
        self.fields["assigned_to"].label_from_instance = people.user_label
        if not show_phone:
            del self.fields["phone"]


class HouseholdEditForm(HouseholdForm):
    active = forms.BooleanField(label=_("Active"), required=False)

    @classmethod
    def for_household(cls, household: Household, show_phone: bool, viewer, data=None) -> "HouseholdEditForm":
        initial = {name: getattr(household, name) for name in cls.base_fields}
        return cls(data, initial=initial, unit=household.unit, viewer=viewer, show_phone=show_phone)


class HouseholdFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All kinds")), *HouseholdKind.choices], required=False)
    person = forms.ModelChoiceField(label=_("Assigned to"), queryset=None, required=False, empty_label=_("Anyone"))
    q = forms.CharField(label=_("Name"), required=False)

    def __init__(self, *args, unit: Unit, viewer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people.users_of(unit, viewer)
        self.fields["person"].label_from_instance = people.user_label

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


class VisitForm(RaisedConcernMixin):
    date = forms.DateField(label=_("Date of the visit"), widget=DateInput())
    method = forms.ChoiceField(label=_("How"), choices=VisitMethod.choices)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}))
    phone_check = forms.ChoiceField(label=_("Phone number checked"), choices=PhoneCheck.choices)
    new_phone = PhoneField(label=_("New phone number"), required=False, help_text=_("Only if the number changed."))

    field_order = ["date", "method", "notes", "phone_check", "new_phone", "concern_category", "concern_text"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class VisitRuleForm(forms.Form):
    cadre_quota = forms.IntegerField(label=_("Contacts per cadre"), min_value=0, max_value=500)
    staff_quota = forms.IntegerField(label=_("Contacts per staff member"), min_value=0, max_value=500)
    period = forms.ChoiceField(label=_("Visit each contact"), choices=Period.choices)
    key_period = forms.ChoiceField(label=_("Visit each key household"), choices=Period.choices)
