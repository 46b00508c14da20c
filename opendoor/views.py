"""Pages of open-door activities. Each loads through ``units.permissions``, then form, service, render."""

import datetime
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opendoor import services
from opendoor.coverage import open_door_report
from opendoor.exports import open_door_workbook
from opendoor.forms import ActivityForm, OpinionConcernForm, PeriodForm, RuleForm
from opendoor.models import Activity, ActivityRule, Opinion
from outreach.periods import period_start
from spreadsheets.downloads import attachment
from units.paths import subtree_q
from units.permissions import Action, can, get_unit, require

RECENT = 30


def _term(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = period_start(today, "term")
    following = period_start(start + datetime.timedelta(days=200), "term")
    return start, following - datetime.timedelta(days=1)


def _period(request: HttpRequest) -> tuple[PeriodForm, datetime.date, datetime.date]:
    """The period asked for (``start`` and ``end``), this term by default or when the dates are wrong."""
    first, last = _term(timezone.localdate())
    form = PeriodForm(request.GET if "start" in request.GET else None, initial={"start": first, "end": last})
    if form.is_bound and form.is_valid():
        first, last = form.cleaned_data["start"], form.cleaned_data["end"]
    return form, first, last


def _activity(user, pk: int, action: Action) -> Activity:
    activity = get_object_or_404(Activity.objects.select_related("unit"), pk=pk)
    require(user, action, activity.unit)
    return activity


@require_GET
@login_required
def unit_activities(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(request.user, Action.VIEW, code)
    form, first, last = _period(request)
    activities = Activity.objects.under(unit).filter(held_on__gte=first, held_on__lte=last)
    context = {
        "unit": unit,
        "form": form,
        "report": open_door_report(unit, first, last),
        "activities": activities.select_related("unit").order_by("-held_on", "-id")[:RECENT],
        "can_enter": can(request.user, Action.ENTER, unit),
        "can_manage": can(request.user, Action.MANAGE, unit),
        "query": request.GET.urlencode(),
        "today": timezone.localdate(),
    }
    return render(request, "opendoor/unit.html", context, status=400 if form.errors else 200)


@require_GET
@login_required
def export(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(request.user, Action.VIEW, code)
    _form, first, last = _period(request)
    buffer = BytesIO()
    open_door_workbook(open_door_report(unit, first, last), buffer)
    return attachment(buffer, f"{unit.name}-{_('open-door activities')}-{first.isoformat()}-{last.isoformat()}.xlsx")


@require_http_methods(["GET", "POST"])
@login_required
def activity_create(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(request.user, Action.ENTER, code)
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_record(unit=unit, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The activity was recorded."))
            return redirect("opendoor:activity", pk=activity.pk)
    status = 400 if form.is_bound else 200
    return render(request, "opendoor/activity_form.html", {"unit": unit, "form": form}, status=status)


@require_GET
@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request.user, pk, Action.VIEW)
    context = {
        "activity": activity,
        "unit": activity.unit,
        "opinions": activity.opinions.select_related("concern"),
        "can_enter": can(request.user, Action.ENTER, activity.unit),
        "concern_form": OpinionConcernForm(),
    }
    return render(request, "opendoor/activity_detail.html", context)


@require_POST
@login_required
def opinion_concern(request: HttpRequest, pk: int) -> HttpResponse:
    opinion = get_object_or_404(Opinion.objects.select_related("activity__unit"), pk=pk)
    require(request.user, Action.ENTER, opinion.activity.unit)
    form = OpinionConcernForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the category of the concern."))
        return redirect("opendoor:activity", pk=opinion.activity_id)
    try:
        concern = services.opinion_to_concern(opinion=opinion, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("opendoor:activity", pk=opinion.activity_id)
    messages.success(request, _("The opinion is now concern #%(pk)s of the ledger.") % {"pk": concern.pk})
    return redirect("ledger:concern", pk=concern.pk)


@require_http_methods(["GET", "POST"])
@login_required
def rules(request: HttpRequest, code: str) -> HttpResponse:
    """The rules set on this unit (for its subtree), and those above it that apply here too."""
    unit = get_unit(request.user, Action.MANAGE, code)
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.under = unit
        try:
            services.rule_add(rule=form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The rule was saved; it applies to the units of that kind below."))
            return redirect("opendoor:rules", code=unit.code)
    context = {
        "unit": unit,
        "form": form,
        "rules": ActivityRule.objects.filter(subtree_q(unit.path, "under__path")).select_related("under"),
        "above": ActivityRule.objects.filter(under__in=unit.ancestor_ids).select_related("under"),
    }
    return render(request, "opendoor/rules.html", context, status=400 if form.is_bound else 200)


@require_POST
@login_required
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(ActivityRule.objects.select_related("under"), pk=pk)
    require(request.user, Action.MANAGE, rule.under)
    services.rule_delete(rule=rule)
    messages.success(request, _("The rule was removed."))
    return redirect("opendoor:rules", code=rule.under.code)
