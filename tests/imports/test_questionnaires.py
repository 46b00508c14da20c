"""Importing questionnaires: good files update the figures; any bad row refuses the whole file."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from imports.models import JobStatus
from imports.services import import_job_create, import_job_run
from surveys.engine import Counts
from surveys.figures import round_figures
from surveys.models import Answer, ChangeAction, Indicator, IndicatorSet, Questionnaire, ResultChange, Tally
from surveys.services import QuestionnaireData, questionnaire_create
from surveys.tallies import tally_mismatches
from tests.imports.conftest import HEADER, reasons, row, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def assert_nothing_written(round) -> None:
    assert not Questionnaire.objects.filter(round=round).exists()
    assert not Answer.objects.filter(round=round).exists()
    assert not Tally.objects.filter(round=round, count__gt=0).exists()
    assert not ResultChange.objects.filter(round=round, action=ChangeAction.IMPORTED).exists()


GOOD_ROWS = [
    row("Q1", "S1", answers=("满意", "基本满意", "不满意", "不了解", "满意", "满意")),
    row("Q2", "S1", "学生", "网络", answers=("1", "2", "3", "", "", "")),
    row("Q3", "S1", "parent", "paper", "2026/6/1", answers=("Satisfied",) * 6),
    row("", "S1", "教师", "走访", "2026年7月1日", answers=("不满意",) + ("",) * 5),
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_good_csv_updates_the_figures_and_tallies_equal_a_recount(round, run_import, tmp_path, tree, users, encoding):
    job = run_import(round, write_csv(tmp_path / "good.csv", GOOD_ROWS, encoding=encoding))
    assert job.status == JobStatus.SUCCEEDED, job.errors
    assert (job.rows_read, job.rows_imported, job.errors) == (4, 4, [])
    assert tally_mismatches(round.id) == []
    figures = round_figures(round)
    assert figures.counts(tree["s1"].id) == Counts(satisfied=10, basic=2, dissatisfied=3, excluded=1)
    assert figures.counts(tree["city"].id) == figures.counts(tree["s1"].id)
    q3 = Questionnaire.objects.get(number="Q3")
    assert (q3.respondent_type, q3.channel, q3.date) == ("parent", "paper", datetime.date(2026, 6, 1))
    assert (q3.import_job, q3.created_by) == (job.pk, users["staff"])
    unnumbered = Questionnaire.objects.get(number="")
    assert (unnumbered.respondent_type, unnumbered.channel, unnumbered.date) == (
        "teacher",
        "visit",
        datetime.date(2026, 7, 1),
    )
    change = ResultChange.objects.get(round=round, action=ChangeAction.IMPORTED)
    assert change.unit is None and change.user == users["staff"]
    assert change.detail == {"job": job.pk, "file": "good.csv", "rows": 4, "kind": "questionnaires", "source": "import"}


def test_a_good_xlsx_with_typed_cells_imports(round, run_import, tmp_path, tree):
    rows = [
        [1001, "S1", "家长", "电话", datetime.date(2026, 5, 2), 13812345678, 1, 2, 3, 4, 1, 1],
        [1002, "S1", "居民", "纸质", datetime.date(2026, 5, 3), "", "满意", "", "", "", "", ""],
        ["", "", "", "", "", "", "", "", "", "", "", ""],  # a formatted blank row is skipped
    ]
    job = run_import(round, write_xlsx(tmp_path / "good.xlsx", rows, sheets=("说明",)))
    assert job.status == JobStatus.SUCCEEDED, job.errors
    assert job.rows_imported == 2
    first = Questionnaire.objects.get(number="1001")
    assert (first.phone, first.date) == ("13812345678", datetime.date(2026, 5, 2))
    assert round_figures(round).counts(tree["s1"].id) == Counts(satisfied=4, basic=1, dissatisfied=1, excluded=1)
    assert tally_mismatches(round.id) == []


def test_units_may_be_given_by_name(round, run_import, tmp_path, tree):
    header = ["单位名称" if h == "单位编码" else h for h in HEADER]
    job = run_import(round, write_csv(tmp_path / "names.csv", [row(unit="一区第一小学")], header=header))
    assert job.status == JobStatus.SUCCEEDED, job.errors
    assert Questionnaire.objects.get().unit == tree["s1"]


def test_an_ambiguous_unit_name_is_refused(round, run_import, tmp_path, tree):
    from tests.factories import UnitFactory

    UnitFactory(code="S1B", name="一区第一小学", parent=tree["d1"])
    round.participations.create(unit=tree["s1"].__class__.objects.get(code="S1B"))
    header = ["单位名称" if h == "单位编码" else h for h in HEADER]
    job = run_import(round, write_csv(tmp_path / "names.csv", [row(unit="一区第一小学")], header=header))
    assert reasons(job) == [(2, "单位名称", "ambiguous_unit")]
    assert_nothing_written(round)


@pytest.mark.parametrize(
    ("bad_row", "expected"),
    [
        (row(unit="S9"), (2, "单位编码", "unknown_unit")),
        # S2 exists and takes part, but lies outside district D1: the staff of D1 is told it is unknown.
        (row(unit="S2"), (2, "单位编码", "unknown_unit")),
        (row(unit="D1"), (2, "单位编码", "not_participating")),
        (row(unit=""), (2, "单位编码", "required")),
        (row(who="路人"), (2, "受访者类型", "unknown_respondent_type")),
        (row(channel="短信"), (2, "渠道", "unknown_channel")),
        (row(date="2025-12-31"), (2, "日期", "date_outside")),
        (row(date="明天"), (2, "日期", "bad_date")),
        (row(date="2026-02-30"), (2, "日期", "bad_date")),
        (row(date=""), (2, "日期", "required")),
        (row(answers=("很满意",) + ("满意",) * 5), (2, "整体办学水平", "bad_option")),
        (row(answers=("满意",) * 5 + ("5",)), (2, "校园安全环境", "bad_option")),
        (row(answers=("",) * 6), (2, None, "no_answers")),
        (row(number="N" * 41), (2, "问卷编号", "too_long")),
        (row(phone="1" * 21), (2, "电话", "phone_invalid")),
        (row(phone="138-1111-222"), (2, "电话", "phone_invalid")),
        (row(phone="1.39123E+10"), (2, "电话", "phone_lost_digits")),
    ],
)
def test_a_bad_row_refuses_the_whole_file(round, run_import, tmp_path, bad_row, expected):
    rows = [row("Q0"), bad_row, row("Q9")]
    job = run_import(round, write_csv(tmp_path / "bad.csv", rows))
    assert job.status == JobStatus.REFUSED
    assert reasons(job) == [(expected[0] + 1, *expected[1:])]
    assert job.error_count == 1 and job.rows_imported == 0
    assert_nothing_written(round)


def test_every_error_is_listed_with_its_row_and_column(round, run_import, tmp_path):
    rows = [row("Q1", unit="S9"), row("Q2", date="2027-01-01", answers=("x",) * 6), row("Q1")]
    job = run_import(round, write_csv(tmp_path / "bad.csv", rows))
    assert sorted(reasons(job)) == sorted(
        [(2, "单位编码", "unknown_unit"), (3, "日期", "date_outside")]
        + [(3, indicator, "bad_option") for indicator in HEADER[6:]]
        + [(4, "问卷编号", "duplicate_number_in_file")]
    )
    duplicate = next(e for e in job.errors if e["reason"] == "duplicate_number_in_file")
    assert duplicate["params"] == {"row": 2} and duplicate["value"] == "Q1"
    assert_nothing_written(round)


def test_repeated_phones_are_refused_unless_the_round_allows_them(round, run_import, tmp_path, answer_saved):
    answer_saved(phone="13900000000")
    rows = [row("Q1", phone="13800000000"), row("Q2", phone="13800000000"), row("Q3", phone="13900000000")]
    job = run_import(round, write_csv(tmp_path / "phones.csv", rows))
    assert reasons(job) == [(3, "电话", "duplicate_phone_in_file"), (4, "电话", "duplicate_phone_in_round")]
    round.allow_repeat_phone = True
    round.save(update_fields=["allow_repeat_phone"])
    job = run_import(round, write_csv(tmp_path / "phones2.csv", rows))
    assert job.status == JobStatus.SUCCEEDED, job.errors


@pytest.fixture
def answer_saved(round, tree, options, users):
    def save(**fields):
        data = QuestionnaireData(unit=tree["s1"], respondent_type="parent", channel="phone",
                                 date=datetime.date(2026, 5, 1),
                                 answers={round.ordered_indicators()[0].id: options[1].id}, **fields)  # fmt: skip
        return questionnaire_create(round=round, data=data, user=users["staff"])

    return save


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ([h for h in HEADER if h != "日期"], [(1, "日期", "missing_column")]),
        ([h for h in HEADER if h != "教学工作"], [(1, "教学工作", "missing_column")]),
        ([h for h in HEADER if h != "单位编码"], [(1, "单位编码", "missing_unit_column")]),
        ([*HEADER, "来自IP"], [(1, "来自IP", "unknown_column")]),
        ([*HEADER, "手机号"], [(1, "手机号", "duplicate_column_as")]),
        ([*HEADER, "渠道"], [(1, "渠道", "duplicate_column")]),
        ([*HEADER, "EDU1"], [(1, "EDU1", "duplicate_column")]),
        ([*HEADER, "治安满意度"], [(1, "治安满意度", "indicator_not_in_round")]),
    ],
)
def test_wrong_or_missing_headers_refuse_the_file(round, run_import, tmp_path, header, expected):
    security = IndicatorSet.objects.create(code="security", name="平安建设")
    Indicator.objects.create(indicator_set=security, code="SEC1", name="治安满意度")
    values = dict(zip(HEADER, row(), strict=True))
    job = run_import(round, write_csv(tmp_path / "h.csv", [[values.get(h, "") for h in header]], header=header))
    assert job.status == JobStatus.REFUSED
    assert reasons(job) == expected
    assert_nothing_written(round)


def test_data_in_a_column_without_header_is_refused(round, run_import, tmp_path):
    job = run_import(round, write_csv(tmp_path / "x.csv", [[*row(), "?"]], header=[*HEADER, ""]))
    assert reasons(job) == [(2, None, "unnamed_column")]


def test_a_row_longer_than_the_header_is_refused(round, run_import, tmp_path):
    job = run_import(round, write_csv(tmp_path / "x.csv", [row("Q1"), [*row("Q2"), "extra"]]))
    assert reasons(job) == [(3, None, "too_many_cells")]
    assert_nothing_written(round)


def test_a_dry_run_checks_everything_and_writes_nothing(round, run_import, tmp_path):
    path = write_csv(tmp_path / "good.csv", GOOD_ROWS)
    job = run_import(round, path, dry_run=True)
    assert (job.status, job.rows_read, job.rows_imported) == (JobStatus.SUCCEEDED, 4, 0)
    assert_nothing_written(round)
    # A dry run does not count as an import of the file: the real import may follow.
    assert run_import(round, path).rows_imported == 4


def test_importing_the_same_file_again_is_refused(round, run_import, tmp_path, users):
    path = write_csv(tmp_path / "good.csv", GOOD_ROWS)
    first = run_import(round, path)
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        run_import(round, path)
    assert f"(import #{first.pk})" in refused.value.message_dict["file"][0]
    assert Questionnaire.objects.count() == 4
    assert tally_mismatches(round.id) == []


def test_two_uploads_of_one_file_count_once(round, tmp_path, users):
    """Both were queued before either ran: the second finds the first's import at write time."""
    from django.core.files import File

    path = write_csv(tmp_path / "good.csv", GOOD_ROWS)
    jobs = []
    for _ in range(2):
        with path.open("rb") as handle:
            jobs.append(import_job_create(round=round, user=users["staff"], upload=File(handle, name="good.csv"),
                                          file_name="good.csv", kind="questionnaires", queue=False))  # fmt: skip
    first, second = (import_job_run(job_id=job.pk) for job in jobs)
    assert first.status == JobStatus.SUCCEEDED
    assert second.status == JobStatus.REFUSED and reasons(second) == [(None, None, "already_imported")]
    assert Questionnaire.objects.count() == 4


def test_questionnaire_numbers_already_in_the_round_are_refused(round, run_import, tmp_path):
    run_import(round, write_csv(tmp_path / "first.csv", [row("Q1"), row("Q2")]))
    # Another file (another checksum) holding the same questionnaires.
    job = run_import(round, write_csv(tmp_path / "again.csv", [row("Q1"), row("Q2", phone="")] + [row("Q3")]))
    assert reasons(job) == [(2, "问卷编号", "duplicate_number_in_round"), (3, "问卷编号", "duplicate_number_in_round")]
    assert Questionnaire.objects.count() == 2
    assert tally_mismatches(round.id) == []
