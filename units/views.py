from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from spreadsheets.downloads import attachment
from spreadsheets.problems import FileRefused
from units.exports import export_units
from units.forms import UnitImportForm
from units.imports import import_units
from units.models import UnitKind
from units.permissions import Action, can, can_anywhere, get_unit, require_anywhere, top_units, units_for


def posted(request: HttpRequest) -> QueryDict | None:
    """The data of a POST, else None: an empty POST must still bind the form and show its errors."""
    return request.POST if request.method == "POST" else None


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
    context = {
        "page": page,
        "q": query,
        "kind": kind,
        "kinds": UnitKind.choices,
        "top_units": top_units(request.user),
        "can_import": can_anywhere(request.user, Action.MANAGE),
    }
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
        "groups": unit.groups.order_by("id"),
        "can_manage": can(request.user, Action.MANAGE, unit),
    }
    return render(request, "units/unit_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def unit_import(request: HttpRequest) -> HttpResponse:
    """Upload a units workbook: all rows are checked, then all written, or none and every problem shown."""
    require_anywhere(request.user, Action.MANAGE)
    form = UnitImportForm(posted(request), request.FILES if request.method == "POST" else None)
    result, problems = None, []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = import_units(data["file"], user=request.user, dry_run=data["dry_run"])
        except FileRefused as refused:
            problems = refused.problems.kept
        if result and not result.dry_run:
            messages.success(request, _("Units imported: %(result)s.") % {"result": result})
            if result.note:
                messages.info(request, result.note)
            return redirect("units:list")
    return render(request, "units/unit_import.html", {"form": form, "result": result, "problems": problems})


@require_GET
@login_required
def unit_export(request: HttpRequest) -> FileResponse:
    """The units the user may see (or one subtree, ``?under=CODE``) in the import format."""
    require_anywhere(request.user, Action.VIEW)
    code = request.GET.get("under", "").strip()
    under = get_unit(request.user, Action.VIEW, code) if code else None
    buffer = BytesIO()
    export_units(buffer, user=request.user, under=under)
    return attachment(buffer, f"units-{code}.xlsx" if code else "units.xlsx")
