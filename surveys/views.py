"""The entry pages of a survey round: hub, questionnaires one by one, counts, history and status.

Every page loads the round through ``_get_round`` (404 unless a unit of the user's scope takes part)
and every unit through ``units.permissions`` (404 outside the user's subtrees, 403 without the right).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from surveys import services
from surveys.forms import (
    CountsForm,
    QuestionnaireFilterForm,
    QuestionnaireForm,
    RoundPeersForm,
    RoundStatusForm,
    add_service_errors,
    next_number,
)
from surveys.models import Option, Questionnaire, ReportedCount, Round
from surveys.selectors import (
    ChangeDescriber,
    add_picks,
    round_changes,
    round_questionnaires,
    round_units,
)
from units.models import Unit
from units.permissions import Action, get_unit, may_manage_round, may_see_phone, require

PAGE_SIZE = 50


def _get_round(user, code: str) -> Round:
    """The round if a unit of the user's scope takes part in it; 404 otherwise, so that its name stays hidden."""
    try:
        return Round.objects.visible_to(user).select_related("scale", "previous", "under").get(code=code)
    except Round.DoesNotExist:
        raise Http404 from None


def _entry_units(user, round: Round):
    """Participating units where the user may enter results; 403 if none (the round itself is visible)."""
    units = round_units(round, user, Action.ENTER)
    if not units.exists():
        raise PermissionDenied
    return units


def _options(round: Round) -> list[Option]:
    return list(Option.objects.filter(scale_id=round.scale_id).order_by("number"))


# ---------------------------------------------------------------- rounds


@require_GET
@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    rounds = Round.objects.visible_to(request.user).select_related("scale").order_by("-start", "code")
    page = Paginator(rounds, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "surveys/round_list.html", {"page": page})


def _round_links(user, round: Round) -> dict[str, bool]:
    """What the user may do in the round; the hub's links are shown from these."""
    may_enter = round.is_open and round_units(round, user, Action.ENTER).exists()
    return {
        "view": True,
        "enter": may_enter,
        "counts": may_enter,
        "history": round_units(round, user, Action.MANAGE).exists(),
        "status": may_manage_round(user, round),
    }


def _round_detail_context(request: HttpRequest, round: Round, status_form: RoundStatusForm | None = None) -> dict:
    user = request.user
    previous_visible = bool(round.previous_id) and Round.objects.visible_to(user).filter(pk=round.previous_id).exists()
    return {
        "round": round,
        "days_left": round.days_left(timezone.localdate()),
        "indicators": round.ordered_indicators(),
        "options": _options(round),
        "units_in_scope": round_units(round, user, Action.VIEW).count(),
        "previous_visible": previous_visible,
        "may": _round_links(user, round),
        "status_form": status_form or RoundStatusForm(),
        "peers_form": RoundPeersForm(initial={"peer_disclosure": round.peer_disclosure}),
    }


@require_GET
@login_required
def round_detail(request: HttpRequest, code: str) -> HttpResponse:
    round = _get_round(request.user, code)
    return render(request, "surveys/round_detail.html", _round_detail_context(request, round))


@require_POST
@login_required
def round_status(request: HttpRequest, code: str) -> HttpResponse:
    """Open (draft -> open), close (open -> closed) or reopen with a reason (closed -> open)."""
    round = _get_round(request.user, code)
    if not may_manage_round(request.user, round):
        raise PermissionDenied
    form = RoundStatusForm(request.POST)
    if form.is_valid():
        try:
            round = services.round_set_status(
                round=round, status=form.cleaned_data["status"], user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The round is now %(status)s.") % {"status": round.get_status_display()})
            return redirect("surveys:round_detail", code=round.code)
    context = _round_detail_context(request, round, status_form=form)
    return render(request, "surveys/round_detail.html", context)


@require_POST
@login_required
def round_peers(request: HttpRequest, code: str) -> HttpResponse:
    """Whether each unit's leaders see the peers outside their units: by name, anonymised or not at all."""
    round = _get_round(request.user, code)
    if not may_manage_round(request.user, round):
        raise PermissionDenied
    form = RoundPeersForm(request.POST)
    if not form.is_valid():
        context = _round_detail_context(request, round) | {"peers_form": form}
        return render(request, "surveys/round_detail.html", context, status=400)
    round = services.round_peer_disclosure_set(round=round, disclosure=form.cleaned_data["peer_disclosure"])
    messages.success(request, _("Peers: %(choice)s.") % {"choice": round.get_peer_disclosure_display()})
    return redirect("surveys:round_detail", code=round.code)


# ---------------------------------------------------------------- questionnaires one by one


def _memory_key(round: Round) -> str:
    return f"surveys.entry.{round.pk}"


def _entry_initial(round: Round, memory: dict) -> dict:
    """The fields remembered from the last form saved in this session; today's date if within the period."""
    today = timezone.localdate()
    initial = {"date": today if round.start <= today <= round.end else None}
    initial.update({k: memory[k] for k in ("unit", "respondent_type", "channel", "date") if k in memory})
    if number := next_number(memory.get("last", {}).get("number", "")):
        initial["number"] = number  # the stack is usually numbered in order: the clerk checks, not types
    return initial


def _skips_number_and_phone(memory: dict) -> bool:
    """A clerk whose last form had neither number nor phone does not use them: the cursor skips both."""
    last = memory.get("last")
    return bool(last) and not last.get("number") and not last.get("had_phone")


def _remember(request: HttpRequest, round: Round, questionnaire: Questionnaire) -> None:
    memory = request.session.get(_memory_key(round), {})
    request.session[_memory_key(round)] = {
        "unit": questionnaire.unit_id,
        "respondent_type": questionnaire.respondent_type,
        "channel": questionnaire.channel,
        "date": questionnaire.date.isoformat(),
        "saved": memory.get("saved", 0) + 1,
        "last": {
            "id": questionnaire.pk,
            "number": questionnaire.number,
            "had_phone": bool(questionnaire.phone),
            "unit": questionnaire.unit.name,
            "answers": questionnaire.answers.count(),
            "at": timezone.localtime().strftime("%H:%M:%S"),
        },
    }


@require_http_methods(["GET", "POST"])
@login_required
def questionnaire_enter(request: HttpRequest, code: str) -> HttpResponse:
    """Type a stack of paper forms: save, then a blank form with unit, respondent type, channel and date kept."""
    round = _get_round(request.user, code)
    units = _entry_units(request.user, round)
    memory = request.session.get(_memory_key(round), {})
    context = {"round": round, "memory": memory}
    if not round.is_open:
        return render(request, "surveys/questionnaire_enter.html", context)
    form_kwargs = {"units": units, "indicators": round.ordered_indicators(), "options": _options(round)}
    if request.method == "POST":
        form = QuestionnaireForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                questionnaire = services.questionnaire_create(round=round, data=form.to_data(), user=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                _remember(request, round, questionnaire)
                return redirect("surveys:questionnaire_enter", code=round.code)
        else:
            form.add_problems_of_clean_fields(round)
    else:
        form = QuestionnaireForm(initial=_entry_initial(round, memory), **form_kwargs)
        if units.count() == 1:
            form.initial["unit"] = units.get().pk
    # The first field that changes from one paper form to the next.
    has_unit = form.initial.get("unit") or form.data.get("unit")
    if has_unit and _skips_number_and_phone(memory) and form.indicators:
        form.skip_number_and_phone()
    else:
        form.focus("number" if has_unit else "unit")
    context["form"] = form
    return render(request, "surveys/questionnaire_enter.html", context)


@require_GET
@login_required
def questionnaire_list(request: HttpRequest, code: str) -> HttpResponse:
    round = _get_round(request.user, code)
    units = round_units(round, request.user, Action.VIEW)
    filters = QuestionnaireFilterForm(request.GET or None, units=units)
    questionnaires = filters.filter(round_questionnaires(round, request.user))
    page = Paginator(questionnaires, PAGE_SIZE).get_page(request.GET.get("page"))
    indicators = round.ordered_indicators()
    add_picks(page, indicators, round.scale_id)
    may_change = set(round_units(round, request.user, Action.ENTER).values_list("pk", flat=True))
    for questionnaire in page:
        questionnaire.may_change = round.is_open and questionnaire.unit_id in may_change
    query = request.GET.copy()
    query.pop("page", None)
    context = {"round": round, "filters": filters, "page": page, "indicators": indicators, "query": query.urlencode()}
    return render(request, "surveys/questionnaire_list.html", context)


def _get_questionnaire(request: HttpRequest, round: Round, pk: int) -> Questionnaire:
    """A questionnaire the user may change: 404 outside their subtrees, 403 for read-only roles."""
    questionnaire = get_object_or_404(round_questionnaires(round, request.user), pk=pk)
    require(request.user, Action.ENTER, questionnaire.unit)
    return questionnaire


def _refuse_if_closed(request: HttpRequest, round: Round) -> HttpResponse | None:
    if round.is_open:
        return None
    messages.error(request, _("The round “%(round)s” is not open: results cannot be changed.") % {"round": round.name})
    return redirect("surveys:questionnaire_list", code=round.code)


@require_http_methods(["GET", "POST"])
@login_required
def questionnaire_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    round = _get_round(request.user, code)
    questionnaire = _get_questionnaire(request, round, pk)
    if refused := _refuse_if_closed(request, round):
        return refused
    form_kwargs = {
        "units": round_units(round, request.user, Action.ENTER),
        "indicators": round.ordered_indicators(),
        "options": _options(round),
        # A number the user may not read is shown masked and kept unless they type a new one.
        "hidden_phone": "" if may_see_phone(request.user, questionnaire.unit) else questionnaire.phone,
    }
    if request.method == "POST":
        form = QuestionnaireForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                saved = services.questionnaire_update(
                    questionnaire=questionnaire, data=form.to_data(), user=request.user
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Questionnaire %(q)s saved.") % {"q": saved})
                return redirect("surveys:questionnaire_list", code=round.code)
        else:
            form.add_problems_of_clean_fields(round, exclude_id=questionnaire.pk)
    else:
        form = QuestionnaireForm(initial=QuestionnaireForm.initial_from(questionnaire), **form_kwargs)
    form.focus("number")
    context = {"round": round, "questionnaire": questionnaire, "form": form}
    return render(request, "surveys/questionnaire_edit.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def questionnaire_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes (the deletion stays in the history)."""
    round = _get_round(request.user, code)
    questionnaire = _get_questionnaire(request, round, pk)
    if refused := _refuse_if_closed(request, round):
        return refused
    if request.method == "POST":
        try:
            services.questionnaire_delete(questionnaire=questionnaire, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Questionnaire %(q)s deleted.") % {"q": questionnaire})
        return redirect("surveys:questionnaire_list", code=round.code)
    return render(request, "surveys/questionnaire_delete.html", {"round": round, "questionnaire": questionnaire})


# ---------------------------------------------------------------- counts


@require_GET
@login_required
def counts_units(request: HttpRequest, code: str) -> HttpResponse:
    """Choose the unit whose counts to enter."""
    round = _get_round(request.user, code)
    units = _entry_units(request.user, round)
    query = request.GET.get("q", "").strip()
    if query:
        units = units.filter(Q(code__icontains=query) | Q(name__icontains=query))
    page = Paginator(units, 100).get_page(request.GET.get("page"))
    with_counts = set(
        ReportedCount.objects.filter(round=round, count__gt=0, unit__in=[u.pk for u in page]).values_list(
            "unit_id", flat=True
        )
    )
    context = {"round": round, "page": page, "q": query, "query": urlencode({"q": query}), "with_counts": with_counts}
    return render(request, "surveys/counts_units.html", context)


def _counts_form(request: HttpRequest, round: Round, unit: Unit) -> CountsForm:
    """The unit's counts grid, bound to what was typed on a POST; 404 unless the unit takes part in the round."""
    if not round.participations.filter(unit=unit).exists():
        raise Http404
    saved = {
        (i, o): n
        for i, o, n in ReportedCount.objects.filter(round=round, unit=unit).values_list(
            "indicator_id", "option_id", "count"
        )
    }
    form_kwargs = {"indicators": round.ordered_indicators(), "options": _options(round), "saved": saved}
    return CountsForm(request.POST if request.method == "POST" else None, **form_kwargs)


@require_http_methods(["GET", "POST"])
@login_required
def counts_enter(request: HttpRequest, code: str, unit_code: str) -> HttpResponse:
    """A unit's counts as a grid of indicators x options; totals and rates are refreshed by ``counts_figures``."""
    round = _get_round(request.user, code)
    unit = get_unit(request.user, Action.ENTER, unit_code)
    form = _counts_form(request, round, unit)
    if form.is_bound and round.is_open and form.is_valid():
        try:
            changed = services.reported_counts_set(round=round, unit=unit, counts=form.counts(), user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Counts saved: %(n)s cells changed.") % {"n": changed})
            return redirect("surveys:counts_enter", code=round.code, unit_code=unit.code)
    context = {
        "round": round,
        "unit": unit,
        "form": form,
        "questionnaires": round.questionnaires.filter(unit=unit).count(),
    }
    return render(request, "surveys/counts_enter.html", context)


@require_POST
@login_required
def counts_figures(request: HttpRequest, code: str, unit_code: str) -> HttpResponse:
    """The grid's totals and rates of the counts typed so far, saving nothing (htmx posts the grid as one types).

    The rates are the engine's, so the grid never shows a rounding of its own.
    """
    round = _get_round(request.user, code)
    unit = get_unit(request.user, Action.ENTER, unit_code)
    form = _counts_form(request, round, unit)
    form.is_valid()  # names the cells that are not counts
    return render(request, "surveys/_counts_figures.html", {"form": form, "oob": True})


# ---------------------------------------------------------------- history


@require_GET
@login_required
def history(request: HttpRequest, code: str) -> HttpResponse:
    """Every change to the round's results within the administrator's units; ``?unit=CODE`` for one subtree."""
    round = _get_round(request.user, code)
    units = round_units(round, request.user, Action.MANAGE)
    if not units.exists():
        raise PermissionDenied
    unit = get_unit(request.user, Action.MANAGE, request.GET["unit"]) if request.GET.get("unit") else None
    page = Paginator(round_changes(round, request.user, unit), PAGE_SIZE).get_page(request.GET.get("page"))
    describer = ChangeDescriber(round, list(page), request.user)
    rows = [(change, describer.describe(change)) for change in page]
    query = urlencode({"unit": unit.code}) if unit else ""
    context = {"round": round, "units": units, "unit": unit, "page": page, "rows": rows, "query": query}
    return render(request, "surveys/history.html", context)
