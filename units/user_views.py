"""Users and roles, for administrators: only accounts and roles inside their subtrees."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from units.accounts import role_grant, role_revoke, user_create
from units.forms import RoleGrantForm, UserCreateForm
from units.permissions import Action, get_account, may_revoke, require_anywhere, roles_for, users_for
from units.views import posted


@require_GET
@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.MANAGE)
    visible_roles = roles_for(request.user).select_related("unit").order_by("unit__path", "kind")
    people = users_for(request.user).prefetch_related(Prefetch("manyi_roles", visible_roles, to_attr="visible_roles"))
    query = request.GET.get("q", "").strip()
    if query:
        people = people.filter(Q(username__icontains=query) | Q(first_name__icontains=query))
    page = Paginator(people.order_by("username"), 50).get_page(request.GET.get("page"))
    return render(request, "units/user_list.html", {"page": page, "q": query})


@require_http_methods(["GET", "POST"])
@login_required
def user_new(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.MANAGE)
    form = UserCreateForm(posted(request), viewer=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        account = user_create(
            username=data["username"],
            name=data["first_name"],
            password=data["password1"],
            unit=data["unit"],
            kind=data["kind"],
        )
        messages.success(request, _("User “%(username)s” created.") % {"username": account.username})
        return redirect("units:user_detail", pk=account.pk)
    return render(request, "units/user_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An account's roles inside the administrator's subtrees; POST grants one more."""
    require_anywhere(request.user, Action.MANAGE)
    account = get_account(request.user, pk)
    form = RoleGrantForm(posted(request), viewer=request.user, account=account)
    if request.method == "POST" and form.is_valid():
        role = role_grant(user=account, unit=form.cleaned_data["unit"], kind=form.cleaned_data["kind"])
        messages.success(request, _("Role granted: %(role)s.") % {"role": role})
        return redirect("units:user_detail", pk=account.pk)
    roles = roles_for(request.user).filter(user=account).select_related("unit").order_by("unit__path", "kind")
    return render(request, "units/user_detail.html", {"account": account, "roles": roles, "form": form})


@require_POST
@login_required
def role_remove(request: HttpRequest, pk: int) -> HttpResponse:
    require_anywhere(request.user, Action.MANAGE)
    role = get_object_or_404(roles_for(request.user).select_related("unit", "user"), pk=pk)
    if not may_revoke(request.user, role):
        messages.error(request, _("You cannot revoke your own administrator role; ask another administrator."))
    else:
        role_revoke(role=role)
        messages.success(request, _("Role revoked: %(role)s.") % {"role": role})
    if users_for(request.user).filter(pk=role.user_id).exists():
        return redirect("units:user_detail", pk=role.user_id)
    return redirect("units:user_list")
