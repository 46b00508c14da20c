"""Counts entry: a grid per unit of indicators x options."""

import html

import pytest
from django.urls import reverse

from surveys.engine import Counts
from surveys.figures import round_figures
from surveys.models import ChangeAction, ReportedCount, ResultChange, RoundStatus
from tests.factories import RoleFactory, UserFactory
from units.models import RoleKind

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def grid_url(round, unit) -> str:
    return reverse("surveys:counts_enter", args=[round.code, unit.code])


def grid(round, options, cells: dict[tuple[int, int], str]) -> dict:
    """POST data: ``cells`` maps (indicator position, option number) to what is typed; other cells empty."""
    indicators = round.ordered_indicators()
    return {f"count_{indicators[i].id}_{options[n].id}": value for (i, n), value in cells.items()}


def test_anonymous_is_sent_to_login(client, round, tree, options):
    for response in (
        client.get(reverse("surveys:counts_units", args=[round.code])),
        client.get(grid_url(round, tree["s1"])),
        client.post(grid_url(round, tree["s1"]), grid(round, options, {(0, 1): "5"})),
    ):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert not ReportedCount.objects.exists()


def test_unit_choice_lists_the_participating_units_of_the_staffs_subtree(client_for, users, round):
    response = client_for(users["staff"]).get(reverse("surveys:counts_units", args=[round.code]))
    assert [u.code for u in response.context["page"]] == ["S1"]
    assert "二区第一小学" not in text(response)


def test_staff_saves_counts_and_they_count_in_the_figures(client_for, users, round, tree, options):
    client = client_for(users["staff"])
    data = grid(round, options, {(0, 1): "620", (0, 2): "200", (0, 3): "80", (0, 4): "100", (1, 1): " 7 "})
    response = client.post(grid_url(round, tree["s1"]), data)
    assert response.status_code == 302
    figures = round_figures(round)
    indicators = round.ordered_indicators()
    assert figures.counts(tree["s1"].id, indicators[0].id) == Counts(620, 200, 80, 100)
    assert figures.counts(tree["s1"].id) == Counts(627, 200, 80, 100)
    assert ResultChange.objects.get(action=ChangeAction.COUNTS).user == users["staff"]


def test_the_grid_is_prefilled_with_totals_and_rates(client_for, users, round, tree, options):
    client = client_for(users["staff"])
    client.post(
        grid_url(round, tree["s1"]), grid(round, options, {(0, 1): "620", (0, 2): "200", (0, 3): "80", (0, 4): "100"})
    )
    response = client.get(grid_url(round, tree["s1"]))
    form = response.context["form"]
    first = round.ordered_indicators()[0]
    assert form[f"count_{first.id}_{options[1].id}"].value() == 620
    row = form.rows()[0].figures
    assert row.total == 1000
    assert str(row.percent) == "91.11"  # the worked example of docs/domain.md
    assert form.overall() == row
    assert f'<span id="counts-rate-{first.id}">91.11 %</span>' in text(response)
    assert '<span id="counts-rate-overall">91.11 %</span>' in text(response)
    assert form.rows()[1].figures.percent is None
    assert "hx-swap-oob" not in text(response)  # the page itself is no out-of-band swap


def figures_url(round, unit) -> str:
    return reverse("surveys:counts_figures", args=[round.code, unit.code])


def test_the_open_grid_asks_the_server_for_its_figures_as_one_types(client_for, users, round, tree):
    body = text(client_for(users["staff"]).get(grid_url(round, tree["s1"])))
    assert f'hx-post="{figures_url(round, tree["s1"])}"' in body and 'hx-trigger="input' in body


def test_the_figures_of_typed_counts_are_the_engines_and_nothing_is_saved(client_for, users, round, tree, options):
    data = grid(round, options, {(0, 1): "620", (0, 2): "200", (0, 3): "80", (0, 4): "100", (1, 4): "3"})
    response = client_for(users["staff"]).post(figures_url(round, tree["s1"]), data)
    assert response.status_code == 200
    body = text(response)
    first, second = round.ordered_indicators()[:2]
    assert f'<span id="counts-total-{first.id}" hx-swap-oob="true">1000</span>' in body
    assert f'<span id="counts-rate-{first.id}" hx-swap-oob="true">91.11 %</span>' in body  # docs/domain.md's example
    assert f'<span id="counts-rate-{second.id}" hx-swap-oob="true">无数据</span>' in body  # only "don't know"
    assert '<span id="counts-total-overall" hx-swap-oob="true">1003</span>' in body
    assert '<span id="counts-rate-overall" hx-swap-oob="true">91.11 %</span>' in body
    assert not ReportedCount.objects.exists() and not ResultChange.objects.exists()


def test_the_figures_name_a_bad_cell_and_show_no_rate_for_its_row(client_for, users, round, tree, options):
    data = grid(round, options, {(0, 1): "10", (2, 3): "2.5"})
    body = text(client_for(users["staff"]).post(figures_url(round, tree["s1"]), data))
    third = round.ordered_indicators()[2]
    assert "教学工作 / 不满意 (“2.5”)" in body
    assert f'<span id="counts-rate-{third.id}" hx-swap-oob="true">—</span>' in body
    assert '<span id="counts-rate-overall" hx-swap-oob="true">—</span>' in body
    assert not ReportedCount.objects.exists()


def test_only_those_who_may_enter_the_units_counts_get_its_figures(client, client_for, users, round, tree, options):
    data = grid(round, options, {(0, 1): "5"})
    assert client.post(figures_url(round, tree["s1"]), data).url.startswith(reverse("login"))
    assert client_for(users["leader"]).post(figures_url(round, tree["s1"]), data).status_code == 403
    assert client_for(users["staff"]).post(figures_url(round, tree["s2"]), data).status_code == 404
    assert client_for(users["staff"]).post(figures_url(round, tree["d1"]), data).status_code == 404  # not taking part
    assert client_for(users["staff"]).get(figures_url(round, tree["s1"])).status_code == 405


def test_changing_counts_replaces_them(client_for, users, round, tree, options):
    client = client_for(users["staff"])
    client.post(grid_url(round, tree["s1"]), grid(round, options, {(0, 1): "9"}))
    client.post(grid_url(round, tree["s1"]), grid(round, options, {(0, 1): "4", (0, 3): "1"}))
    assert round_figures(round).counts(tree["s1"].id) == Counts(satisfied=4, dissatisfied=1)


@pytest.mark.parametrize("value", ["-1", "2.5", "abc", "1e3", "99999999999"])
def test_a_bad_cell_is_named_and_nothing_is_saved(client_for, users, round, tree, options, value):
    data = grid(round, options, {(0, 1): "10", (2, 3): value})
    response = client_for(users["staff"]).post(grid_url(round, tree["s1"]), data)
    assert response.status_code == 200
    body = text(response)
    assert "教学工作 / 不满意" in body  # the indicator and the option of the bad cell
    assert value in body
    assert not ReportedCount.objects.exists()
    assert not ResultChange.objects.exists()


def test_several_bad_cells_are_all_named(client_for, users, round, tree, options):
    data = grid(round, options, {(0, 1): "-3", (5, 4): "x"})
    response = client_for(users["staff"]).post(grid_url(round, tree["s1"]), data)
    message = response.context["form"].non_field_errors()[0]
    assert "整体办学水平 / 满意" in message and "校园安全环境 / 不了解" in message


def test_a_leader_may_not_enter_counts(client_for, users, round, tree, options):
    client = client_for(users["leader"])
    assert client.get(reverse("surveys:counts_units", args=[round.code])).status_code == 403
    assert client.get(grid_url(round, tree["s1"])).status_code == 403
    assert client.post(grid_url(round, tree["s1"]), grid(round, options, {(0, 1): "5"})).status_code == 403
    assert not ReportedCount.objects.exists()


def test_a_unit_outside_the_subtree_is_not_found(client_for, users, round, tree, options):
    for role in ("staff", "admin", "leader"):
        client = client_for(users[role])
        for response in (
            client.get(grid_url(round, tree["s2"])),
            client.post(grid_url(round, tree["s2"]), grid(round, options, {(0, 1): "5"})),
        ):
            assert response.status_code == 404
            assert "二区第一小学" not in text(response)
    assert not ReportedCount.objects.exists()


def test_a_unit_not_taking_part_is_not_found(client_for, users, round, tree):
    assert client_for(users["staff"]).get(grid_url(round, tree["d1"])).status_code == 404


def test_a_closed_round_shows_the_counts_read_only_and_saves_nothing(client_for, users, round, tree, options):
    client = client_for(users["staff"])
    client.post(grid_url(round, tree["s1"]), grid(round, options, {(0, 1): "5"}))
    round.status = RoundStatus.CLOSED
    round.save()
    response = client.get(grid_url(round, tree["s1"]))
    assert "未开放" in text(response)
    assert 'name="count_' not in response.content.decode()
    assert "hx-post" not in response.content.decode()  # nothing typed, nothing to recompute
    response = client.post(grid_url(round, tree["s1"]), grid(round, options, {(0, 1): "50"}))
    assert "未开放" in text(response)
    assert ReportedCount.objects.get().count == 5


def test_a_school_clerk_enters_counts_for_their_school_only(client_for, round, tree, options):
    clerk = UserFactory()
    RoleFactory(user=clerk, unit=tree["s2"], kind=RoleKind.STAFF)
    client = client_for(clerk)
    assert client.post(grid_url(round, tree["s2"]), grid(round, options, {(0, 1): "5"})).status_code == 302
    assert client.get(grid_url(round, tree["s1"])).status_code == 404


def test_counts_pages_refuse_other_methods(client_for, users, round, tree):
    client = client_for(users["staff"])
    assert client.post(reverse("surveys:counts_units", args=[round.code])).status_code == 405
    assert client.put(grid_url(round, tree["s1"])).status_code == 405
