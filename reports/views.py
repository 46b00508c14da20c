"""Ranking and unit pages, their JSON API, and report jobs (Excel workbooks).

Every view: a scoped permission check through ``units.permissions``, a form
that checks the parameters, one call to ``reports.ranking``,
``reports.unit_report`` or ``reports.services``, then render. A scope
outside the user's subtrees is a 404 on pages and a 403 in the API, whether
or not it exists.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.routers import reads_replica
from reports.api import ranking_json, unit_report_json
from reports.forms import RankingForm, ScopeSearchForm, UnitPageForm, form_errors
from reports.models import ReportJob
from reports.peers import peer_standing_for, peer_standing_json
from reports.ranking import ranking_checked, ranking_of, ranking_page
from reports.scopes import MATCHES_SHOWN, scope_picker, search_links
from reports.services import report_job_create
from reports.unit_report import unit_report_checked, unit_report_of
from spreadsheets.downloads import attachment
from surveys.figures import UnitInfo
from surveys.models import Round
from surveys.outline import round_outline, round_unit
from units.models import Unit
from units.permissions import Action, get_unit, require

JSON_OPTIONS = {"ensure_ascii": False, "separators": (",", ":")}  # compact: a ranking of 1,000 peers is large


def _round(user, code: str) -> Round:
    """A round in which a unit of the user's subtrees takes part; 404 otherwise."""
    return get_object_or_404(Round.objects.visible_to(user).select_related("previous"), code=code)


def _check_scope(user, round: Round, code: str | None) -> None:
    """404 unless the user may see the named unit (the API turns it into 403).

    A scope of the round is found by code in its outline, without a query;
    any other code is looked up, so that a unit of the user's that is no
    scope is a bad parameter (400, from the form) and anything else a 404.
    """
    if not code:
        return
    scope = round_outline(round).scope(code)
    if scope is None:
        get_unit(user, Action.VIEW, code)
    else:
        require(user, Action.VIEW, scope)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")


def _ranking_form(request: HttpRequest, round: Round) -> RankingForm:
    return RankingForm(request.GET, round=round, user=request.user)


# ---------------------------------------------------------------- pages


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The rounds the user may rank: the way in from the navigation bar."""
    rounds = Round.objects.visible_to(request.user).order_by("-start", "code")
    return render(request, "reports/index.html", {"rounds": rounds})


@require_GET
@login_required
@reads_replica
def ranking(request: HttpRequest, code: str) -> HttpResponse:
    round = _round(request.user, code)
    _check_scope(request.user, round, request.GET.get("scope"))
    form = _ranking_form(request, round)
    context = {"round": round, "form": form}
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        context["ranking"] = ranking_checked(ranking_of(round, data["scope"], data["level"], data["sort"]))
        context["page"] = ranking_page(context["ranking"], request.GET.get("page"), request.GET.get("unit"))
    else:
        context["errors"] = form_errors(form)
        # A bare visit by a user with nothing to rank is no bad request: only parameters given can be wrong.
        status = 400 if any(request.GET.get(name) for name in form.fields) else 200
    scope = form.cleaned_data.get("scope")
    if scope is not None:  # also beside the message of a bad level or sort
        data = form.cleaned_data
        context["picker"] = scope_picker(form.outline, request.user, scope, data.get("level", ""), data.get("sort", ""))
    if _is_htmx(request):
        # htmx swaps in only 2xx answers: the message must arrive as one to be seen.
        template, status = "reports/_ranking_results.html", 200
    else:
        template = "reports/ranking.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@login_required
@reads_replica
def scope_search_page(request: HttpRequest, code: str) -> HttpResponse:
    """Scopes of the round matching ``q`` (code or name), at most 20: the picker's search.

    htmx gets the list alone, to show under the search box; without
    JavaScript the search box sends its plain GET form here, a whole page.
    """
    round = _round(request.user, code)
    form = ScopeSearchForm(request.GET)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    level, sort = (form.cleaned_data["level"], form.cleaned_data["sort"]) if form.is_valid() else ("", "")
    matches = search_links(round, request.user, text, level, sort)
    htmx = _is_htmx(request)
    context = {"round": round, "form": form, "text": text, "matches": matches, "limit": MATCHES_SHOWN, "htmx": htmx}
    template = "reports/_scope_matches.html" if htmx else "reports/scope_search.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _unit_in_round(round: Round, unit: Unit) -> UnitInfo:
    info = round_unit(round, unit.id)
    if info is None:
        raise Http404(_("This unit has no figures in this round."))
    return info


@require_GET
@login_required
@reads_replica
def unit_page(request: HttpRequest, code: str, unit_code: str) -> HttpResponse:
    round = _round(request.user, code)
    unit = get_unit(request.user, Action.VIEW, unit_code)
    _check_scope(request.user, round, request.GET.get("scope"))
    info = _unit_in_round(round, unit)
    form = UnitPageForm(request.GET, round=round, unit=info, user=request.user)
    if not form.is_valid():
        context = {"round": round, "unit": info, "form": form, "errors": form_errors(form)}
        return render(request, "reports/unit.html", context, status=400)
    scope = form.cleaned_data["scope"]
    report = unit_report_checked(unit_report_of(round, info, scope))
    api_url = reverse("reports:api_unit", args=[round.code, info.code]) + (
        f"?{urlencode({'scope': scope.code})}" if scope else ""
    )
    standing = peer_standing_for(request.user, round, info)
    context = {"round": round, "unit": info, "unit_record": unit, "form": form, "report": report, "api_url": api_url}
    return render(request, "reports/unit.html", context | {"standing": standing})


# ---------------------------------------------------------------- JSON API


def _api_error(status: int, errors: dict[str, list[str]]) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=status)


def _api_forbidden(field: str) -> JsonResponse:
    return _api_error(403, {field: [_("This unit is not within your units.")]})


def _api_no_round() -> JsonResponse:
    return _api_error(404, {"round": [_("No survey round with this code includes your units.")]})


@require_GET
@login_required
@reads_replica
def api_ranking(request: HttpRequest, code: str) -> JsonResponse:
    try:
        round = _round(request.user, code)
    except Http404:
        return _api_no_round()
    try:
        _check_scope(request.user, round, request.GET.get("scope"))
    except Http404:
        return _api_forbidden("scope")
    form = _ranking_form(request, round)
    if not form.is_valid():
        return _api_error(400, form_errors(form))
    data = form.cleaned_data
    ranking = ranking_checked(ranking_of(round, data["scope"], data["level"], data["sort"]))
    return JsonResponse(ranking_json(ranking), json_dumps_params=JSON_OPTIONS)


@require_GET
@login_required
@reads_replica
def api_unit(request: HttpRequest, code: str, unit_code: str) -> JsonResponse:
    try:
        round = _round(request.user, code)
    except Http404:
        return _api_no_round()
    try:
        unit = get_unit(request.user, Action.VIEW, unit_code)
    except Http404:
        return _api_forbidden("unit")
    try:
        _check_scope(request.user, round, request.GET.get("scope"))
    except Http404:
        return _api_forbidden("scope")
    info = round_unit(round, unit.id)
    if info is None:
        return _api_error(404, {"unit": [_("This unit has no figures in this round.")]})
    form = UnitPageForm(request.GET, round=round, unit=info, user=request.user)
    if not form.is_valid():
        return _api_error(400, form_errors(form))
    report = unit_report_checked(unit_report_of(round, info, form.cleaned_data["scope"]))
    data = unit_report_json(report) | {
        "peer_standing": peer_standing_json(peer_standing_for(request.user, round, info))
    }
    return JsonResponse(data, json_dumps_params=JSON_OPTIONS)


# ---------------------------------------------------------------- report jobs


@require_POST
@login_required
def export(request: HttpRequest, code: str) -> HttpResponse:
    """Queue the ranking workbook of the scope and level on the page."""
    round = _round(request.user, code)
    _check_scope(request.user, round, request.POST.get("scope"))
    form = RankingForm(request.POST, round=round, user=request.user)
    if not form.is_valid():
        status = 200 if _is_htmx(request) else 400  # htmx swaps in only 2xx answers
        return render(request, "reports/_export_error.html", {"errors": form_errors(form)}, status=status)
    data = form.cleaned_data
    scope = Unit.objects.get(pk=data["scope"].id)
    job = report_job_create(user=request.user, round=round, scope=scope, level=data["level"])
    if _is_htmx(request):
        return render(request, "reports/_job.html", {"job": _job(request.user, job.pk)})
    return redirect("reports:list")


def _job(user, pk: int) -> ReportJob:
    """One of the user's own report jobs; anyone else's is not found."""
    return get_object_or_404(ReportJob.objects.of_user(user).select_related("round", "scope"), pk=pk)


@require_GET
@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    jobs = ReportJob.objects.of_user(request.user).kept().select_related("round", "scope")[:200]
    context = {"jobs": jobs, "keep_days": settings.MANYI_REPORT_KEEP_DAYS}
    return render(request, "reports/report_list.html", context)


@require_GET
@login_required
def job(request: HttpRequest, pk: int) -> HttpResponse:
    """A job's status: the fragment that the page polls while the workbook is being built."""
    template = "reports/_job.html" if _is_htmx(request) else "reports/job.html"
    return render(request, template, {"job": _job(request.user, pk)})


@require_GET
@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    job = _job(request.user, pk)
    if not job.file:
        raise Http404(_("This report has no file (yet)."))
    # The owner must still see the scope: roles may have been taken away since.
    get_unit(request.user, Action.VIEW, job.scope.code)
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("This report's file has been removed.")) from None
    return attachment(handle, job.download_name)
