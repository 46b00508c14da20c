"""Sign-in: what django-axes answers when it locks a sign-in out, the address it counts, a password rule."""

import ipaddress

from django.conf import settings
from django.contrib.auth import password_validation
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext

TOO_MANY_REQUESTS = 429


def locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The sign-in page saying that the account or address is locked, and for how long."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=TOO_MANY_REQUESTS)


def client_address(request: HttpRequest) -> str | None:
    """The address of the client, seen through ``MANYI_PROXY_COUNT`` reverse proxies.

    Behind a proxy every request comes from the proxy's address, and locking that
    address would lock everyone out. Each proxy appends the address it was reached
    from to X-Forwarded-For, so the client is the entry ``MANYI_PROXY_COUNT`` places
    from the end; entries before it were written by the client and may be forged.
    A missing, short or malformed header falls back to the connecting address.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.MANYI_PROXY_COUNT
    if not count:
        return remote
    entries = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(entries) < count:
        return remote
    try:
        return str(ipaddress.ip_address(entries[-count]))
    except ValueError:
        return remote


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule, with its refusal in Manyi's catalogue.

    Django 5.2 changed the wording of this refusal and its Chinese catalogue still
    has the old one, so Chinese users were refused in English.
    """

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short: it must contain at least %(min_length)d character.",
            "This password is too short: it must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
