"""The upload field of every import form: it offers the formats the reader reads and refuses what is too large."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from spreadsheets.problems import FileRefused
from spreadsheets.reading import ACCEPT, EXTENSIONS, ignored_note


class SpreadsheetField(forms.FileField):
    default_validators = [
        FileExtensionValidator(EXTENSIONS, _("Choose a spreadsheet: .xlsx, .xlsm, .xls, .ods or .csv."))
    ]

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Spreadsheet (.xlsx, .xls, .ods or .csv)"))
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ACCEPT}))
        super().__init__(**kwargs)

    def validate(self, value) -> None:
        super().validate(value)
        if value and value.size > settings.MANYI_UPLOAD_MAX_MB * 1024 * 1024:
            raise ValidationError(_("The file is larger than %(mb)d MB."), params={"mb": settings.MANYI_UPLOAD_MAX_MB})


class UploadForm(forms.Form):
    """The upload form of the small imports (units, concerns, households)."""

    file = SpreadsheetField()


def upload_take(request, read, write, done: str, **context) -> tuple[UploadForm, list, bool]:
    """Read an uploaded sheet with ``read(file, **context)`` and, if no row is wrong, ``write`` what it gives.

    Returns the form, the problems of a refused file (sorted) and whether it was written; once written the
    user is told ``done`` (``%(n)d``: what ``write`` returned) and which columns were ignored.
    """
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return form, [], False
    try:
        rows, ignored = read(form.cleaned_data["file"], **context)
    except FileRefused as refused:
        return form, refused.problems.sorted(), False
    messages.success(request, " ".join([done % {"n": write(rows)}, ignored_note(ignored)]))
    return form, [], True
