"""Browser tests: Debian's Chromium driven by Playwright (its own browser download is not available here).

Skipped, with the reason, where Chromium or Playwright is missing. A failing test leaves a screenshot of each
page it had open in FAILURES (var/browser-failures/, or $MANYI_BROWSER_FAILURES), and says so in the log.
"""

import datetime
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from surveys.models import Option, ReportedCount
from tests.factories import UnitFactory, make_round
from units.models import UnitKind

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip
FAILURES = Path(os.environ.get("MANYI_BROWSER_FAILURES", Path(settings.BASE_DIR) / "var" / "browser-failures"))
PASSWORD = "pw"  # tests.factories.UserFactory's

try:
    from playwright import sync_api
except ImportError:  # skipped below, with the reason
    sync_api = None
_saved: list[Path] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)  # read by the browser fixture's teardown
    return report


def pytest_terminal_summary(terminalreporter):
    if _saved:
        terminalreporter.section("browser failures")
        terminalreporter.write_line(f"Screenshots of the failing browser tests are in {FAILURES}/:")
        for path in _saved:
            terminalreporter.write_line(f"  {path.name}")


@pytest.fixture
def web(request, monkeypatch):
    """A Chromium; ``web.page(width)`` opens a page of that width (390: a phone, with touch);
    ``javascript=False``: a browser without it."""
    if sync_api is None:
        pytest.skip("playwright is not installed (requirements-dev.txt)")
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the test's ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        pages = []

        def page(width: int = 1366, language: str = "zh-CN", javascript: bool = True):
            phone = width < 576
            context = chromium.new_context(
                viewport={"width": width, "height": 844 if phone else 900}, locale=language, is_mobile=phone,
                has_touch=phone, java_script_enabled=javascript,
            )  # fmt: skip
            opened = context.new_page()
            opened.set_default_timeout(15_000)
            pages.append(opened)
            return opened

        chromium.page = page
        try:
            yield chromium
        finally:
            failed = getattr(request.node, "report_call", None)
            if failed is not None and failed.failed:
                _screenshots(request.node.name, pages)
            chromium.close()


def _screenshots(test: str, pages) -> None:
    FAILURES.mkdir(parents=True, exist_ok=True)
    for n, page in enumerate(pages):
        path = FAILURES / f"{test}-{n}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
        except sync_api.Error:
            continue  # a page that crashed has nothing to show
        _saved.append(path)
        print(f"browser failure: screenshot of {page.url} in {path}")


def sign_in(page, live_server, user, password: str = PASSWORD) -> None:
    """Sign in by the form, as a person does: user name, password, Enter."""
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state("networkidle")


def close_connection() -> None:
    """Inside Playwright's event loop Django opens a connection of another context, which the test database's
    teardown would otherwise find still open (PostgreSQL)."""
    from django.db import connection

    connection.close()


@pytest.fixture
def survey(tree):
    """An open round around today over four schools (three in D1), each with reported votes: the ranking and
    the unit pages have figures to draw."""
    s3 = UnitFactory(code="S3", name="一区第二小学", kind=UnitKind.SCHOOL, parent=tree["d1"])
    s4 = UnitFactory(code="S4", name="一区第三小学", kind=UnitKind.SCHOOL, parent=tree["d1"])
    today = timezone.localdate()
    schools = [tree["s1"], tree["s2"], s3, s4]
    round = make_round(schools, start=today - datetime.timedelta(days=20), end=today + datetime.timedelta(days=20),
                       target_rate=90, target_rank=2, min_valid_votes=30)  # fmt: skip
    options = {o.category: o for o in Option.objects.filter(scale=round.scale)}
    votes = {"S1": (80, 12, 8, 3), "S2": (70, 15, 15, 5), "S3": (85, 10, 5, 2), "S4": (60, 20, 20, 4)}
    rows = []
    for unit in schools:
        for k, indicator in enumerate(round.ordered_indicators()):
            satisfied, basic, dissatisfied, excluded = votes[unit.code]
            counts = {"satisfied": satisfied + k, "basic": basic, "dissatisfied": dissatisfied, "excluded": excluded}
            rows += [ReportedCount(round=round, unit=unit, indicator=indicator, option=options[category], count=n)
                     for category, n in counts.items()]  # fmt: skip
    ReportedCount.objects.bulk_create(rows)
    return round
