"""Pages of samples and phone interviews: the plan, call lists and rates, the caller's screen, firms' records.

The round is loaded only if a unit of the user's scope takes part (else 404). The plan and the call lists
are for administrators of participating units (the units of their subtrees only; 403 without any); the
settings and the draw for those who manage the round; the caller's screen for staff, showing only the
numbers assigned to them (``may_dial``), each reveal logged.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sampling import calls, maths
from sampling.forms import AssignForm, AttemptForm, DrawForm, PlanForm, PopulationForm, VerificationForm
from sampling.models import AttemptResult, CallAttempt, CallNumber, Verification
from sampling.plans import achieved, plan_apply_as_targets, plan_of, plan_rows, plan_save, populations_set
from sampling.sheets import call_list_read, call_records_read, populations_read
from sampling.verification import (
    checked_below,
    doubtful_limit,
    is_doubtful,
    verification_draw,
    verification_figures,
    verification_record,
    verification_reveal,
)
from spreadsheets.forms import UploadForm, upload_take
from surveys.forms import QuestionnaireForm, add_service_errors
from surveys.models import Channel, Option, Round
from surveys.selectors import round_units
from units.models import Unit
from units.permissions import (
    Action,
    may_dial,
    may_manage_round,
    may_verify,
    phone_shown,
    units_for,
    users_for,
)


def _round(user, code: str) -> Round:
    try:
        return Round.objects.visible_to(user).get(code=code)
    except Round.DoesNotExist:
        raise Http404 from None


def _units(round: Round, user, action: Action) -> QuerySet[Unit]:
    units = round_units(round, user, action)
    if not units.exists():
        raise PermissionDenied
    return units


# ---------------------------------------------------------------- the plan


def _plan_page(request: HttpRequest, round: Round, *, plan_form=None, population_form=None, upload=None,
               problems=(), status=200) -> HttpResponse:  # fmt: skip
    units = _units(round, request.user, Action.MANAGE)
    may_set = may_manage_round(request.user, round)
    rows, plan = plan_rows(round, units=list(units)), plan_of(round)
    got = achieved(round, rows, plan)
    context = {
        "round": round,
        "rows": [(row, got[row.unit.pk]) for row in rows],
        "plan": plan,
        "plan_form": plan_form or (PlanForm(instance=plan) if may_set else None),
        "population_form": population_form or PopulationForm(units=units),
        "upload_form": upload or UploadForm(),
        "problems": problems,
    }
    return render(request, "sampling/plan.html", context, status=status)


@require_GET
@login_required
def plan(request: HttpRequest, code: str) -> HttpResponse:
    return _plan_page(request, _round(request.user, code))


@require_POST
@login_required
def plan_settings(request: HttpRequest, code: str) -> HttpResponse:
    round = _round(request.user, code)
    if not may_manage_round(request.user, round):
        raise PermissionDenied
    form = PlanForm(request.POST, instance=plan_of(round))
    if not form.is_valid():
        return _plan_page(request, round, plan_form=form, status=400)
    plan_save(plan=form.instance)
    messages.success(request, _("The sample plan was saved."))
    return redirect("sampling:plan", code=round.code)


@require_POST
@login_required
def population_set(request: HttpRequest, code: str) -> HttpResponse:
    round = _round(request.user, code)
    form = PopulationForm(request.POST, units=_units(round, request.user, Action.MANAGE))
    if not form.is_valid():
        return _plan_page(request, round, population_form=form, status=400)
    populations_set(round=round, populations={form.cleaned_data["unit"].pk: form.cleaned_data["population"]})
    messages.success(request, _("The population was saved."))
    return redirect("sampling:plan", code=round.code)


@require_POST
@login_required
def populations_upload(request: HttpRequest, code: str) -> HttpResponse:
    round = _round(request.user, code)
    _units(round, request.user, Action.MANAGE)
    form, problems, written = upload_take(
        request, populations_read, lambda rows: populations_set(round=round, populations=rows),
        _("%(n)d populations were set."),
        round=round, user=request.user,
    )  # fmt: skip
    if written:
        return redirect("sampling:plan", code=round.code)
    return _plan_page(request, round, upload=form, problems=problems, status=400)


@require_POST
@login_required
def plan_targets(request: HttpRequest, code: str) -> HttpResponse:
    """Apply the plan as the online questionnaire's sample targets, for the units the user administers."""
    round = _round(request.user, code)
    count = plan_apply_as_targets(round=round, units=list(_units(round, request.user, Action.MANAGE)))
    messages.success(request, _("%(n)d units have the plan's n as their sample target.") % {"n": count})
    return redirect("sampling:plan", code=round.code)


# ---------------------------------------------------------------- call lists, the draw, callers, rates


def _rate_rows(rates: calls.CallRates, unit_ids: set[int]) -> list[dict]:
    units = sorted((rates.units[u] for u in unit_ids if u in rates.units), key=lambda u: u.path)
    return [{"unit": u, "counts": rates.by_unit[u.pk], "rates": maths.rate_percents(rates.by_unit[u.pk])}
            for u in units]  # fmt: skip


def _visible_unit_ids(user, unit_ids) -> set[int]:
    return set(units_for(user, Action.MANAGE).filter(pk__in=list(unit_ids)).values_list("pk", flat=True))


def _calls_page(request: HttpRequest, round: Round, *, upload=None, assign=None, problems=(), status=200):
    units = _units(round, request.user, Action.MANAGE)
    listed = (
        CallNumber.objects.filter(round=round, unit__in=units)
        .values("unit__code", "unit__name")
        .annotate(total=Count("id"), drawn=Count("id", filter=Q(draw__isnull=False)),
                  assigned=Count("id", filter=Q(caller__isnull=False)))
        .order_by("unit__path")
    )  # fmt: skip
    rates = calls.call_rates(round, caller_units=set(units.values_list("pk", flat=True)))
    callers = users_for(request.user, Action.MANAGE)
    names = {u.pk: u.get_full_name() or u.get_username() for u in callers.filter(pk__in=list(rates.by_caller))}
    by_caller = [
        {"caller": names[c], "counts": d, "rates": maths.rate_percents(d)}
        for c, d in rates.by_caller.items() if c in names
    ]  # fmt: skip
    context = {
        "round": round,
        "listed": listed,
        "rates": _rate_rows(rates, _visible_unit_ids(request.user, rates.by_unit)),
        "by_caller": by_caller,
        "upload_form": upload or UploadForm(),
        "assign_form": assign or AssignForm(units=units, callers=callers),
        "draw_form": DrawForm() if may_manage_round(request.user, round) else None,
        "problems": problems,
    }
    return render(request, "sampling/calls.html", context, status=status)


@require_GET
@login_required
def call_lists(request: HttpRequest, code: str) -> HttpResponse:
    return _calls_page(request, _round(request.user, code))


@require_POST
@login_required
def call_list_upload(request: HttpRequest, code: str) -> HttpResponse:
    round = _round(request.user, code)
    _units(round, request.user, Action.MANAGE)
    form, problems, written = upload_take(
        request, call_list_read, lambda rows: calls.call_numbers_add(round=round, numbers=rows),
        _("%(n)d numbers were added to the call list."),
        round=round, user=request.user,
    )  # fmt: skip
    if written:
        return redirect("sampling:calls", code=round.code)
    return _calls_page(request, round, upload=form, problems=problems, status=400)


@require_POST
@login_required
def draw(request: HttpRequest, code: str) -> HttpResponse:
    round = _round(request.user, code)
    if not may_manage_round(request.user, round):
        raise PermissionDenied
    form = DrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("seed", [])))
        return redirect("sampling:calls", code=round.code)
    made = calls.call_draw(round=round, user=request.user, seed=form.cleaned_data["seed"])
    messages.success(request, _("%(n)d numbers were drawn (seed %(seed)d).") % {"n": made.drawn, "seed": made.seed})
    return redirect("sampling:calls", code=round.code)


@require_POST
@login_required
def assign(request: HttpRequest, code: str) -> HttpResponse:
    round = _round(request.user, code)
    units = _units(round, request.user, Action.MANAGE)
    form = AssignForm(request.POST, units=units, callers=users_for(request.user, Action.MANAGE))
    if not form.is_valid():
        return _calls_page(request, round, assign=form, status=400)
    data = form.cleaned_data
    count = calls.callers_assign(round=round, unit=data["unit"], caller=data["caller"], count=data["count"])
    messages.success(request, _("%(n)d numbers were assigned.") % {"n": count})
    return redirect("sampling:calls", code=round.code)


@require_http_methods(["GET", "POST"])
@login_required
def records_upload(request: HttpRequest, code: str) -> HttpResponse:
    """A survey firm's call records (单位编码, 电话, 拨打时间, 结果), for units the user may enter results for."""
    round = _round(request.user, code)
    _units(round, request.user, Action.ENTER)
    form, problems, written = upload_take(
        request, call_records_read,
        lambda rows: calls.attempts_import(round=round, rows=rows, user=request.user, file_name="upload"),
        _("%(n)d call attempts were imported."),
        round=round, user=request.user,
    )  # fmt: skip
    if written:
        return redirect("sampling:records", code=round.code)
    context = {"round": round, "form": form, "problems": problems}
    return render(request, "sampling/records.html", context, status=400 if problems else 200)


# ---------------------------------------------------------------- the caller's screen


@require_http_methods(["GET", "POST"])
@login_required
def dial(request: HttpRequest, code: str) -> HttpResponse:
    round = _round(request.user, code)
    _units(round, request.user, Action.ENTER)
    form = AttemptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _dial_choice(request, round, form)
    return _dial_page(request, round, form)


def _dial_page(request: HttpRequest, round: Round, form, *, interview=None, number=None, status=200):
    number = number or calls.numbers_to_call(round, request.user).first()
    context = {"round": round, "form": form, "number": number, "plan": plan_of(round), "interview": interview}
    if number is not None and may_dial(request.user, number):
        context["phone"] = calls.number_reveal(number=number, user=request.user)
        context["history"] = CallAttempt.objects.filter(number=number).order_by("at")
        context["form"] = form if form.is_bound else AttemptForm(initial={"number": number.pk})
    elif number is not None:
        context["phone"] = phone_shown(request.user, number.unit, number.phone)
    context["left"] = calls.numbers_to_call(round, request.user).count()
    return render(request, "sampling/dial.html", context, status=400 if form.errors else status)


def _dial_choice(request: HttpRequest, round: Round, form: AttemptForm) -> HttpResponse:
    """A result chosen on the caller's screen: recorded, except that a reached respondent's interview opens
    in the same screen (the attempt is recorded with the questionnaire, ``interview``)."""
    number = CallNumber.objects.filter(round=round, pk=form.cleaned_data["number"]).select_related("unit").first()
    if number is None or not may_dial(request.user, number):
        raise Http404
    result = form.cleaned_data["result"]
    if result in calls.INTERVIEWED and round.is_open:
        return redirect(f"{reverse('sampling:interview', args=[round.code, number.pk])}?result={result}")
    try:
        calls.attempt_record(number=number, result=result, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("sampling:dial", code=round.code)


@require_http_methods(["GET", "POST"])
@login_required
def interview(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The questionnaire of a reached respondent, in the caller's screen: the entry form and its keyboard, with
    the number's unit, channel 电话, its respondent type and phone; saving records the attempt, linked to it."""
    round = _round(request.user, code)
    units = _units(round, request.user, Action.ENTER)
    number = CallNumber.objects.filter(round=round, pk=pk).select_related("unit", "round").first()
    if number is None or not may_dial(request.user, number) or not units.filter(pk=number.unit_id).exists():
        raise Http404
    result = request.POST.get("result") or request.GET.get("result") or AttemptResult.COMPLETE
    if result not in calls.INTERVIEWED:
        return HttpResponseBadRequest(_("Only a completed or partly completed interview gives a questionnaire."))
    if not round.is_open:
        messages.error(request, _("The round is not open: results cannot be entered or changed."))
        return redirect("sampling:dial", code=round.code)
    entry = interview_form(round, number, request.POST if request.method == "POST" else None)
    if request.method == "POST" and entry.is_valid():
        try:
            calls.interview_save(number=number, result=result, data=entry.to_data(), user=request.user)
        except ValidationError as error:
            add_service_errors(entry, error)
        else:
            messages.success(request, _("The questionnaire was saved and the attempt recorded."))
            return redirect("sampling:dial", code=round.code)
    entry.focus("date")
    status = 400 if entry.errors else 200
    return _dial_page(request, round, AttemptForm(), interview={"form": entry, "result": result}, number=number,
                      status=status)  # fmt: skip


def interview_form(round: Round, number: CallNumber, data=None) -> QuestionnaireForm:
    """The entry form of a phone interview: the number's unit only, channel 电话 only, its type and phone set."""
    form = QuestionnaireForm(
        data, units=Unit.objects.filter(pk=number.unit_id), indicators=round.ordered_indicators(),
        options=list(Option.objects.filter(scale_id=round.scale_id).order_by("number")),
        initial={"unit": number.unit_id, "channel": Channel.PHONE, "respondent_type": number.respondent_type,
                 "phone": number.phone, "date": timezone.localdate()},
    )  # fmt: skip
    form.fields["channel"].choices = [(Channel.PHONE, Channel.PHONE.label)]
    return form


# ---------------------------------------------------------------- verification call-backs


def _verifiable(round: Round, user) -> list[Verification]:
    """Call-backs still to make that the user may make: from above, never by the unit's own clerks."""
    waiting = Verification.objects.filter(round=round, result="", unit__in=round_units(round, user, Action.ENTER))
    waiting = waiting.select_related("unit").order_by("unit__path", "id")
    return [item for item in waiting if may_verify(user, item.unit, item.entered_by_id)]


def _verify_page(request: HttpRequest, round: Round, form=None, status=200) -> HttpResponse:
    user = request.user
    waiting = _verifiable(round, user)
    item = None
    if form is None and request.GET.get("item", "").isdigit():
        item = next((i for i in waiting if i.pk == int(request.GET["item"])), None)
        if item is None:
            raise Http404
        form = VerificationForm(initial={"item": item.pk}, **_verification_form_kwargs(round))
        item.phone_whole = verification_reveal(item=item, user=user)
    _by_unit, by_clerk = verification_figures(round)
    # Each unit with its subtree's call-backs: a district's verified, confirmed and discrepancy rate over its units.
    by_unit = checked_below(round, "/")
    managed = units_for(user, Action.MANAGE).filter(pk__in=list(by_unit)).order_by("path")  # schools and above
    units = {u.pk: u for u in managed}
    limit = doubtful_limit(plan_of(round))
    clerks = {u.pk: u for u in users_for(user, Action.MANAGE).filter(pk__in=[c for c in by_clerk if c])}
    context = {
        "round": round,
        "waiting": waiting,
        "item": item,
        "form": form,
        "draw_form": DrawForm() if may_manage_round(user, round) else None,
        "units": [(unit, by_unit[pk]) for pk, unit in units.items()],
        "clerks": [(clerk, by_clerk[pk]) for pk, clerk in clerks.items()],
        "doubtful": {pk for pk, checked in by_unit.items() if is_doubtful(checked, limit)},
        "plan": plan_of(round),
    }
    return render(request, "sampling/verify.html", context, status=status)


def _verification_form_kwargs(round: Round) -> dict:
    return {"indicators": round.ordered_indicators(), "options": Option.objects.filter(scale_id=round.scale_id)}


@require_http_methods(["GET", "POST"])
@login_required
def verify(request: HttpRequest, code: str) -> HttpResponse:
    round = _round(request.user, code)
    _units(round, request.user, Action.ENTER)
    if request.method == "GET":
        return _verify_page(request, round)
    form = VerificationForm(request.POST, **_verification_form_kwargs(round))
    if not form.is_valid():
        return _verify_page(request, round, form=form, status=400)
    item = Verification.objects.filter(round=round, pk=form.cleaned_data["item"]).select_related("unit").first()
    if item is None or not may_verify(request.user, item.unit, item.entered_by_id):
        raise Http404
    try:
        verification_record(item=item, result=form.cleaned_data["result"], user=request.user,
                            answers=form.answers(), note=form.cleaned_data["note"])  # fmt: skip
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The call-back was recorded."))
    return redirect("sampling:verify", code=round.code)


@require_POST
@login_required
def verify_draw(request: HttpRequest, code: str) -> HttpResponse:
    round = _round(request.user, code)
    if not may_manage_round(request.user, round):
        raise PermissionDenied
    form = DrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("seed", [])))
        return redirect("sampling:verify", code=round.code)
    made = verification_draw(round=round, user=request.user, seed=form.cleaned_data["seed"])
    count = made.items.count()
    messages.success(request, _("%(n)d questionnaires were drawn to be called back (seed %(seed)d).")
                     % {"n": count, "seed": made.seed})  # fmt: skip
    return redirect("sampling:verify", code=round.code)
