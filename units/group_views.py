"""Leadership groups of a unit: read by anyone who sees the unit, changed by its administrators."""

from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from spreadsheets.downloads import attachment
from units.forms import GroupMemberForm, LeadershipGroupForm
from units.groups import member_save, roster_workbook, rosters
from units.models import GroupMember, LeadershipGroup, Unit
from units.permissions import Action, can, get_unit
from units.views import posted


def _group(user, action: Action, code: str, pk: int) -> tuple[Unit, LeadershipGroup]:
    unit = get_unit(user, action, code)
    return unit, get_object_or_404(LeadershipGroup, pk=pk, unit=unit)


def _member(user, code: str, pk: int, member_pk: int) -> tuple[Unit, LeadershipGroup, GroupMember]:
    unit, group = _group(user, Action.MANAGE, code, pk)
    return unit, group, get_object_or_404(GroupMember, pk=member_pk, group=group)


@require_GET
@login_required
def group_list(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(request.user, Action.VIEW, code)
    context = {
        "unit": unit,
        "rosters": rosters(unit, request.user),
        "can_manage": can(request.user, Action.MANAGE, unit),
    }
    return render(request, "units/group_list.html", context)


@require_GET
@login_required
def roster_export(request: HttpRequest, code: str) -> FileResponse:
    unit = get_unit(request.user, Action.VIEW, code)
    buffer = BytesIO()
    roster_workbook(unit, request.user, buffer)
    return attachment(buffer, f"groups-{unit.code}.xlsx")


@require_http_methods(["GET", "POST"])
@login_required
def group_create(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(request.user, Action.MANAGE, code)
    form = LeadershipGroupForm(posted(request), instance=LeadershipGroup(unit=unit))
    if request.method == "POST" and form.is_valid():
        group = form.save()
        messages.success(request, _("Leadership group “%(name)s” created.") % {"name": group.name})
        return redirect("units:groups", code=unit.code)
    return render(request, "units/group_form.html", {"unit": unit, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def group_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    unit, group = _group(request.user, Action.MANAGE, code, pk)
    form = LeadershipGroupForm(posted(request), instance=group)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Leadership group “%(name)s” saved.") % {"name": group.name})
        return redirect("units:groups", code=unit.code)
    return render(request, "units/group_form.html", {"unit": unit, "group": group, "form": form})


@require_POST
@login_required
def group_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    unit, group = _group(request.user, Action.MANAGE, code, pk)
    group.delete()
    messages.success(request, _("Leadership group “%(name)s” deleted.") % {"name": group.name})
    return redirect("units:groups", code=unit.code)


@require_http_methods(["GET", "POST"])
@login_required
def member_create(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    unit, group = _group(request.user, Action.MANAGE, code, pk)
    return _member_form(request, unit, group, GroupMember(group=group))


@require_http_methods(["GET", "POST"])
@login_required
def member_edit(request: HttpRequest, code: str, pk: int, member_pk: int) -> HttpResponse:
    unit, group, member = _member(request.user, code, pk, member_pk)
    return _member_form(request, unit, group, member)


def _member_form(request: HttpRequest, unit: Unit, group: LeadershipGroup, member: GroupMember) -> HttpResponse:
    form = GroupMemberForm(posted(request), instance=member, group=group, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = member_save(
            member=form.save(commit=False), department=data["department"], covered=data["covered_units"]
        )
        messages.success(request, _("Member “%(name)s” saved.") % {"name": member.display_name})
        return redirect("units:groups", code=unit.code)
    return render(request, "units/member_form.html", {"unit": unit, "group": group, "member": member, "form": form})


@require_POST
@login_required
def member_delete(request: HttpRequest, code: str, pk: int, member_pk: int) -> HttpResponse:
    unit, group, member = _member(request.user, code, pk, member_pk)
    name = member.display_name
    member.delete()
    messages.success(request, _("Member “%(name)s” removed from “%(group)s”.") % {"name": name, "group": group.name})
    return redirect("units:groups", code=unit.code)
