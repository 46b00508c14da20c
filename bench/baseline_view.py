"""The baseline of bench/bench_online.py: the public questionnaire, but a POST only validates and INSERTs.

Mounted only when ``MANYI_BENCH_BASELINE`` is set (config/urls.py), which the
benchmark sets for its own gunicorn; never in production, never in the tests.
It is the one place outside ``surveys.writing`` that writes questionnaires:
on purpose, to measure what the writer's tallies and the screening cost.
The GET is the real page (the same form, stamp and device cookie); the POST
checks the link and the form exactly as the real view does, then inserts the
same rows (the submission, the questionnaire, its answers) with no screening,
no tally, no trail and no follow-up rule.
"""

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from respond import views
from respond.models import Status, Submission
from respond.services import PeriodState, link_setting, period_state
from surveys.models import Answer, Channel, Questionnaire
from units.permissions import public


@public
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return views.answer(request, token)
    link = views._link(token)
    if period_state(link.round) != PeriodState.OPEN:
        return HttpResponse(status=403)
    form = views._form(link, request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    _insert(link, form.cleaned_data, request)
    return redirect("respond:thanks", token=token)


@transaction.atomic
def _insert(link, data: dict, request: HttpRequest) -> None:
    now = timezone.now()
    Submission.objects.create(
        round_id=link.round_id, unit_id=link.unit_id, started_at=data["stamp"]["started_at"],
        address_hash="", user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        mode=link_setting(link).mode, device=views._device(request), nonce=data["stamp"]["nonce"],
        respondent_type=data["respondent_type"], answers={str(k): v for k, v in data["answers"].items()},
        opinion=data["opinion"], status=Status.ACCEPTED,
    )  # fmt: skip
    questionnaire = Questionnaire.objects.create(
        round_id=link.round_id, unit_id=link.unit_id, respondent_type=data["respondent_type"],
        channel=Channel.ONLINE, date=timezone.localdate(now), phone=data["phone"],
    )  # fmt: skip
    Answer.objects.bulk_create(
        Answer(questionnaire_id=questionnaire.pk, round_id=link.round_id, unit_id=link.unit_id,
               indicator_id=indicator, option_id=option)
        for indicator, option in data["answers"].items()
    )  # fmt: skip
