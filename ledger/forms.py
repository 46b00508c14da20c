"""Forms of the ledger: they only clean input; the rules live in ``ledger.services``."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.models import CategoryOfConcern, Concern, ConcernStatus, Source
from surveys.models import Indicator
from units import people
from units.models import GroupMember, Unit
from units.phones import PhoneField
from units.widgets import DateInput

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class ConcernForm(forms.Form):
    received_on = forms.DateField(label=_("Received on"), widget=DateInput())
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices)
    category = forms.ModelChoiceField(label=_("Category"), queryset=CategoryOfConcern.objects.filter(active=True))
    indicator = forms.ModelChoiceField(
        label=_("Indicator"),
        queryset=Indicator.objects.all(),
        required=False,
        help_text=_("Leave empty to use the category's usual indicator."),
    )
    raiser_name = forms.CharField(
        label=_("Raised by"), max_length=50, required=False, help_text=_("Leave empty if anonymous.")
    )
    raiser_phone = PhoneField(label=_("Phone"), required=False)
    text = forms.CharField(label=_("What was said"), widget=forms.Textarea(attrs={"rows": 4}))
    deadline = forms.DateField(
        label=_("Deadline"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for the category's default, counted in working days."),
    )

    def __init__(self, *args, show_phone: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()
        if not show_phone:
            # Whoever may not read a phone number may not see it prefilled in a form either.
            del self.fields["raiser_phone"]

    @classmethod
    def for_concern(cls, concern: Concern, show_phone: bool, data=None) -> "ConcernForm":
        initial = {name: getattr(concern, name) for name in cls.base_fields}
        return cls(data, initial=initial, show_phone=show_phone)


class AssignForm(forms.Form):
    person = forms.ChoiceField(label=_("Responsible person"))
    deadline = forms.DateField(
        label=_("Deadline"), required=False, widget=DateInput(), help_text=_("Leave empty to keep the deadline.")
    )
    text = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, unit: Unit, viewer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "---------"), *people.person_choices(unit, viewer)]

    def responsible(self) -> dict:
        """``{"user": ...}`` or ``{"member": ...}`` for the service."""
        prefix, pk = people.parse_person_key(self.cleaned_data["person"])
        if prefix == people.USER_PREFIX:
            return {"user": get_user_model().objects.get(pk=pk)}
        return {"member": GroupMember.objects.get(pk=pk)}


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FixedForm(forms.Form):
    text = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}))


class CheckForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("Is the concern fixed?"), choices=YES_NO, coerce=lambda v: v == "yes", widget=forms.RadioSelect
    )
    text = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CallBackForm(forms.Form):
    satisfied = forms.TypedChoiceField(
        label=_("Is the person satisfied with the outcome?"),
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    text = forms.CharField(label=_("What they said"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class LedgerFilterForm(forms.Form):
    """The filters of a ledger, read from the URL."""

    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All statuses")), *ConcernStatus.choices], required=False
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=CategoryOfConcern.objects.all(), required=False, empty_label=_("All categories")
    )
    indicator = forms.ModelChoiceField(
        label=_("Indicator"), queryset=Indicator.objects.all(), required=False, empty_label=_("All indicators")
    )
    person = forms.ChoiceField(label=_("Responsible person"), required=False)
    overdue = forms.BooleanField(
        label=_("Overdue only"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )

    def __init__(self, *args, person_choices: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", _("Anyone")), *person_choices]

    def filters(self) -> dict:
        """The cleaned filters, or none at all if the URL held nonsense."""
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "", False)}
