"""``export_ranking``: the same workbook from the command line."""

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from reports.models import ReportJob
from reports.services import report_job_run
from reports.workbook import SHEETS

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(round, schools, give):
    give(schools["s1"], 90, 0, 10)
    give(schools["s3"], 80, 0, 20)
    give(schools["s2"], 70, 0, 30)
    return round


def values(path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    # The title row carries the date; everything below it must be equal.
    return {name: list(book[name].iter_rows(min_row=2, values_only=True)) for name in book.sheetnames}


def test_the_command_writes_the_same_workbook_as_the_page(counted, users, tree, tmp_path, capsys):
    out = tmp_path / "ranking.xlsx"
    call_command("export_ranking", counted.code, "--scope", "C", "--level", "school", "--out", str(out))
    assert "4 school units below C" in capsys.readouterr().out
    job = ReportJob.objects.create(user=users["superuser"], round=counted, scope=tree["city"], level="school")
    report_job_run(job.pk)
    assert list(values(out)) == list(SHEETS)
    assert values(out) == values(ReportJob.objects.get().file.path)


def test_the_command_defaults_to_the_top_unit_and_its_first_level(counted, tmp_path, capsys):
    call_command("export_ranking", counted.code, "--out", str(tmp_path / "r.xlsx"))
    assert "2 district units below C" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["NOPE"], "NOPE"),
        (["R2026", "--level", "planet"], "level: .*planet"),
        (["R2026", "--scope", "S1"], "scope"),
    ],
)
def test_the_command_refuses_bad_parameters(counted, tmp_path, args, words):
    out = tmp_path / "r.xlsx"
    with pytest.raises(CommandError, match=words):
        call_command("export_ranking", *args, "--out", str(out))
    assert not out.exists()
