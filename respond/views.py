"""The public pages of a survey link (no login): the questionnaire, the SMS code, the thank-you page.

They are ``@public``: the unguessable token is the check, and a page shows one unit's questionnaire only.

A wrong or revoked token is a plain 404 that names nothing. Outside the
round's open period the link says when it opens or that it is closed, and
accepts nothing.
"""

import secrets

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from respond.forms import AnswerForm, PhoneForm, form_stamp
from respond.models import Mode, SurveyLink
from respond.services import (
    Answered,
    PeriodState,
    Refused,
    link_for_token,
    link_setting,
    period_state,
    phone_check_send,
    submission_receive,
)
from surveys.models import Option
from units.permissions import public
from units.signin import client_address

DEVICE_COOKIE = "manyi_device"
DEVICE_SALT = "manyi.respond.device"
DEVICE_MAX_AGE = 365 * 24 * 3600


def _link(token: str) -> SurveyLink:
    link = link_for_token(token)
    if link is None:
        raise Http404
    return link


def _device(request: HttpRequest) -> str:
    return request.get_signed_cookie(DEVICE_COOKIE, default="", salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE)


def _address(request: HttpRequest) -> str:
    return client_address(request) or ""


def _page(request: HttpRequest, link: SurveyLink, template: str, status: int = 200, **context) -> HttpResponse:
    context.update(round=link.round, unit=link.unit, token=link.token)
    return render(request, f"respond/{template}", context, status=status)


def _form(link: SurveyLink, data=None, initial=None) -> AnswerForm:
    round = link.round
    options = list(Option.objects.filter(scale_id=round.scale_id).order_by("number"))
    return AnswerForm(
        data, initial=initial, setting=link_setting(link), indicators=round.ordered_indicators(), options=options
    )


@public
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    link = _link(token)
    state = period_state(link.round)
    if state != PeriodState.OPEN:
        status = 403 if request.method == "POST" else 200
        opens_later = link.round.start > timezone.localdate()
        return _page(request, link, "not_open.html", status=status, state=state, opens_later=opens_later)
    if request.method == "GET":
        initial = {"stamp": form_stamp(), "phone": request.GET.get("phone", ""), "code": request.GET.get("code", "")}
        form = _form(link, initial=initial)
        return _with_device(request, _answer_page(request, link, form))
    form = _form(link, request.POST)
    if form.is_bot():
        return redirect("respond:thanks", token=token)  # nothing stored; the bot learns nothing
    if not form.is_valid():
        return _answer_page(request, link, form, status=400)
    data = form.cleaned_data
    answered = Answered(
        nonce=data["stamp"]["nonce"], started_at=data["stamp"]["started_at"], address=_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""), device=_device(request),
        respondent_type=data.get("respondent_type", ""), answers=data["answers"], opinion=data["opinion"],
        phone=data["phone"], code=data.get("code", ""),
    )  # fmt: skip
    try:
        submission_receive(link=link, answered=answered, setting=link_setting(link), ids=form.ids())
    except Refused as refusal:
        return _page(request, link, "refused.html", status=refusal.status, message=refusal.message)
    except ValidationError as error:  # the writer's last word: the round was closed a moment ago
        return _page(request, link, "refused.html", status=403, message=" ".join(error.messages))
    return redirect("respond:thanks", token=token)


def _answer_page(request: HttpRequest, link: SurveyLink, form: AnswerForm, status: int = 200) -> HttpResponse:
    phone_mode = link_setting(link).mode == Mode.PHONE
    return _page(request, link, "answer.html", status=status, form=form, phone_mode=phone_mode)


def _with_device(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Give the browser its device id once (signed, so that it cannot be made up)."""
    if not _device(request):
        response.set_signed_cookie(
            DEVICE_COOKIE, secrets.token_urlsafe(16), salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE,
            httponly=True, samesite="Lax", secure=request.is_secure(),
        )  # fmt: skip
    return response


@public
@require_POST
def send_code(request: HttpRequest, token: str) -> HttpResponse:
    """Phone-check mode: send a code to the phone, then show the questionnaire with the phone filled in."""
    link = _link(token)
    if period_state(link.round) != PeriodState.OPEN or link_setting(link).mode != Mode.PHONE:
        raise Http404
    form = PhoneForm(request.POST)
    if not form.is_valid():
        return _page(request, link, "refused.html", status=400, message=form.errors["phone"][0])
    try:
        phone_check_send(round=link.round, phone=form.cleaned_data["phone"], address=_address(request))
    except Refused as refusal:
        return _page(request, link, "refused.html", status=refusal.status, message=refusal.message)
    query = urlencode({"phone": form.cleaned_data["phone"], "sent": 1})
    return redirect(f"{reverse('respond:answer', args=[token])}?{query}")


@public
@require_GET
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    return _page(request, _link(token), "thanks.html")
