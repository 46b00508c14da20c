"""Staff pages of online answering: links and QR codes, posters, settings, invitations, held answers, progress.

The round is loaded only if a unit of the user's scope takes part (else 404);
units through ``units.permissions`` (404 outside the user's subtrees, 403
without the right): links, posters and invitations need MANAGE on the unit,
reviewing held answers ENTER, progress VIEW.
"""

import io
import zipfile

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ledger.models import CategoryOfConcern
from respond.exports import export_progress
from respond.forms import OnlineSettingForm, ReviewForm, UnitTargetForm
from respond.models import Invitation, Status, Submission, SurveyLink
from respond.progress import breakdown_columns, public_url, round_progress
from respond.screening import flag_labels
from respond.services import (
    Target,
    invitations_add,
    link_reissue,
    link_revoke,
    links_ensure,
    online_setting,
    online_setting_save,
    opinion_to_concern,
    quotas_text,
    submissions_review,
    unit_quotas,
    unit_targets,
    unit_targets_set,
)
from respond.sheets import invitations_read, unit_targets_read
from spreadsheets.downloads import attachment
from spreadsheets.forms import UploadForm, upload_take
from surveys.models import Participation, Round
from surveys.selectors import round_units
from units.models import Unit
from units.permissions import Action, get_unit, may_manage_round

HELD_PAGE = 200
UNSAFE_IN_FILE_NAMES = str.maketrans(dict.fromkeys('/\\:*?"<>|', "_"))
OPINIONS_PAGE = 50


def _round(user, code: str) -> Round:
    try:
        return Round.objects.visible_to(user).select_related("scale").get(code=code)
    except Round.DoesNotExist:
        raise Http404 from None


def _units(round: Round, user, action: Action) -> QuerySet[Unit]:
    """Participating units where the user may do ``action``; 403 if none (the round itself is visible)."""
    units = round_units(round, user, action)
    if not units.exists():
        raise PermissionDenied
    return units


def _unit(round: Round, user, action: Action, unit_code: str) -> Unit:
    unit = get_unit(user, action, unit_code)
    if not Participation.objects.filter(round=round, unit=unit).exists():
        raise Http404
    return unit


def _base_url(request: HttpRequest) -> str:
    """Printed links use the public address when one is set, else the address this page was reached at."""
    return settings.MANYI_PUBLIC_BASE_URL or request.build_absolute_uri("/")


def _poster(request: HttpRequest, unit: Unit, link: SurveyLink) -> dict:
    url = public_url(link, _base_url(request))
    return {"unit": unit, "url": url, "svg": segno.make(url, error="m").svg_inline(scale=6)}


# ---------------------------------------------------------------- links, QR codes, posters, settings


def _links_page(request: HttpRequest, round: Round, form: OnlineSettingForm | None, status: int = 200) -> HttpResponse:
    units = list(_units(round, request.user, Action.MANAGE))
    active = links_ensure(round, units)
    base = _base_url(request)
    rows = [(unit, public_url(active[unit.pk], base)) for unit in units]
    context = {"round": round, "rows": rows, "setting": online_setting(round), "form": form}
    return render(request, "respond/links.html", context, status=status)


@require_GET
@login_required
def links(request: HttpRequest, code: str) -> HttpResponse:
    round = _round(request.user, code)
    may_set = may_manage_round(request.user, round)
    return _links_page(request, round, OnlineSettingForm(instance=online_setting(round)) if may_set else None)


@require_POST
@login_required
def setting_save(request: HttpRequest, code: str) -> HttpResponse:
    round = _round(request.user, code)
    if not may_manage_round(request.user, round):
        raise PermissionDenied
    form = OnlineSettingForm(request.POST, instance=online_setting(round))
    if form.is_valid():
        try:
            online_setting_save(setting=form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The online answering settings were saved."))
            return redirect("respond:links", code=round.code)
    return _links_page(request, round, form, status=400)


@require_GET
@login_required
def qr(request: HttpRequest, code: str, unit_code: str, kind: str) -> HttpResponse:
    round = _round(request.user, code)
    unit = _unit(round, request.user, Action.MANAGE, unit_code)
    url = public_url(links_ensure(round, [unit])[unit.pk], _base_url(request))
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind=kind, scale=10, border=2)
    content_type = "image/png" if kind == "png" else "image/svg+xml"
    response = HttpResponse(out.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{round.code}-{unit.code}.{kind}"'
    return response


@require_POST
@login_required
def link_change(request: HttpRequest, code: str, unit_code: str, action: str) -> HttpResponse:
    """Re-issue (a new token) or revoke a unit's link: the old token answers 404 from now on."""
    round = _round(request.user, code)
    unit = _unit(round, request.user, Action.MANAGE, unit_code)
    if action == "reissue":
        link_reissue(round=round, unit=unit)
        messages.success(
            request, _("A new link was issued for %(unit)s; the old one no longer works.") % {"unit": unit.name}
        )
    else:
        link_revoke(round=round, unit=unit)
        messages.success(request, _("The link of %(unit)s was revoked.") % {"unit": unit.name})
    return redirect("respond:links", code=round.code)


def _poster_units(request: HttpRequest, round: Round) -> list[Unit]:
    """The units of the posters asked for: one unit (``?unit=``), a subtree (``?under=``), or all the user manages."""
    units = _units(round, request.user, Action.MANAGE)
    if request.GET.get("unit"):
        return [_unit(round, request.user, Action.MANAGE, request.GET["unit"])]
    if request.GET.get("under"):
        under = get_unit(request.user, Action.MANAGE, request.GET["under"])
        return list(units.filter(path__startswith=under.path))
    return list(units)


@require_GET
@login_required
def posters(request: HttpRequest, code: str) -> HttpResponse:
    """Printable posters, one page per unit: one unit (``?unit=``) or every unit of a subtree (``?under=``)."""
    round = _round(request.user, code)
    units = _poster_units(request, round)
    active = links_ensure(round, units)
    pages = [_poster(request, unit, active[unit.pk]) for unit in units]
    context = {"round": round, "pages": pages, "setting": online_setting(round)}
    return render(request, "respond/posters.html", context)


@require_GET
@login_required
def posters_zip(request: HttpRequest, code: str) -> FileResponse:
    """The same posters as one zip: per unit a printable page (HTML, its QR code inline) and the QR code as PNG."""
    round = _round(request.user, code)
    units = _poster_units(request, round)
    active = links_ensure(round, units)
    setting = online_setting(round)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for unit in units:
            page = _poster(request, unit, active[unit.pk])
            name = f"{unit.code}-{unit.name}".translate(UNSAFE_IN_FILE_NAMES)
            html = render_to_string("respond/posters.html", {"round": round, "pages": [page], "setting": setting})
            archive.writestr(f"{name}.html", html)
            png = io.BytesIO()
            segno.make(page["url"], error="m").save(png, kind="png", scale=10, border=2)
            archive.writestr(f"{name}.png", png.getvalue())
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=f"{round.code}-posters.zip", content_type="application/zip")


# ---------------------------------------------------------------- invitations


@require_http_methods(["GET", "POST"])
@login_required
def invitations(request: HttpRequest, code: str) -> HttpResponse:
    round = _round(request.user, code)
    units = _units(round, request.user, Action.MANAGE)
    form, problems, written = upload_take(
        request, invitations_read, lambda rows: invitations_add(round=round, invitees=rows),
        _("%(n)d invitation codes were created."),
        round=round, user=request.user,
    )  # fmt: skip
    if written:
        return redirect("respond:invitations", code=round.code)
    listed = Invitation.objects.filter(round=round, unit__in=units).select_related("unit")
    context = {"round": round, "form": form, "problems": problems, "invitations": listed}
    return render(request, "respond/invitations.html", context, status=400 if problems else 200)


@require_http_methods(["GET", "POST"])
@login_required
def targets(request: HttpRequest, code: str) -> HttpResponse:
    """Each unit's own sample target and quotas: one unit by the form, or many from an Excel file."""
    round = _round(request.user, code)
    units = list(_units(round, request.user, Action.MANAGE))
    one = UnitTargetForm(request.POST if "sample_target" in request.POST else None, units=units)
    if one.is_bound:
        form, problems, written = UploadForm(), [], _set_one_target(request, round, one)
    else:
        form, problems, written = upload_take(
            request, unit_targets_read, lambda rows: unit_targets_set(round=round, targets=rows, user=request.user),
            _("%(n)d unit targets were set."),
            round=round, user=request.user,
        )  # fmt: skip
    if written:
        return redirect("respond:targets", code=round.code)
    setting = online_setting(round)
    ids = [unit.pk for unit in units]
    wanted, quotas = unit_targets(setting, ids), unit_quotas(setting, ids)
    rows = [(u, wanted[u.pk], quotas_text(quotas[u.pk])) for u in units]
    context = {"round": round, "form": form, "one": one, "problems": problems, "rows": rows}
    return render(request, "respond/targets.html", context, status=400 if problems or one.errors else 200)


def _set_one_target(request: HttpRequest, round: Round, form: UnitTargetForm) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    unit = _unit(round, request.user, Action.MANAGE, data["unit"])
    try:
        unit_targets_set(
            round=round, targets={unit.pk: Target(data["sample_target"], data["quotas"])}, user=request.user
        )
    except ValidationError as error:
        form.add_error(None, error)
        return False
    messages.success(request, _("The target of %(unit)s was set.") % {"unit": unit.name})
    return True


# ---------------------------------------------------------------- held answers


@require_http_methods(["GET", "POST"])
@login_required
def held(request: HttpRequest, code: str) -> HttpResponse:
    """Held answers of the units where the user may enter results; accept or reject them with a reason."""
    round = _round(request.user, code)
    units = _units(round, request.user, Action.ENTER)
    waiting = Submission.objects.filter(round=round, status=Status.HELD, unit__in=units).select_related("unit")
    waiting = list(waiting.order_by("submitted_at")[:HELD_PAGE])
    form = ReviewForm(request.POST or None, held_ids=[s.pk for s in waiting])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            accept = data["decision"] == ReviewForm.ACCEPT
            n = submissions_review(
                round=round, ids=data["ids"], accept=accept, reason=data["reason"], user=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(n)d answers were decided.") % {"n": n})
            return redirect("respond:held", code=round.code)
    for submission in waiting:
        submission.flag_labels = flag_labels(submission.flags)
    context = {"round": round, "form": form, "held": waiting}
    return render(request, "respond/held.html", context, status=400 if form.errors else 200)


# ---------------------------------------------------------------- opinions


@require_GET
@login_required
def opinions(request: HttpRequest, code: str) -> HttpResponse:
    """Opinions of counted online answers, newest first, for staff of the units; each can become a concern."""
    round = _round(request.user, code)
    units = _units(round, request.user, Action.ENTER)
    given = Submission.objects.filter(round=round, status=Status.ACCEPTED, unit__in=units).exclude(opinion="")
    page = Paginator(given.select_related("unit"), OPINIONS_PAGE).get_page(request.GET.get("page"))
    context = {"round": round, "page": page, "categories": CategoryOfConcern.objects.order_by("id")}
    return render(request, "respond/opinions.html", context)


@require_POST
@login_required
def opinion_concern(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    round = _round(request.user, code)
    units = _units(round, request.user, Action.ENTER)
    submission = get_object_or_404(Submission, round=round, pk=pk, unit__in=units)
    category = get_object_or_404(CategoryOfConcern, pk=request.POST.get("category") or 0)
    try:
        concern = opinion_to_concern(submission=submission, category=category, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("respond:opinions", code=round.code)
    messages.success(request, _("The opinion is now concern #%(id)d in the ledger.") % {"id": concern.pk})
    return redirect("ledger:concern", pk=concern.pk)


# ---------------------------------------------------------------- progress


@require_GET
@login_required
def progress(request: HttpRequest, code: str) -> HttpResponse:
    """The round page's progress panel (htmx polls it), or the same figures as Excel (``?format=xlsx``)."""
    round = _round(request.user, code)
    rows = round_progress(round, request.user)
    columns = breakdown_columns(rows)
    if request.GET.get("format") == "xlsx":
        out = io.BytesIO()
        export_progress(out, round=round, rows=rows, columns=columns)
        return attachment(out, f"{round.code}-progress.xlsx")
    return render(request, "respond/_progress.html", {"round": round, "rows": rows, "columns": columns})
