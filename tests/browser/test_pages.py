"""The staff and leader pages in a real browser (issue 12): signing in, keyboard entry, charts, phone widths,
the language switch."""

import pytest
from django.urls import reverse

from surveys.models import Questionnaire
from tests.browser.conftest import close_connection, sign_in
from tests.factories import RoleFactory, UserFactory
from units.models import RoleKind

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_signing_in_and_a_wrong_password(web, live_server, users):
    page = web.page()
    sign_in(page, live_server, users["staff"], password="wrong")
    assert page.url.endswith("/login/") and page.locator(".alert, .errorlist, .invalid-feedback").count() > 0
    sign_in(page, live_server, users["staff"])
    assert "/login/" not in page.url
    assert page.get_by_role("button", name="退出").count() == 1  # signed in: the sign-out button


def test_three_questionnaires_typed_with_the_keyboard_alone(web, live_server, tree, survey):
    clerk = UserFactory()
    RoleFactory(user=clerk, unit=tree["s1"], kind=RoleKind.STAFF)  # a school's clerk: one unit to enter for
    page = web.page()
    sign_in(page, live_server, clerk)
    page.goto(live_server.url + reverse("surveys:questionnaire_enter", args=[survey.code]))
    indicators = len(survey.ordered_indicators())
    # The staff's only unit is chosen and the cursor is in the number box.
    assert page.evaluate("document.activeElement.name") == "number"
    page.keyboard.type("A-001")
    page.keyboard.press("Enter")  # to the phone box
    assert page.evaluate("document.activeElement.name") == "phone"
    page.keyboard.press("Enter")  # to the first answer
    page.keyboard.type("1231234"[:indicators])  # a digit chooses and moves on; after the last, the save button
    page.keyboard.press("Enter")
    page.wait_for_selector("#last-saved")
    for number in ("A-002", "A-003"):
        # The next number is offered: Enter accepts it, Enter passes the empty phone box.
        assert page.input_value("input[name=number]") == number
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")
        page.keyboard.type("2" * indicators)
        page.keyboard.press("Enter")
        page.wait_for_function(f"document.querySelector('#last-saved').textContent.includes('{number}')")
    try:
        saved = sorted(Questionnaire.objects.filter(round=survey).values_list("number", flat=True))
        answered = {q.answers.count() for q in Questionnaire.objects.filter(round=survey)}
    finally:
        close_connection()
    assert saved == ["A-001", "A-002", "A-003"] and answered == {indicators}


def test_ranking_and_unit_pages_draw_their_charts(web, live_server, users, survey):
    page = web.page()
    sign_in(page, live_server, users["leader"])
    page.goto(live_server.url + reverse("reports:ranking", args=[survey.code]) + "?scope=D1&level=school")
    for chart in ("#ranking-bar", "#ranking-heatmap"):
        assert _painted_pixels(page, chart) > 2000, chart
    page.goto(live_server.url + reverse("reports:unit", args=[survey.code, "S1"]) + "?scope=D1")
    for kind in ("unit-options", "unit-radar", "unit-trend-rate", "unit-trend-rank"):
        assert _painted_pixels(page, f"[data-chart={kind}]") > 500, kind
    # The stacked shares use the categories' colours: satisfied green first, dissatisfied red.
    colours = page.evaluate(
        "echarts.getInstanceByDom(document.querySelector('[data-chart=unit-options]')).getOption()"
        ".series.map(s => s.itemStyle.color)"
    )
    assert colours[:3] == ["#198754", "#8fd19e", "#dc3545"]


def _painted_pixels(page, selector: str) -> int:
    """How many pixels of the chart's canvas are not blank, once ECharts has drawn it."""
    page.wait_for_selector(f"{selector} canvas")
    page.wait_for_timeout(600)  # ECharts animates its first drawing
    return page.evaluate(
        """selector => {
            const canvas = document.querySelector(selector + " canvas");
            const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
            return painted;
        }""",
        selector,
    )


@pytest.mark.parametrize("width", [360, 390])
def test_no_page_is_wider_than_a_phone(web, live_server, users, survey, width):
    paths = {
        "home": reverse("home"),
        "ranking": reverse("reports:ranking", args=[survey.code]) + "?scope=D1&level=school",
        "unit": reverse("reports:unit", args=[survey.code, "S1"]) + "?scope=D1",
        "entry": reverse("surveys:questionnaire_enter", args=[survey.code]),
        "ledger": reverse("ledger:unit", args=["D1"]),
        "follow-ups": reverse("outreach:follow_ups", args=["D1"]),
    }
    page = web.page(width)
    sign_in(page, live_server, users["admin"])  # the administrator may open every one of them
    wider = {}
    for name, path in paths.items():
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert page.locator("main, .container, .container-fluid").count() > 0, name
        if not page.evaluate(NO_SIDEWAYS_SCROLL):
            wider[name] = page.evaluate("document.documentElement.scrollWidth")
    assert wider == {}, f"pages wider than {width} px"
    # On a phone the keyboard help of the entry page is hidden and the options keep the scale's order.
    page.goto(live_server.url + paths["entry"])
    assert not page.locator("#kept-help").is_visible()
    labels = page.locator("#answers tbody tr").first.locator("label")
    lefts = [labels.nth(n).bounding_box()["x"] for n in range(labels.count())]
    texts = [labels.nth(n).inner_text() for n in range(labels.count())]
    in_order = [text for _, text in sorted(zip(lefts, texts, strict=True))]
    assert in_order[0].startswith("1") and in_order[-1].startswith("0")  # 1 满意 first, 0 未作答 last
    tops = {round(labels.nth(n).bounding_box()["y"]) for n in range(labels.count())}
    assert len(tops) == 1  # one row, not 2 + 2 + 1


def test_the_language_switch(web, live_server, users):
    page = web.page()
    sign_in(page, live_server, users["staff"])
    menu = page.locator("select[name=language]")
    assert menu.locator("option").all_inner_texts() == ["简体中文", "English"]
    with page.expect_navigation():
        menu.select_option("en")  # the menu sends itself on change
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.get_by_role("button", name="Sign out").count() == 1
    with page.expect_navigation():
        page.locator("select[name=language]").select_option("zh-hans")
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    assert page.get_by_role("button", name="退出").count() == 1


def test_the_scope_picker_on_a_phone_with_and_without_javascript(web, live_server, users, survey):
    city_leader = UserFactory()
    RoleFactory(user=city_leader, unit=survey.participations.first().unit.parent.parent, kind=RoleKind.LEADER)
    page = web.page(390)
    sign_in(page, live_server, city_leader)
    page.goto(live_server.url + reverse("reports:ranking", args=[survey.code]))
    assert page.locator("#scope-trail .active").inner_text().startswith("示范市")
    # Typing in the search box lists the matching scopes (htmx); choosing one ranks below it, in place.
    page.fill("#id_q", "二区")
    page.wait_for_selector("#scope-match-list a")
    page.locator("#scope-match-list a").first.click()
    page.wait_for_function("document.querySelector('#scope-trail .active').textContent.includes('二区')")
    assert "scope=D2" in page.url and page.evaluate(NO_SIDEWAYS_SCROLL)
    assert page.locator("#ranking-table tbody tr").count() == 1  # S2, the one school of D2
    # The way back up is a link of the trail.
    page.locator("#scope-trail a").first.click()
    page.wait_for_function("document.querySelector('#scope-trail .active').textContent.includes('示范市')")
    # Without JavaScript the search box sends a plain form to a page of matches.
    plain = web.page(360, javascript=False)
    sign_in(plain, live_server, city_leader)
    plain.goto(live_server.url + reverse("reports:ranking", args=[survey.code]))
    plain.fill("#id_q", "一区")
    plain.press("#id_q", "Enter")
    plain.wait_for_load_state("networkidle")
    assert "/ranking/scopes/" in plain.url and plain.evaluate(NO_SIDEWAYS_SCROLL)
    plain.locator("#scope-match-list a").first.click()
    plain.wait_for_load_state("networkidle")
    assert "scope=D1" in plain.url and plain.locator("#ranking-table tbody tr").count() == 3
