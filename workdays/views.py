"""The page of working days: the years Manyi knows, the days administrators added, and adding more."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from units.permissions import Action, may_manage_calendar, require_anywhere
from workdays import services
from workdays.days import unknown_years
from workdays.forms import CalendarDayForm
from workdays.models import CalendarDay


@require_http_methods(["GET", "POST"])
@login_required
def calendar_days(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.VIEW)
    may_manage = may_manage_calendar(request.user)
    if request.method == "POST" and not may_manage:
        raise PermissionDenied
    form = CalendarDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.calendar_day_set(day=data["day"], is_working_day=data["kind"] == "working", note=data["note"])
        messages.success(request, _("%(day)s was saved.") % {"day": data["day"].isoformat()})
        return redirect("workdays:days")
    year = timezone.localdate().year
    context = {
        "form": form,
        "may_manage": may_manage,
        "days": CalendarDay.objects.filter(day__year__gte=year - 1),
        "unknown": unknown_years(*range(year - 1, year + 3)),
    }
    return render(request, "workdays/days.html", context, status=400 if form.is_bound else 200)


@require_POST
@login_required
def calendar_day_delete(request: HttpRequest, pk: int) -> HttpResponse:
    if not may_manage_calendar(request.user):
        raise PermissionDenied
    day = get_object_or_404(CalendarDay, pk=pk)
    services.calendar_day_delete(day=day)
    messages.success(request, _("%(day)s was removed.") % {"day": day.day.isoformat()})
    return redirect("workdays:days")
