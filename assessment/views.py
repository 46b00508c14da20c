"""Assessment pages: schemes, a scheme's table for a round (with every point explained), the people's effort,
and the 通报 (its template per scope and its jobs).

Every view decides access through ``units.permissions``: a scheme is seen by
those who see its scope and defined, changed and published by those who
manage it; 404 for what the user cannot see, 403 for what they see but may
not change.
"""

import datetime
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment import notice, services
from assessment.components import KINDS, components_parse
from assessment.exports import assessment_workbook, people_headers, people_row, people_workbook
from assessment.forms import NoticeTemplateForm, PeriodForm, SchemeForm
from assessment.models import NoticeJob, Scheme
from assessment.people import people_effort
from ledger.models import Concern
from outreach.models import FollowUp
from outreach.periods import period_start
from reports.forms import RankingForm, form_errors
from spreadsheets.downloads import attachment
from surveys.models import Round
from units.models import Unit
from units.permissions import Action, can, can_anywhere, filter_by_unit, get_unit, require, require_anywhere, top_units


def _scheme(user, pk: int, action: Action = Action.VIEW) -> Scheme:
    scheme = get_object_or_404(Scheme.objects.select_related("scope"), pk=pk)
    require(user, action, scheme.scope)
    return scheme


def _scheme_round(user, pk: int, code: str, action: Action = Action.VIEW) -> tuple[Scheme, Round]:
    scheme = _scheme(user, pk, action)
    round = get_object_or_404(scheme.rounds.all(), code=code)
    return scheme, round


# ---------------------------------------------------------------- schemes


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    schemes = filter_by_unit(Scheme.objects.select_related("scope"), request.user, Action.VIEW, "scope")
    schemes = schemes.prefetch_related("rounds")
    context = {
        "schemes": schemes,
        "may_define": can_define(request.user),
        "managed": top_units(request.user, Action.MANAGE),  # where the notice's template may be changed
        "viewed": top_units(request.user, Action.VIEW),  # whose people's effort may be read
    }
    return render(request, "assessment/index.html", context)


def can_define(user) -> bool:
    return can_anywhere(user, Action.MANAGE)


@require_http_methods(["GET", "POST"])
@login_required
def scheme_create(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.MANAGE)
    form = SchemeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.scheme_create(
            name=data["name"], scope=data["scope"], level=data["level"], rounds=data["rounds"],
            components=data["components"], by=request.user,
        )  # fmt: skip
        messages.success(request, _("The scheme was saved (version 1)."))
        return redirect("assessment:index")
    return render(request, "assessment/scheme_form.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def scheme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme(request.user, pk, Action.MANAGE)
    current = scheme.current
    initial = {
        "name": scheme.name,
        "scope": scheme.scope.code,
        "level": scheme.level,
        "rounds": ", ".join(scheme.rounds.values_list("code", flat=True)),
    }
    components = components_parse(current.components) if current else None
    form = SchemeForm(request.POST or None, user=request.user, initial=initial, initial_components=components)
    if request.method == "POST" and form.is_valid():
        version = services.scheme_update(scheme=scheme, data=form.cleaned_data, by=request.user)
        messages.success(request, _("The scheme was saved (version %(n)s).") % {"n": version.number})
        return redirect("assessment:index")
    context = {"form": form, "scheme": scheme}
    return render(request, "assessment/scheme_form.html", context, status=400 if form.errors else 200)


@require_GET
@login_required
def scheme_round(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """The table, published (as it was) or computed now (``?live=1``, or when nothing is published)."""
    scheme, round = _scheme_round(request.user, pk, code)
    assessment = _assessment(scheme, round, live=request.GET.get("live") == "1")
    context = {
        "scheme": scheme,
        "round": round,
        "assessment": assessment,
        "kinds": KINDS,
        "may_publish": can(request.user, Action.MANAGE, scheme.scope),
        "concern_ids": _visible_ids(Concern.objects.visible_to(request.user), assessment, "concerns"),
        "follow_up_ids": _visible_ids(FollowUp.objects.visible_to(request.user), assessment, "follow_ups"),
    }
    return render(request, "assessment/scheme_round.html", context)


def _assessment(scheme: Scheme, round: Round, live: bool) -> services.Assessment:
    result = None if live else services.latest_result(scheme, round)
    if result is not None:
        return services.published_assessment(result)
    try:
        return services.assessment_compute(round=round, scope_code=scheme.scope.code, level=scheme.level, scheme=scheme)
    except ValueError as error:
        raise Http404(str(error)) from None


def _visible_ids(queryset, assessment: services.Assessment, field: str) -> set[int]:
    """The records behind the points that the user may open (links only to those): one query."""
    wanted = {pk for row in assessment.rows for part in row.parts for pk in getattr(part, field)}
    return set(queryset.filter(pk__in=wanted).values_list("pk", flat=True)) if wanted else set()


@require_POST
@login_required
def publish(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    scheme, round = _scheme_round(request.user, pk, code, Action.MANAGE)
    try:
        services.result_publish(scheme=scheme, round=round, by=request.user)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("assessment:scheme_round", pk=scheme.pk, code=round.code)
    messages.success(request, _("The assessment was published; later changes will not alter it."))
    return redirect("assessment:scheme_round", pk=scheme.pk, code=round.code)


@require_GET
@login_required
def scheme_export(request: HttpRequest, pk: int, code: str) -> FileResponse:
    scheme, round = _scheme_round(request.user, pk, code)
    assessment = _assessment(scheme, round, live=request.GET.get("live") == "1")
    title = f"{scheme.name} · {round.name}"
    buffer = BytesIO()
    assessment_workbook(assessment, title, buffer)
    return attachment(buffer, f"考核_{scheme.pk}_{round.code}.xlsx")


# ---------------------------------------------------------------- people


def _period(request: HttpRequest) -> tuple[PeriodForm, datetime.date, datetime.date]:
    today = timezone.localdate()
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return form, period_start(today, "term"), today
    first = form.cleaned_data.get("first") or period_start(today, "term")
    last = form.cleaned_data.get("last") or today
    if first > last:
        first = period_start(last, "term")
    return form, first, last


@require_GET
@login_required
def people(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(request.user, Action.VIEW, code)
    form, first, last = _period(request)
    context = {"unit": unit, "form": form, "first": first, "last": last}
    if form.errors:
        return render(request, "assessment/people.html", context | {"errors": form.errors}, status=400)
    rows = [people_row(p) for p in people_effort(unit, first, last)]
    return render(request, "assessment/people.html", context | {"headers": people_headers(), "rows": rows})


@require_GET
@login_required
def people_export(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(request.user, Action.VIEW, code)
    form, first, last = _period(request)
    if form.errors:
        return HttpResponse(" ".join(str(e) for e in form.errors.values()), status=400)
    title = _("%(unit)s: effort of each person, %(first)s to %(last)s") % {
        "unit": unit.name,
        "first": first.isoformat(),
        "last": last.isoformat(),
    }
    buffer = BytesIO()
    people_workbook(people_effort(unit, first, last), title, buffer)
    return attachment(buffer, f"{unit.name}-教干教师综合考核-{last.isoformat()}.xlsx")


# ---------------------------------------------------------------- the 通报


@require_POST
@login_required
def notice_create(request: HttpRequest, code: str) -> HttpResponse:
    """Queue the 通报 of the scope and level of the ranking page."""
    round = get_object_or_404(Round.objects.visible_to(request.user), code=code)
    if request.POST.get("scope"):
        get_unit(request.user, Action.VIEW, request.POST["scope"])
    form = RankingForm(request.POST, round=round, user=request.user)
    if not form.is_valid():
        status = 200 if request.headers.get("HX-Request") == "true" else 400
        return render(request, "reports/_export_error.html", {"errors": form_errors(form)}, status=status)
    data = form.cleaned_data
    scope = Unit.objects.get(pk=data["scope"].id)
    job = notice.notice_job_create(user=request.user, round=round, scope=scope, level=data["level"])
    if request.headers.get("HX-Request") == "true":
        return render(request, "assessment/_notice_job.html", {"job": _job(request.user, job.pk)})
    return redirect("assessment:notice_job", pk=job.pk)


def _job(user, pk: int) -> NoticeJob:
    return get_object_or_404(NoticeJob.objects.of_user(user).select_related("round", "scope"), pk=pk)


@require_GET
@login_required
def notice_job(request: HttpRequest, pk: int) -> HttpResponse:
    template = (
        "assessment/_notice_job.html" if request.headers.get("HX-Request") == "true" else "assessment/notice_job.html"
    )
    return render(request, template, {"job": _job(request.user, pk)})


@require_GET
@login_required
def notice_download(request: HttpRequest, pk: int) -> FileResponse:
    job = _job(request.user, pk)
    if not job.file:
        raise Http404(_("This notice has no file (yet)."))
    get_unit(request.user, Action.VIEW, job.scope.code)
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("This notice's file has been removed.")) from None
    return attachment(handle, job.download_name)


@require_http_methods(["GET", "POST"])
@login_required
def notice_template(request: HttpRequest, code: str) -> HttpResponse:
    """A scope's own Word template for the 通报 (administrators of the scope)."""
    unit = get_unit(request.user, Action.MANAGE, code)
    form = NoticeTemplateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and request.POST.get("remove"):
        notice.notice_template_remove(scope=unit)
        messages.success(request, _("The scope uses the default template again."))
        return redirect("assessment:notice_template", code=unit.code)
    if request.method == "POST" and form.is_valid():
        try:
            notice.notice_template_set(
                scope=unit, upload=form.cleaned_data["file"], office=form.cleaned_data["office"], by=request.user
            )
        except ValueError as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, _("The template was saved."))
            return redirect("assessment:notice_template", code=unit.code)
    context = {"unit": unit, "form": form, "current": notice.notice_template_of(unit)}
    return render(request, "assessment/notice_template.html", context, status=400 if form.errors else 200)
