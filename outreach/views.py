"""Pages of follow-ups, households and visits. Each loads through ``units.permissions``, then form, service, render."""

import datetime
from dataclasses import asdict
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from outreach import services
from outreach.coverage import follow_up_coverage, rule_for, rules_around, visit_coverage
from outreach.exports import households_template, visits_workbook
from outreach.forms import (
    FollowUpCallForm,
    FollowUpCloseForm,
    FollowUpFilterForm,
    HouseholdEditForm,
    HouseholdFilterForm,
    HouseholdForm,
    VisitForm,
    VisitRuleForm,
)
from outreach.imports import COLUMNS, read_households
from outreach.models import FollowUp, FollowUpStatus, Household, Period
from outreach.periods import period_start
from spreadsheets.cells import parse_date
from spreadsheets.downloads import attachment
from spreadsheets.forms import upload_take
from surveys.models import Answer, Category
from units.permissions import (
    Action,
    can,
    get_unit,
    may_see_phone,
    may_view_household,
    may_visit_household,
    own,
    require_anywhere,
)

PAGE_SIZE = 50


def _page_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# ---------------------------------------------------------------- follow-ups


def get_follow_up(user, pk: int) -> FollowUp:
    follow_up = get_object_or_404(FollowUp.objects.select_related("unit", "round", "questionnaire"), pk=pk)
    if not can(user, Action.VIEW, follow_up.unit):
        raise Http404
    return follow_up


@require_GET
@login_required
def follow_ups(request: HttpRequest, code: str) -> HttpResponse:
    """Follow-ups of the unit's subtree: open ones by default, or those not contacted this week."""
    unit = get_unit(request.user, Action.VIEW, code)
    data = request.GET.copy()
    data.setdefault("status", FollowUpStatus.OPEN)  # open ones unless asked otherwise, on every page
    form = FollowUpFilterForm(data)
    rows = FollowUp.objects.under(unit)
    if form.is_valid():
        if form.cleaned_data["quiet"]:
            rows = rows.not_contacted_since(period_start(timezone.localdate(), Period.WEEK))
        if form.cleaned_data["status"]:
            rows = rows.filter(status=form.cleaned_data["status"])
    # Never contacted first, then the longest without a contact.
    rows = rows.with_calls().select_related("unit", "round", "questionnaire")
    rows = rows.order_by(F("last_call").asc(nulls_first=True), "id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    _add_dissatisfied(page)
    context = {"unit": unit, "form": form, "page": page, "query": _page_query(request)}
    return render(request, "outreach/follow_ups.html", context)


def _add_dissatisfied(follow_ups) -> None:
    """Each follow-up's indicators answered "dissatisfied" (what the caller asks about), in one query."""
    by_questionnaire = {f.questionnaire_id: f for f in follow_ups}
    for f in follow_ups:
        f.dissatisfied = []
    answers = Answer.objects.filter(
        questionnaire_id__in=by_questionnaire, option__category=Category.DISSATISFIED
    ).select_related("indicator")
    for answer in answers.order_by("questionnaire_id", "indicator_id"):
        by_questionnaire[answer.questionnaire_id].dissatisfied.append(answer.indicator.label())


def _render_follow_up(request: HttpRequest, follow_up: FollowUp, forms: dict | None = None, status: int = 200):
    may_enter = can(request.user, Action.ENTER, follow_up.unit) and follow_up.status == FollowUpStatus.OPEN
    forms = forms or {}
    dissatisfied = Answer.objects.filter(
        questionnaire=follow_up.questionnaire, option__category=Category.DISSATISFIED
    ).select_related("indicator", "option")
    context = {
        "follow_up": follow_up,
        "calls": follow_up.calls.select_related("by", "concern").order_by("date", "id"),
        "dissatisfied": dissatisfied,
        "call_form": forms.get("call") or (FollowUpCallForm(prefix="call") if may_enter else None),
        "close_form": forms.get("close") or (FollowUpCloseForm(prefix="close") if may_enter else None),
    }
    return render(request, "outreach/follow_up_detail.html", context, status=status)


@require_GET
@login_required
def follow_up_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_follow_up(request, get_follow_up(request.user, pk))


def _follow_up_for_entry(request: HttpRequest, pk: int) -> FollowUp:
    follow_up = get_follow_up(request.user, pk)
    if not can(request.user, Action.ENTER, follow_up.unit):
        raise PermissionDenied
    return follow_up


@require_POST
@login_required
def follow_up_call(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = _follow_up_for_entry(request, pk)
    form = FollowUpCallForm(request.POST, prefix="call")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.follow_up_call_add(
                follow_up=follow_up,
                by=request.user,
                date=data["date"],
                method=data["method"],
                notes=data["notes"],
                raised=form.raised(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The contact was recorded."))
            return redirect("outreach:follow_up", pk=follow_up.pk)
    return _render_follow_up(request, follow_up, {"call": form}, status=400)


@require_POST
@login_required
def follow_up_close(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = _follow_up_for_entry(request, pk)
    form = FollowUpCloseForm(request.POST, prefix="close")
    if form.is_valid():
        try:
            services.follow_up_close(
                follow_up=follow_up, by=request.user, status=form.cleaned_data["status"], note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The follow-up was closed."))
            return redirect("outreach:follow_up", pk=follow_up.pk)
    return _render_follow_up(request, follow_up, {"close": form}, status=400)


@require_GET
@login_required
def follow_up_by_unit(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(request.user, Action.VIEW, code)
    context = {"unit": unit, "rows": follow_up_coverage(unit, timezone.localdate())}
    return render(request, "outreach/follow_up_coverage.html", context)


# ---------------------------------------------------------------- households


def get_household(user, pk: int) -> Household:
    """The household if its unit is in the user's subtree or it is assigned to the user; 404 otherwise."""
    household = get_object_or_404(Household.objects.select_related("unit", "assigned_to"), pk=pk)
    if may_view_household(user, household):
        return household
    raise Http404


@require_GET
@login_required
def households(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(request.user, Action.VIEW, code)
    form = HouseholdFilterForm(request.GET, unit=unit, viewer=request.user)
    filters = form.filters()
    rows = Household.objects.under(unit).filter(active=True)
    if "kind" in filters:
        rows = rows.filter(kind=filters["kind"])
    if "person" in filters:
        rows = rows.filter(assigned_to=filters["person"])
    if "q" in filters:
        rows = rows.filter(Q(name__icontains=filters["q"]) | Q(guardian__icontains=filters["q"]))
    rows = rows.with_last_visit().select_related("unit", "assigned_to").order_by("unit__path", "name", "id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "unit": unit,
        "form": form,
        "page": page,
        "query": _page_query(request),
        "can_enter": can(request.user, Action.ENTER, unit),
    }
    return render(request, "outreach/households.html", context)


@require_GET
@login_required
def my_households(request: HttpRequest) -> HttpResponse:
    rows = own(Household.objects.filter(active=True), request.user, "assigned_to")
    rows = rows.with_last_visit().select_related("unit")
    rows = rows.order_by(F("last_visit").asc(nulls_first=True), "name")
    return render(request, "outreach/mine.html", {"households": rows})


@require_http_methods(["GET", "POST"])
@login_required
def household_create(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(request.user, Action.ENTER, code)
    form = HouseholdForm(request.POST or None, unit=unit, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_create(
                data=services.HouseholdData(unit=unit, **form.cleaned_data), by=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The contact was added."))
            return redirect("outreach:household", pk=household.pk)
    status = 400 if form.is_bound else 200
    return render(request, "outreach/household_form.html", {"form": form, "unit": unit}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_household(request.user, pk)
    if not can(request.user, Action.ENTER, household.unit):
        raise PermissionDenied
    show_phone = may_see_phone(request.user, household.unit)
    data = request.POST if request.method == "POST" else None
    form = HouseholdEditForm.for_household(household, show_phone, request.user, data)
    if request.method == "POST" and form.is_valid():
        try:
            services.household_update(household=household, changes=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("outreach:household", pk=household.pk)
    status = 400 if form.is_bound else 200
    context = {"form": form, "unit": household.unit, "household": household}
    return render(request, "outreach/household_form.html", context, status=status)


def _render_household(request: HttpRequest, household: Household, form: VisitForm | None = None, status: int = 200):
    allowed = may_visit_household(request.user, household) and household.active
    context = {
        "household": household,
        "visits": household.visits.select_related("by").prefetch_related("concerns"),
        "visit_form": form or (VisitForm(prefix="visit") if allowed else None),
        "can_edit": can(request.user, Action.ENTER, household.unit),
    }
    return render(request, "outreach/household_detail.html", context, status=status)


@require_GET
@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_household(request, get_household(request.user, pk))


@require_POST
@login_required
def visit_create(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_household(request.user, pk)
    if not may_visit_household(request.user, household):
        raise PermissionDenied
    form = VisitForm(request.POST, prefix="visit")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_record(
                household=household,
                by=request.user,
                date=data["date"],
                method=data["method"],
                notes=data["notes"],
                phone_check=data["phone_check"],
                new_phone=data["new_phone"],
                raised=form.raised(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The visit was recorded."))
            return redirect("outreach:household", pk=household.pk)
    return _render_household(request, household, form, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def households_import(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(request.user, Action.ENTER, code)
    form, problems, written = upload_take(
        request, read_households, lambda rows: len(services.households_import(rows=rows, by=request.user)),
        _("%(n)d contacts were imported."), unit=unit, user=request.user,
    )  # fmt: skip
    if written:
        return redirect("outreach:households", code=unit.code)
    context = {"unit": unit, "form": form, "problems": problems, "columns": COLUMNS}
    return render(request, "outreach/import.html", context, status=400 if form.is_bound else 200)


@require_GET
@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.ENTER)
    buffer = BytesIO()
    households_template(buffer)
    return attachment(buffer, f"{_('contacts')}-{_('template')}.xlsx")


# ---------------------------------------------------------------- coverage and rules


@require_GET
@login_required
def coverage(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(request.user, Action.VIEW, code)
    today = timezone.localdate()
    context = {
        "unit": unit,
        "report": visit_coverage(unit, today),
        "rule": rule_for(unit, rules_around(unit)),
        "can_manage": can(request.user, Action.MANAGE, unit),
        "term_start": period_start(today, Period.TERM),
        "today": today,
    }
    return render(request, "outreach/coverage.html", context)


def _date_param(request: HttpRequest, name: str, default: datetime.date) -> datetime.date:
    try:
        return parse_date(request.GET[name]) if request.GET.get(name) else default
    except ValueError:
        return default


@require_GET
@login_required
def visits_export(request: HttpRequest, code: str) -> HttpResponse:
    """走访台账: the visits of a period (this term unless ``from`` and ``to`` are given) and the coverage."""
    unit = get_unit(request.user, Action.VIEW, code)
    today = timezone.localdate()
    first = _date_param(request, "from", period_start(today, Period.TERM))
    last = _date_param(request, "to", today)
    buffer = BytesIO()
    visits_workbook(unit, request.user, first, last, visit_coverage(unit, today), buffer)
    return attachment(buffer, f"{unit.name}-{_('visit ledger')}-{today.isoformat()}.xlsx")


@require_http_methods(["GET", "POST"])
@login_required
def visit_rule(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(request.user, Action.MANAGE, code)
    current = rule_for(unit, rules_around(unit))
    form = VisitRuleForm(request.POST or None, initial=asdict(current))
    if request.method == "POST" and form.is_valid():
        services.visit_rule_set(unit=unit, **form.cleaned_data)
        messages.success(request, _("The visit rule was saved; it applies to the units below too."))
        return redirect("outreach:coverage", code=unit.code)
    status = 400 if form.is_bound else 200
    return render(request, "outreach/visit_rule.html", {"unit": unit, "form": form}, status=status)
