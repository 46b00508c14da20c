"""Pages of the ledger. Each loads through ``units.permissions``, cleans a form, calls one service, renders."""

from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ledger import services
from ledger.exports import concerns_template, ledger_workbook
from ledger.forms import (
    AssignForm,
    CallBackForm,
    CheckForm,
    ConcernForm,
    FixedForm,
    LedgerFilterForm,
    NoteForm,
    WithdrawForm,
)
from ledger.imports import COLUMNS, read_concerns
from ledger.models import Concern, ConcernStatus, ConcernStep, Reminder
from ledger.summary import ledger_summary
from spreadsheets.downloads import attachment
from spreadsheets.forms import upload_take
from units import people
from units.permissions import (
    Action,
    can,
    get_unit,
    may_fix_concern,
    may_see_phone,
    may_view_concern,
    may_work_concern,
    own,
    require_anywhere,
    top_units,
)
from workdays.days import add_working_days

PAGE_SIZE = 50
DUE_SOON_WORKING_DAYS = 3


def get_concern(user, pk: int) -> Concern:
    """The concern if its unit is in the user's subtree or the user is responsible for it; 404 otherwise."""
    related = ("unit", "category", "indicator", "responsible_user", "responsible_member__group__unit")
    concern = get_object_or_404(Concern.objects.select_related(*related), pk=pk)
    if may_view_concern(user, concern):
        return concern
    raise Http404


# ---------------------------------------------------------------- workflow steps


@dataclass(frozen=True)
class Step:
    form: type[forms.Form]
    run: Callable[..., Concern]
    allowed: Callable[..., bool]  # may this user take the step at all (else 403)
    applies: Callable[..., bool]  # is the step offered to this user in the concern's state


def _assign(concern: Concern, user, form: AssignForm) -> Concern:
    data = form.cleaned_data
    return services.concern_assign(
        concern=concern, by=user, deadline=data["deadline"], text=data["text"], **form.responsible()
    )


def _start(concern: Concern, user, form: NoteForm) -> Concern:
    return services.concern_start_fixing(concern=concern, by=user, text=form.cleaned_data["text"])


def _fixed(concern: Concern, user, form: FixedForm) -> Concern:
    return services.concern_submit_for_check(concern=concern, by=user, text=form.cleaned_data["text"])


def _check(concern: Concern, user, form: CheckForm) -> Concern:
    data = form.cleaned_data
    return services.concern_check(concern=concern, by=user, passed=data["passed"], text=data["text"])


def _call_back(concern: Concern, user, form: CallBackForm) -> Concern:
    data = form.cleaned_data
    return services.concern_call_back(concern=concern, by=user, satisfied=data["satisfied"], text=data["text"])


def _withdraw(concern: Concern, user, form: WithdrawForm) -> Concern:
    return services.concern_withdraw(concern=concern, by=user, reason=form.cleaned_data["reason"])


def _waiting_for_check(concern: Concern, user) -> bool:
    """The check form is not offered to the fixer, who may not check their own fix."""
    waiting = concern.status == ConcernStatus.AWAITING_CHECK and not concern.checked_by_id
    return waiting and user.pk not in services.fixer_ids(concern)


def _waiting_for_call_back(concern: Concern, user) -> bool:
    return concern.status == ConcernStatus.AWAITING_CHECK and bool(concern.checked_by_id) and not concern.is_anonymous


STEPS = {
    "assign": Step(
        AssignForm,
        _assign,
        may_work_concern,
        lambda c, u: c.status in (ConcernStatus.RECEIVED, ConcernStatus.ASSIGNED, ConcernStatus.FIXING),
    ),
    "start": Step(NoteForm, _start, may_fix_concern, lambda c, u: c.status == ConcernStatus.ASSIGNED),
    "fixed": Step(FixedForm, _fixed, may_fix_concern, lambda c, u: c.status == ConcernStatus.FIXING),
    "check": Step(CheckForm, _check, may_work_concern, _waiting_for_check),
    "call-back": Step(CallBackForm, _call_back, may_work_concern, _waiting_for_call_back),
    "withdraw": Step(WithdrawForm, _withdraw, may_work_concern, lambda c, u: not c.is_final),
}


def _step_form(name: str, concern: Concern, user, data=None) -> forms.Form:
    form_class = STEPS[name].form
    if form_class is AssignForm:
        initial = {"person": concern.responsible_key}
        return AssignForm(data, unit=concern.unit, viewer=user, initial=initial, prefix=name)
    return form_class(data, prefix=name)


def _render_concern(request: HttpRequest, concern: Concern, failed: dict | None = None, status: int = 200):
    user = request.user
    failed = failed or {}
    # A refused step is shown with its errors even if the concern's state no longer offers it.
    step_forms = {
        name: failed.get(name) or _step_form(name, concern, user)
        for name, step in STEPS.items()
        if name in failed or (step.allowed(user, concern) and step.applies(concern, user))
    }
    context = {
        "concern": concern,
        "steps": ConcernStep.objects.filter(concern=concern).select_related("by"),
        "step_forms": step_forms,
        "can_edit": may_work_concern(user, concern) and not concern.is_final,
        "is_overdue": concern.is_overdue(timezone.localdate()),
        "can_view_unit": can(user, Action.VIEW, concern.unit),
    }
    return render(request, "ledger/concern_detail.html", context, status=status)


@require_GET
@login_required
def concern_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_concern(request, get_concern(request.user, pk))


@require_POST
@login_required
def concern_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    concern = get_concern(request.user, pk)
    if step not in STEPS:
        raise Http404
    if not STEPS[step].allowed(request.user, concern):
        raise PermissionDenied
    form = _step_form(step, concern, request.user, request.POST)
    if form.is_valid():
        try:
            STEPS[step].run(concern, request.user, form)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("ledger:concern", pk=concern.pk)
    return _render_concern(request, concern, failed={step: form}, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def concern_edit(request: HttpRequest, pk: int) -> HttpResponse:
    concern = get_concern(request.user, pk)
    if not may_work_concern(request.user, concern):
        raise PermissionDenied
    show_phone = may_see_phone(request.user, concern.unit)
    form = ConcernForm.for_concern(concern, show_phone, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        changes["deadline"] = changes["deadline"] or concern.deadline
        try:
            services.concern_update(concern=concern, by=request.user, changes=changes)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("ledger:concern", pk=concern.pk)
    status = 400 if form.is_bound else 200
    return render(
        request, "ledger/concern_form.html", {"form": form, "concern": concern, "unit": concern.unit}, status=status
    )


@require_http_methods(["GET", "POST"])
@login_required
def concern_create(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(request.user, Action.ENTER, code)
    form = ConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            concern = services.concern_create(
                data=services.ConcernData(unit=unit, **form.cleaned_data), by=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The concern was entered in the ledger."))
            return redirect("ledger:concern", pk=concern.pk)
    status = 400 if form.is_bound else 200
    return render(request, "ledger/concern_form.html", {"form": form, "unit": unit}, status=status)


# ---------------------------------------------------------------- the ledger of a unit


def _filtered(request: HttpRequest, unit) -> tuple[LedgerFilterForm, object]:
    concerns = Concern.objects.under(unit)
    form = LedgerFilterForm(request.GET, person_choices=people.responsible_choices(concerns, request.user))
    return form, concerns.filtered(form.filters(), timezone.localdate())


@require_GET
@login_required
def unit_ledger(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(request.user, Action.VIEW, code)
    form, concerns = _filtered(request, unit)
    page = Paginator(concerns.for_listing(), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "unit": unit,
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "today": timezone.localdate(),
        "can_enter": can(request.user, Action.ENTER, unit),
    }
    return render(request, "ledger/unit_ledger.html", context)


@require_GET
@login_required
def ledger_export(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(request.user, Action.VIEW, code)
    _form, concerns = _filtered(request, unit)
    today = timezone.localdate()
    buffer = BytesIO()
    ledger_workbook(unit, concerns, request.user, today, buffer)
    return attachment(buffer, f"{unit.name}-{_('ledger')}-{today.isoformat()}.xlsx")


@require_GET
@login_required
def summary(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(request.user, Action.VIEW, code)
    context = {"unit": unit, "summary": ledger_summary(unit, timezone.localdate())}
    return render(request, "ledger/summary.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def ledger_import(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(request.user, Action.ENTER, code)
    form, problems, written = upload_take(
        request, read_concerns,
        lambda rows: len(services.concerns_import(rows=rows, by=request.user, file_name=request.FILES["file"].name)),
        _("%(n)d concerns were imported."), unit=unit, user=request.user,
    )  # fmt: skip
    if written:
        return redirect("ledger:unit", code=unit.code)
    context = {"unit": unit, "form": form, "problems": problems, "columns": COLUMNS}
    return render(request, "ledger/import.html", context, status=400 if form.is_bound else 200)


@require_GET
@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.ENTER)
    buffer = BytesIO()
    concerns_template(buffer)
    return attachment(buffer, f"{_('concerns')}-{_('template')}.xlsx")


# ---------------------------------------------------------------- people


@require_GET
@login_required
def my_concerns(request: HttpRequest) -> HttpResponse:
    """What the user is responsible for: overdue first, then what is due soon, then the rest."""
    today = timezone.localdate()
    soon = add_working_days(today, DUE_SOON_WORKING_DAYS)
    concerns = list(Concern.objects.of_person(request.user).open().for_listing().order_by("deadline", "id"))
    reminders = list(Reminder.objects.active_for(request.user).select_related("concern__unit", "concern__category"))
    for reminder in reminders:
        reminder.can_open = may_view_concern(request.user, reminder.concern)
    context = {
        "overdue": [c for c in concerns if c.deadline < today],
        "due_soon": [c for c in concerns if today <= c.deadline <= soon],
        "later": [c for c in concerns if c.deadline > soon],
        "reminders": reminders,
        "today": today,
    }
    return render(request, "ledger/mine.html", context)


@require_POST
@login_required
def reminder_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    services.reminder_dismiss(reminder=get_object_or_404(own(Reminder.objects.all(), request.user), pk=pk))
    return redirect("ledger:mine")


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "ledger/index.html", {"top_units": top_units(request.user)})
