"""The whole public flow in a real browser at a phone's viewport (Debian's Chromium through Playwright)."""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip
PAGE_BUDGET = 150 * 1024  # bytes transferred for a first visit with an empty cache (issue 11)

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (requirements-dev.txt)")
pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_parent_answers_on_a_phone_and_cannot_answer_twice(live_server, link, round, settings, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.MANYI_SCREEN_MIN_SECONDS = 0  # a scripted browser answers in well under a second
    url = f"{live_server.url}/s/{link.token}/"
    indicators = len(round.ordered_indicators())
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
            page = context.new_page()
            requests = []
            page.on("requestfinished", lambda request: requests.append(request))
            page.goto(url)
            page.wait_for_load_state("networkidle")
            transferred = sum(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in requests)
            print(f"first visit: {len(requests)} requests, {transferred} bytes")  # shown with pytest -s
            assert 0 < transferred < PAGE_BUDGET, f"first visit transferred {transferred} bytes"
            assert all(r.url.startswith(live_server.url) for r in requests)  # nothing from outside
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling

            _answer(page, indicators)
            page.get_by_role("button", name="提交").click()
            page.wait_for_selector("#thanks")
            assert "谢谢您" in page.inner_text("#thanks")
            assert _online_questionnaires(round) == 1

            page.goto(url)
            _answer(page, indicators)
            page.get_by_role("button", name="提交").click()
            page.wait_for_selector("#refused")
            assert "已经参加过" in page.inner_text("#refused")
            assert _online_questionnaires(round) == 1
        finally:
            browser.close()


def _online_questionnaires(round) -> int:
    """The count, on a connection closed at once: inside Playwright's event loop Django opens a connection of
    another context, which the test database's teardown would otherwise find still open (PostgreSQL)."""
    from django.db import connection

    from surveys.models import Questionnaire

    try:
        return Questionnaire.objects.filter(round=round, channel="online").count()
    finally:
        connection.close()


def _answer(page, indicators: int) -> None:
    """Tap 家长, then 满意 for every indicator (the big buttons are labels around hidden radios)."""
    fieldsets = page.locator("fieldset")
    fieldsets.nth(0).get_by_text("家长", exact=True).click()
    for k in range(1, indicators + 1):
        fieldsets.nth(k).get_by_text("满意", exact=True).click()
    box = fieldsets.nth(1).locator("label").first.bounding_box()
    assert box["height"] >= 44  # a finger-sized tap target
