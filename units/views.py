from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from units.models import UnitKind
from units.permissions import Action, can, get_unit, top_units, units_for


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"top_units": top_units(request.user)})


@require_GET
@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    """Search the units the user may see, by code or name and kind."""
    units = units_for(request.user, Action.VIEW).select_related("parent")
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    if query:
        units = units.filter(Q(code__icontains=query) | Q(name__icontains=query))
    if kind in UnitKind.values:
        units = units.filter(kind=kind)
    page = Paginator(units.order_by("path"), 100).get_page(request.GET.get("page"))
    for unit in page:
        # The parent of a top unit lies outside the user's subtree: do not name it.
        unit.visible_parent = unit.parent if unit.parent and can(request.user, Action.VIEW, unit.parent) else None
    context = {"page": page, "q": query, "kind": kind, "kinds": UnitKind.choices, "top_units": top_units(request.user)}
    return render(request, "units/unit_list.html", context)


@require_GET
@login_required
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(request.user, Action.VIEW, code)
    # Ancestors are shown as a breadcrumb only as far up as the user may see.
    ancestors = [a for a in unit.ancestors() if can(request.user, Action.VIEW, a)]
    context = {
        "unit": unit,
        "ancestors": ancestors,
        "children": unit.children.filter(active=True).order_by("order", "code"),
        "can_manage": can(request.user, Action.MANAGE, unit),
    }
    return render(request, "units/unit_detail.html", context)
