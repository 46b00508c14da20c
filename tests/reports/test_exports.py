"""Excel reports: the job, its task, the workbook's figures (equal to the page's), files and their owners."""

import datetime
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from reports.models import ReportJob, ReportStatus
from reports.services import report_job_create, report_job_run, report_purge
from reports.workbook import SHEETS
from tests.factories import RoleFactory, UserFactory
from tests.reports.helpers import rank_of
from units.models import Role, RoleKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(round, schools, give):
    give(schools["s1"], 90, 0, 10, on=(0, 1))
    give(schools["s3"], 80, 0, 20, on=(0,))
    give(schools["s3"], 99, 0, 1, on=(1,))
    give(schools["s4"], 40, 0, 10)
    give(schools["s2"], 70, 0, 30)
    return round


def export(client, round, capture, **data):
    with capture(execute=True):
        return client.post(reverse("reports:export", args=[round.code]), data)


def workbook_of(job: ReportJob) -> openpyxl.Workbook:
    return openpyxl.load_workbook(Path(job.file.path))


def test_export_builds_the_workbook_and_offers_it(client_for, users, counted, django_capture_on_commit_callbacks):
    client = client_for(users["leader"])
    response = export(client, counted, django_capture_on_commit_callbacks, scope="D1", level="school")
    assert response.status_code == 302 and response.url == reverse("reports:list")
    job = ReportJob.objects.get()
    assert (job.user, job.scope.code, job.level, job.status, job.progress) == (
        users["leader"], "D1", "school", ReportStatus.DONE, 100
    )  # fmt: skip
    assert job.file.name.startswith("reports/") and Path(job.file.path).is_file()
    assert job.finished_at is not None
    listing = client.get(reverse("reports:list")).content.decode()
    assert reverse("reports:download", args=[job.pk]) in listing
    download = client.get(reverse("reports:download", args=[job.pk]))
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content)[:2] == b"PK"  # a zip: an .xlsx


def test_workbook_has_the_four_sheets_and_the_pages_figures(
    client_for, users, counted, django_capture_on_commit_callbacks
):
    client = client_for(users["leader"])
    export(client, counted, django_capture_on_commit_callbacks, scope="D1", level="school")
    book = workbook_of(ReportJob.objects.get())
    assert book.sheetnames == list(SHEETS)
    ranking = client.get(reverse("reports:ranking", args=[counted.code]), {"scope": "D1", "level": "school"}).context[
        "ranking"
    ]
    overall = book["总体排名"]
    assert counted.name in overall["A1"].value and "一区" in overall["A1"].value
    assert overall.freeze_panes == "D3"
    table = list(overall.iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[1], r[3]) for r in table] == [
        (row.sort_rank, row.unit.code, row.overall.counts.valid) for row in ranking.rows
    ]
    # Rates are the page's rounded figures, shown in a percent format.
    assert [f"{r[8] * 100:.2f}" for r in table] == [row.overall.text for row in ranking.rows]
    assert overall["I3"].number_format == "0.00%"
    assert [f"{r[9] * 100:.2f}–{r[10] * 100:.2f}" if r[9] != "" else "" for r in table] == [
        row.overall.interval_text for row in ranking.rows
    ]
    rates = book["分指标满意率"]
    for n, row in enumerate(ranking.rows, start=3):
        cells = [rates.cell(n, 4 + i) for i in range(7)]
        assert [f"{c.value * 100:.2f}" if isinstance(c.value, float) else c.value for c in cells] == [
            cell.text for cell in row.cells
        ]
        # The page's colours, cell by cell.
        assert [c.fill.fgColor.rgb[-6:].lower() if c.fill.fill_type else "" for c in cells[1:]] == [
            cell.colour.lstrip("#") for cell in row.indicators
        ]
    ranks = book["分指标排名"]
    assert [ranks.cell(3 + n, 6).value or None for n in range(len(ranking.rows))] == [
        row.indicators[1].rank for row in ranking.rows
    ]
    raw = list(book["原始票数"].iter_rows(min_row=3, values_only=True))
    assert len(raw) == 3 * 6
    assert raw[0][:9] == (1, "S1", "一区第一小学", counted.ordered_indicators()[0].name, 90, 0, 10, 0, 100)


def test_the_target_line_is_drawn_in_the_workbook(client_for, users, counted, django_capture_on_commit_callbacks):
    export(client_for(users["superuser"]), counted, django_capture_on_commit_callbacks, scope="C", level="school")
    overall = workbook_of(ReportJob.objects.get())["总体排名"]
    ranking = rank_of(counted)
    lines = [overall.cell(3 + n, 1).border.bottom.style for n in range(len(ranking.rows))]
    assert lines == ["thick" if row.line_below else None for row in ranking.rows]
    assert lines.count("thick") == 1


def test_htmx_export_shows_the_job_and_polls_until_done(client_for, users, counted):
    client = client_for(users["leader"])
    # Without running the commit callbacks the job stays queued: the fragment polls.
    response = client.post(
        reverse("reports:export", args=[counted.code]), {"scope": "D1", "level": "school"}, HTTP_HX_REQUEST="true"
    )
    job = ReportJob.objects.get()
    assert job.status == ReportStatus.QUEUED
    assert 'hx-trigger="every 1s"' in response.content.decode()
    report_job_run(job.pk)
    done = client.get(reverse("reports:job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "every 1s" not in done and reverse("reports:download", args=[job.pk]) in done
    page = client.get(reverse("reports:job", args=[job.pk]))  # without htmx: a whole page
    assert "<html" in page.content.decode() and job.download_name in page.content.decode()


def test_the_task_is_queued_only_after_commit(users, counted, schools, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        job = report_job_create(user=users["leader"], round=counted, scope=schools["s1"].parent, level="school")
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == ReportStatus.QUEUED  # nothing ran inside the transaction


@pytest.mark.parametrize(
    ("data", "status"),
    [({"scope": "D1", "level": "planet"}, 400), ({"scope": "S1", "level": "school"}, 400), ({"scope": "C"}, 404)],
)
def test_bad_export_requests_write_nothing(
    client_for, users, counted, django_capture_on_commit_callbacks, data, status
):
    response = export(client_for(users["leader"]), counted, django_capture_on_commit_callbacks, **data)
    assert response.status_code == status
    assert not ReportJob.objects.exists()


def test_export_is_post_only_and_for_signed_in_users(client, client_for, users, counted):
    url = reverse("reports:export", args=[counted.code])
    assert client.post(url, {"scope": "D1"}).status_code == 302
    assert client_for(users["leader"]).get(url).status_code == 405


def test_only_the_owner_may_see_or_download_a_report(
    client, client_for, users, counted, django_capture_on_commit_callbacks
):
    export(client_for(users["leader"]), counted, django_capture_on_commit_callbacks, scope="D1", level="school")
    job = ReportJob.objects.get()
    urls = [reverse("reports:job", args=[job.pk]), reverse("reports:download", args=[job.pk])]
    for other in ["staff", "admin", "superuser"]:
        for url in urls:
            assert client_for(users[other]).get(url).status_code == 404
        assert (
            reverse("reports:download", args=[job.pk])
            not in client_for(users[other]).get(reverse("reports:list")).content.decode()
        )
    client.logout()
    assert client.get(urls[1]).status_code == 302
    assert client_for(users["leader"]).post(urls[1]).status_code == 405


def test_a_report_is_not_served_once_the_owner_lost_the_scope(
    client_for, users, counted, django_capture_on_commit_callbacks
):
    export(client_for(users["leader"]), counted, django_capture_on_commit_callbacks, scope="D1", level="school")
    Role.objects.filter(user=users["leader"]).delete()
    leader = type(users["leader"]).objects.get(pk=users["leader"].pk)  # roles are cached per user object
    assert client_for(leader).get(reverse("reports:download", args=[ReportJob.objects.get().pk])).status_code == 404


def test_a_failed_build_is_recorded_on_the_job(users, counted, tree):
    nowhere = UserFactory()
    RoleFactory(user=nowhere, unit=tree["d2"], kind=RoleKind.LEADER)
    job = ReportJob.objects.create(user=nowhere, round=counted, scope=tree["d1"], level="school")
    report_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == ReportStatus.FAILED and job.error and not job.file


def test_old_reports_are_purged_with_their_files(settings, users, counted, tree):
    settings.MANYI_REPORT_KEEP_DAYS = 14
    old = ReportJob.objects.create(user=users["leader"], round=counted, scope=tree["d1"], level="school")
    recent = ReportJob.objects.create(user=users["leader"], round=counted, scope=tree["d1"], level="school")
    for job in (old, recent):
        report_job_run(job.pk)
    ReportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=15))
    old_file = Path(ReportJob.objects.get(pk=old.pk).file.path)
    assert report_purge() == 1
    assert list(ReportJob.objects.all()) == [recent]
    assert not old_file.exists() and Path(ReportJob.objects.get().file.path).exists()


def test_purge_reports_command(settings, users, counted, tree, capsys):
    settings.MANYI_REPORT_KEEP_DAYS = 3
    job = ReportJob.objects.create(user=users["leader"], round=counted, scope=tree["d1"], level="school")
    ReportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(days=4))
    call_command("purge_reports")
    assert "1 reports older than 3 days deleted" in capsys.readouterr().out
    assert not ReportJob.objects.exists()


def test_the_report_list_shows_only_kept_reports(client_for, users, counted, tree, settings):
    settings.MANYI_REPORT_KEEP_DAYS = 14
    job = ReportJob.objects.create(user=users["leader"], round=counted, scope=tree["d1"], level="school")
    ReportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(days=20))
    response = client_for(users["leader"]).get(reverse("reports:list"))
    assert list(response.context["jobs"]) == []


def test_the_purge_task_deletes_old_reports(settings, users, counted, tree):
    from reports.tasks import purge_reports

    settings.MANYI_REPORT_KEEP_DAYS = 1
    job = ReportJob.objects.create(user=users["leader"], round=counted, scope=tree["d1"], level="school")
    ReportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    assert purge_reports.delay().get() == 1
    assert not ReportJob.objects.exists()


def test_report_pages_refuse_post(client_for, users, counted, tree):
    job = ReportJob.objects.create(user=users["leader"], round=counted, scope=tree["d1"], level="school")
    client = client_for(users["leader"])
    assert client.post(reverse("reports:list")).status_code == 405
    assert client.post(reverse("reports:job", args=[job.pk])).status_code == 405


def test_anonymous_is_sent_to_login_from_report_pages(client, users, counted, tree):
    job = ReportJob.objects.create(user=users["leader"], round=counted, scope=tree["d1"], level="school")
    for url in [
        reverse("reports:list"),
        reverse("reports:job", args=[job.pk]),
        reverse("reports:download", args=[job.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
