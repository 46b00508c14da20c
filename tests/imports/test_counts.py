"""Importing counts: one row per unit and indicator, one column per option; they replace the unit's counts."""

import pytest

from imports.models import JobKind, JobStatus
from surveys.engine import Counts
from surveys.figures import round_figures
from surveys.models import ChangeAction, Indicator, IndicatorSet, ReportedCount, ResultChange
from tests.imports.conftest import COUNTS_HEADER, reasons, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def counts_csv(path, rows, header=None):
    return write_csv(path, rows, header=header or COUNTS_HEADER)


def test_counts_are_set_and_the_figures_follow(round, run_import, tmp_path, tree, users):
    rows = [["S1", "整体办学水平", 10, 5, 2, 1], ["S1", "EDU2", "3", "", "1", ""], ["S1", "教学工作", "", "", "", ""]]
    job = run_import(round, counts_csv(tmp_path / "c.csv", rows), kind=JobKind.COUNTS)
    assert job.status == JobStatus.SUCCEEDED, job.errors
    assert (job.rows_read, job.rows_imported) == (2, 2)
    figures = round_figures(round)
    assert figures.counts(tree["s1"].id) == Counts(satisfied=13, basic=5, dissatisfied=3, excluded=1)
    assert figures.counts(tree["city"].id) == figures.counts(tree["s1"].id)
    trail = ResultChange.objects.filter(round=round).order_by("id")
    assert [c.action for c in trail] == [ChangeAction.COUNTS, ChangeAction.IMPORTED]
    assert trail[0].unit == tree["s1"] and trail[0].detail["changes"]["EDU1/1"] == [0, 10]
    assert trail[0].detail["job"] == job.pk


def test_a_second_file_replaces_the_counts_instead_of_adding(round, run_import, tmp_path, tree):
    run_import(round, counts_csv(tmp_path / "a.csv", [["S1", "EDU1", 10, 0, 0, 0]]), kind=JobKind.COUNTS)
    run_import(round, counts_csv(tmp_path / "b.xlsx.csv", [["S1", "EDU1", 12, 0, 1, 0]]), kind=JobKind.COUNTS)
    assert round_figures(round).counts(tree["s1"].id) == Counts(satisfied=12, dissatisfied=1)
    assert ReportedCount.objects.filter(round=round, count__gt=0).count() == 2


def test_counts_from_an_xlsx(round, run_import, tmp_path, tree):
    path = write_xlsx(tmp_path / "c.xlsx", [["S1", "整体办学水平", 4, 3, 2, 1]], header=COUNTS_HEADER)
    job = run_import(round, path, kind=JobKind.COUNTS)
    assert job.status == JobStatus.SUCCEEDED, job.errors
    assert round_figures(round).counts(tree["s1"].id) == Counts(satisfied=4, basic=3, dissatisfied=2, excluded=1)


@pytest.mark.parametrize(
    ("bad_row", "expected"),
    [
        (["S1", "EDU1", -1, 0, 0, 0], (3, "满意", "negative")),
        (["S1", "EDU1", "1.5", 0, 0, 0], (3, "满意", "not_integer")),
        (["S1", "EDU1", 0, "十", 0, 0], (3, "基本满意", "not_integer")),
        (["S9", "EDU1", 1, 0, 0, 0], (3, "单位编码", "unknown_unit")),
        (["S2", "EDU1", 1, 0, 0, 0], (3, "单位编码", "unknown_unit")),  # outside the staff's district
        (["D1", "EDU1", 1, 0, 0, 0], (3, "单位编码", "not_participating")),
        (["S1", "卫生", 1, 0, 0, 0], (3, "指标", "unknown_indicator")),
        (["S1", "治安满意度", 1, 0, 0, 0], (3, "指标", "indicator_not_in_round")),
        (["S1", "EDU6", 1, 0, 0, 0], (3, "指标", "duplicate_count_row")),
    ],
)
def test_a_bad_count_row_refuses_the_file(round, run_import, tmp_path, bad_row, expected):
    security = IndicatorSet.objects.create(code="security", name="平安建设")
    Indicator.objects.create(indicator_set=security, code="SEC1", name="治安满意度")
    rows = [["S1", "校园安全环境", 1, 1, 1, 1], bad_row]
    job = run_import(round, counts_csv(tmp_path / "bad.csv", rows), kind=JobKind.COUNTS)
    assert job.status == JobStatus.REFUSED
    assert reasons(job) == [expected]
    assert not ReportedCount.objects.exists()
    assert not ResultChange.objects.filter(round=round).exists()


def test_a_missing_option_column_refuses_the_file(round, run_import, tmp_path):
    header = COUNTS_HEADER[:-1]
    job = run_import(
        round, counts_csv(tmp_path / "c.csv", [["S1", "EDU1", 1, 1, 1]], header=header), kind=JobKind.COUNTS
    )
    assert reasons(job) == [(1, "不了解", "missing_column")]
