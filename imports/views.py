"""Pages of imports: upload per round, the job with its progress and errors, downloads, running again."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from imports.forms import ImportForm
from imports.models import ImportJob, JobKind, JobStatus
from imports.services import import_job_create, import_job_refresh, import_job_rerun
from imports.validation import PHONE
from imports.workbooks import error_file, error_file_name, has_error_file, template_name, template_workbook
from spreadsheets.downloads import attachment
from spreadsheets.problems import problem_text
from surveys.forms import add_service_errors
from surveys.models import Round
from surveys.selectors import round_units
from units.permissions import Action, phone_shown

ERRORS_PER_PAGE = 200


def _round_for_entry(user, code: str) -> Round:
    """404 for a round with no unit of the user's scope; 403 if the user may not enter results in any of them."""
    try:
        round = Round.objects.visible_to(user).select_related("scale").get(code=code)
    except Round.DoesNotExist:
        raise Http404 from None
    if not round_units(round, user, Action.ENTER).exists():
        raise PermissionDenied
    return round


def _job_for(user, pk: int) -> ImportJob:
    """A job of a round the user may enter results in, and one the user started (superusers: any)."""
    try:
        job = ImportJob.objects.select_related("round").get(pk=pk)
    except ImportJob.DoesNotExist:
        raise Http404 from None
    _round_for_entry(user, job.round.code)
    if not ImportJob.objects.visible_to(user).filter(pk=pk).exists():
        raise Http404
    return job


@require_http_methods(["GET", "POST"])
@login_required
def upload(request: HttpRequest, code: str) -> HttpResponse:
    round = _round_for_entry(request.user, code)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = import_job_create(
                round=round, user=request.user, upload=data["file"], file_name=data["file"].name, kind=data["kind"],
                dry_run=data["dry_run"],
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("imports:job", pk=job.pk)
    context = {
        "round": round,
        "form": form,
        "jobs": ImportJob.objects.visible_to(request.user).filter(round=round)[:20],
        "kinds": JobKind,
    }
    return render(request, "imports/upload.html", context, status=400 if form.errors else 200)


@require_GET
@login_required
def template_download(request: HttpRequest, code: str) -> HttpResponse:
    round = _round_for_entry(request.user, code)
    kind = request.GET.get("kind", JobKind.QUESTIONNAIRES)
    if kind not in JobKind.values:
        return HttpResponseBadRequest(_("Unknown kind of template: %(kind)s.") % {"kind": kind})
    return attachment(template_workbook(round=round, user=request.user, kind=kind), template_name(round, kind))


def _shown_errors(request: HttpRequest, job: ImportJob):
    page = Paginator(job.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = [
        {**problem, "reason_text": problem_text(problem),
         # A refused row's unit is not known here: the number is whole for superusers only.
         "value": phone_shown(request.user, None, problem["value"]) if problem.get("column") == PHONE
         else problem["value"]}
        for problem in page.object_list
    ]  # fmt: skip
    return page


@require_GET
@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = import_job_refresh(_job_for(request.user, pk))
    context = {
        "job": job,
        "round": job.round,
        "page": _shown_errors(request, job),
        "has_error_file": job.status == JobStatus.REFUSED and has_error_file(job),
    }
    return render(request, "imports/job.html", context)


@require_GET
@login_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The status block, polled by htmx while the job runs; once finished the whole page reloads."""
    job = import_job_refresh(_job_for(request.user, pk))
    response = render(request, "imports/_job_status.html", {"job": job})
    if job.is_finished:
        response["HX-Refresh"] = "true"
    return response


@require_GET
@login_required
def error_file_download(request: HttpRequest, pk: int) -> FileResponse:
    job = _job_for(request.user, pk)
    if job.status != JobStatus.REFUSED or not has_error_file(job):
        raise Http404
    return attachment(error_file(job=job, user=request.user), error_file_name(job))


@require_POST
@login_required
def job_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request.user, pk)
    try:
        import_job_rerun(job=job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The import was queued again."))
    return redirect("imports:job", pk=job.pk)
