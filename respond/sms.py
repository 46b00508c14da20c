"""Sending the codes of the phone-check mode, through a backend named by ``MANYI_SMS_BACKEND``.

Like Django's e-mail backends: a backend is a class with ``send(phone, text)``
that raises ``SmsError`` when the provider refuses. The default writes the
message to the log (development, tests, and bureaus that send codes by hand).
A real provider is one small class, e.g. ``myproject.sms.AliyunBackend``,
named in the setting.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("manyi.sms")


class SmsError(Exception):
    """The provider did not accept the message."""


class LogBackend:
    """Writes each message to the ``manyi.sms`` log instead of sending it."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


def sms_send(phone: str, text: str) -> None:
    import_string(settings.MANYI_SMS_BACKEND)().send(phone, text)
