"""A minimal phone canonicaliser for the online questionnaire.

TO BE REPLACED BY THE LEAD when ``units/phones.py`` (``phone_canonical``) is
merged: this module exists only because that one was not in main yet. Same
idea: the store keeps one spelling per phone, digits only for mainland mobiles.
"""

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-().]")
_MAINLAND_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
_OTHER = re.compile(r"^\+?\d{5,20}$")


def phone_canonical(raw: str) -> str | None:
    """The stored spelling of a phone (``13812345678``), "" for nothing given, None if it is not a phone."""
    phone = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
    if not phone:
        return ""
    mobile = _MAINLAND_MOBILE.match(phone)
    if mobile:
        return mobile.group(1)
    return phone if _OTHER.match(phone) and len(phone) <= 20 else None
