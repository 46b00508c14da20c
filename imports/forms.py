from django import forms
from django.utils.translation import gettext_lazy as _

from imports.models import JobKind
from spreadsheets.reading import ACCEPT


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(".xlsx, .xlsm, .xls, .ods or .csv (UTF-8 or GB18030); the first sheet of a workbook is read."),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ACCEPT}),
    )
    kind = forms.ChoiceField(
        label=_("What the file holds"), choices=JobKind.choices, initial=JobKind.QUESTIONNAIRES,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )  # fmt: skip
    dry_run = forms.BooleanField(
        label=_("Dry run: check the whole file, import nothing"), required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )  # fmt: skip
