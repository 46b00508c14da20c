"""One form for every phone number stored, so that the same phone is always the same text.

One-phone-per-round and follow-ups compare phones as text, so ``138-1111-2222``,
``+86 138 1111 2222``, ``8613811112222`` and ``１３８１１１１２２２`` must be
stored alike. The canonical forms:

- a mainland mobile: its 11 digits, ``13811112222``;
- a landline: area code, a hyphen, the number: ``0539-1234567``, ``010-12345678``
  (the area code is 3 digits for 010 and 02x, 4 for the others).

A number that lost digits on its way through Excel is refused rather than
guessed: ``1.39123E+10`` (scientific notation) or a number too long to have
survived a float. So are letters and numbers of the wrong length.
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from spreadsheets.problems import add_reasons
from units.permissions import mask_phone

PHONE_ERRORS = {
    "lost_digits": _(
        "The number lost digits in Excel (it was stored as a number such as 1.39123E+10): "
        "format the column as text and type the number again."
    ),
    "invalid": _("Not a phone number: a mobile has 11 digits (13812345678), a landline its area code (0539-1234567)."),
}
# The problems an import reports, one per reason above.
add_reasons({f"phone_{code}": message for code, message in PHONE_ERRORS.items()})

_SCIENTIFIC = re.compile(r"\d+(?:\.\d+)?e[+-]?\d+", re.IGNORECASE)
_FLOAT_TEXT = re.compile(r"(\d+)\.0+")  # 13812345678.0, as a number cell copied as text shows it
_SEPARATORS = re.compile(r"[\s\-.()/‐‑‒–—―−]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0(?:10|2\d|[3-9]\d{2})\d{7,8}")
FLOAT_EXACT = 2**53  # integers up to this come through a float unchanged


def phone_canonical(value: object) -> str:
    """The canonical form of a phone (see the module), "" for a blank, or ValidationError saying why not."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        raise _error("invalid")
    if isinstance(value, float):
        if value != value or not value.is_integer() or abs(value) >= FLOAT_EXACT:
            raise _error("lost_digits")
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return ""
    if _SCIENTIFIC.fullmatch(text):
        raise _error("lost_digits")
    if found := _FLOAT_TEXT.fullmatch(text):
        text = found.group(1)
    digits = _SEPARATORS.sub("", text)
    international = digits.startswith(("+86", "0086"))
    digits = digits.removeprefix("+").removeprefix("00") if international else digits
    if not digits.isdecimal():
        raise _error("invalid")
    if international or (digits.startswith("86") and len(digits) == 13):
        digits = digits[2:]
        if not digits.startswith("1"):
            digits = "0" + digits  # +86 539 1234567: the area code without its leading 0
    if _MOBILE.fullmatch(digits):
        return digits
    if _LANDLINE.fullmatch(digits):
        area = 3 if digits[1] in "12" else 4
        return f"{digits[:area]}-{digits[area:]}"
    raise _error("invalid")


def phone_or_unchanged(value: str) -> str:
    """The canonical form when there is one, else the value as it is (for phones stored before the rule)."""
    try:
        return phone_canonical(value)
    except ValidationError:
        return value


def phones_canonicalise(model, field: str) -> int:
    """Store the canonical form of every phone of ``model`` that has one (for data migrations); the number changed.

    Values that cannot be canonicalised (they lost digits, or were never phones) are left as they are.
    """
    changed = []
    rows = model.objects.exclude(**{field: ""}).values_list("pk", field)
    for pk, phone in rows.iterator(chunk_size=5000):
        canonical = phone_or_unchanged(phone)
        if canonical != phone:
            changed.append(model(pk=pk, **{field: canonical}))
    model.objects.bulk_update(changed, [field], batch_size=1000)
    return len(changed)


def _error(code: str) -> ValidationError:
    return ValidationError(PHONE_ERRORS[code], code=code)


class PhoneField(forms.CharField):
    """A phone typed in a form, cleaned to its canonical form."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        # The stored number of a record whose phone the user may not read: its mask, posted back, keeps it.
        self.kept = ""

    def clean(self, value: str) -> str:
        value = super().clean(value)
        if self.kept and value.strip() == mask_phone(self.kept):
            return self.kept
        return phone_canonical(value)
