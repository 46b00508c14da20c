"""Concerns collected on paper, imported from Excel: row-level errors, all or nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ledger.models import Concern, ConcernStatus, ConcernStep, StepKind
from tests.ledger.conftest import days_ago, read_xlsx, xlsx

pytestmark = pytest.mark.django_db

HEADER = ["受理日期", "单位", "来源", "类别", "指标", "反映人", "电话", "反映内容", "期限"]


def good_rows() -> list[list]:
    return [
        [days_ago(5), "", "校长接待日", "食堂饭菜质量", "", "王女士", "13812345678", "饭菜偏咸", None],
        [days_ago(4).isoformat(), "S1", "12345", "paid_tutoring", "EDU2", "", "", "某老师有偿补课", days_ago(1)],
    ]


def post(client, upload, code: str = "D1"):
    return client.post(reverse("ledger:import", args=[code]), {"file": upload})


def test_a_good_file_creates_every_concern_with_a_step(client_for, users):
    response = post(client_for(users["staff"]), xlsx(good_rows(), HEADER))
    assert response.status_code == 302
    first, second = Concern.objects.order_by("id")
    assert (first.unit.code, first.source, first.category.code, first.indicator.code) == (
        "D1",
        "reception_day",
        "canteen",
        "EDU5",
    )
    assert (second.unit.code, second.source, second.deadline, second.is_anonymous) == (
        "S1",
        "hotline",
        days_ago(1),
        True,
    )
    assert all(c.status == ConcernStatus.RECEIVED for c in (first, second))
    step = ConcernStep.objects.get(concern=second)
    assert step.kind == StepKind.CREATED and step.detail["imported"] == "concerns.xlsx"


def test_english_headers_and_a_title_line_are_accepted(client_for, users):
    header = [
        "Received on",
        "Unit",
        "Source",
        "Category",
        "Indicator",
        "Raised by",
        "Phone",
        "What was said",
        "Deadline",
    ]
    rows = [["Concerns collected at the open day"], header, *good_rows()]
    assert post(client_for(users["staff"]), xlsx(rows)).status_code == 302
    assert Concern.objects.count() == 2


def test_any_bad_row_means_nothing_is_imported_and_each_error_names_row_and_column(client_for, users):
    rows = good_rows() + [
        ["2026/13/40", "", "来信", "食堂饭菜质量", "", "", "", "x", None],
        [days_ago(3), "S2", "走访", "不存在的类别", "", "", "", "", None],
        [days_ago(3), "", "电话", "canteen", "", "", "", "x", days_ago(10)],
    ]
    response = post(client_for(users["staff"]), xlsx(rows, HEADER))
    assert response.status_code == 400
    assert not Concern.objects.exists()
    errors = [str(e) for e in response.context["problems"]]
    assert any(e.startswith("Row 4, column 受理日期") for e in errors)
    assert any(e.startswith("Row 5, column 单位") and "S2" in e for e in errors)
    assert any(e.startswith("Row 5, column 类别") for e in errors)
    assert any(e.startswith("Row 5, column 反映内容") for e in errors)
    assert any(e.startswith("Row 6, column 期限") and "cannot be before" in e for e in errors)
    assert "Row 4, column 受理日期" in response.content.decode()


def test_missing_columns_and_files_that_are_not_excel_are_refused(client_for, users):
    client = client_for(users["staff"])
    response = post(client, xlsx([[days_ago(1), "x"]], ["受理日期", "反映人"]))
    assert response.status_code == 400
    assert "Row 1, column Category: This column is missing." in [str(e) for e in response.context["problems"]]
    response = post(client, SimpleUploadedFile("concerns.xlsx", b"not a workbook"))
    assert response.status_code == 400 and "damaged" in str(response.context["problems"][0])
    response = post(client, SimpleUploadedFile("concerns.csv", b"a,b"))
    assert response.status_code == 400 and not Concern.objects.exists()


def test_only_staff_of_the_unit_may_import(client_for, users):
    assert post(client_for(users["leader"]), xlsx(good_rows(), HEADER)).status_code == 403
    assert post(client_for(users["staff"]), xlsx(good_rows(), HEADER), code="D2").status_code == 404
    assert client_for(users["staff"]).put(reverse("ledger:import", args=["D1"])).status_code == 405
    assert not Concern.objects.exists()


def test_the_template_names_the_columns(client_for, users):
    response = client_for(users["staff"]).get(reverse("ledger:import_template"))
    (rows,) = read_xlsx(response.getvalue()).values()
    assert rows[1][:3] == ["Received on", "Unit", "Source"]
