"""Cells as clerks type them: dates in every common spelling, whole numbers, header names."""

import datetime

import pytest

from spreadsheets.cells import cell_text, header_key, parse_date, whole_number

MARCH_2 = datetime.date(2026, 3, 2)


@pytest.mark.parametrize(
    "typed",
    [
        MARCH_2, datetime.datetime(2026, 3, 2, 10, 23), 46083, 46083.0, 20260302, 20260302.0, "20260302",
        "2026-03-02", "2026-3-2", "2026－03－02", "２０２６－０３－０２", "2026—03—02", "2026/03/02", "2026.03.02",
        "2026年3月2日", "2026 年 3 月 2 日", "2026/3/2 10:23:45", "2026-03-02T10:23",
    ],
)  # fmt: skip
def test_dates_in_every_common_spelling_are_read(typed):
    assert parse_date(typed) == MARCH_2


@pytest.mark.parametrize("typed", ["明天", "2026-13-01", "2026-02-30", "20261301", 2026.5, "3/2/2026", "", None, True])
def test_what_is_not_a_date_is_refused(typed):
    with pytest.raises(ValueError):
        parse_date(typed)


@pytest.mark.parametrize(("typed", "number"), [(3, 3), (3.0, 3), ("3", 3), (" 1,200 ", 1200), ("３", 3), ("-2", -2)])
def test_whole_numbers(typed, number):
    assert whole_number(typed) == number


@pytest.mark.parametrize("typed", [2.5, "2.5", "第一", "", True, float("nan")])
def test_what_is_not_a_whole_number_is_refused(typed):
    with pytest.raises(ValueError):
        whole_number(typed)


def test_cells_read_as_typed():
    assert [cell_text(v) for v in (1001.0, " S1 ", None, MARCH_2, float("nan"), 2.5)] == [
        "1001", "S1", "", "2026-03-02", "", "2.5"
    ]  # fmt: skip


def test_headers_compare_without_blanks_stars_colons_brackets_or_case():
    assert {header_key(h) for h in ("电话", " 电 话 ", "*电话", "电话：", "（电话）", "电话*")} == {"电话"}
    assert header_key("Unit Code") == header_key("unitcode") == "unitcode"
