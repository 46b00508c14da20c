from django import forms
from django.utils.translation import gettext_lazy as _

from units.widgets import DateInput

KINDS = [("holiday", _("Holiday (放假)")), ("working", _("Make-up working day (调休上班)"))]


class CalendarDayForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DateInput())
    kind = forms.ChoiceField(label=_("The day is"), choices=KINDS)
    note = forms.CharField(label=_("Note"), max_length=100, required=False, help_text=_("For example: 2027 春节."))
