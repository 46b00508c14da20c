"""The upload page and the Excel download of units."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.units.conftest import build_xlsx, read_xlsx
from units.models import Unit

pytestmark = pytest.mark.django_db

IMPORT = reverse("units:import")
EXPORT = reverse("units:export")


def upload(rows: list[list], name: str = "units.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, build_xlsx(rows).getvalue())


def test_anonymous_is_sent_to_login(client, tree):
    for url in (IMPORT, EXPORT):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["staff", "leader", "nobody"])
def test_only_administrators_may_import(client_for, users, role):
    client = client_for(users[role])
    assert client.get(IMPORT).status_code == 403
    response = client.post(IMPORT, {"file": upload([["S3", "新学校", "学校", "D1"]])})
    assert response.status_code == 403
    assert not Unit.objects.filter(code="S3").exists()


def test_an_administrator_imports_units_into_their_subtree(client_for, users, tree):
    client = client_for(users["admin"])
    assert client.get(IMPORT).status_code == 200
    response = client.post(IMPORT, {"file": upload([["S3", "一区新学校", "学校", "D1"]])}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("units:list")
    assert Unit.objects.get(code="S3").parent == tree["d1"]
    assert "1" in str(list(response.context["messages"])[0])


def test_an_administrator_gets_every_problem_and_nothing_of_other_subtrees(client_for, users):
    rows = [["S3", "好学校", "学校", "D1"], ["S4", "坏学校", "学校", "D2"], ["S5", "", "大学", "D1"]]
    response = client_for(users["admin"]).post(IMPORT, {"file": upload(rows)})
    assert response.status_code == 200
    problems = [(p.row, p.column) for p in response.context["problems"]]
    assert problems == [(3, "上级编码"), (4, "名称"), (4, "类型")]
    body = response.content.decode()
    assert 'id="import-problems"' in body and "大学" in body
    assert "二区" not in body
    assert not Unit.objects.filter(code__in=["S3", "S4", "S5"]).exists()


def test_a_check_only_upload_reports_and_writes_nothing(client_for, users):
    response = client_for(users["admin"]).post(
        IMPORT, {"file": upload([["S3", "新学校", "学校", "D1"]]), "dry_run": "on"}
    )
    assert response.status_code == 200
    assert response.context["result"].created == 1
    assert not Unit.objects.filter(code="S3").exists()


def test_a_missing_file_is_a_form_error(client_for, users):
    response = client_for(users["admin"]).post(IMPORT, {})
    assert response.status_code == 200
    assert "file" in response.context["form"].errors


def test_a_file_that_is_not_a_spreadsheet_by_its_name_is_a_form_error(client_for, users):
    response = client_for(users["admin"]).post(IMPORT, {"file": SimpleUploadedFile("units.pdf", b"code,name\n")})
    assert "file" in response.context["form"].errors
    assert Unit.objects.count() == 5


def test_a_damaged_xlsx_is_refused_with_a_message(client_for, users):
    response = client_for(users["admin"]).post(IMPORT, {"file": SimpleUploadedFile("units.xlsx", b"PK\x03\x04broken")})
    assert response.status_code == 200
    (problem,) = response.context["problems"]
    assert problem.row is None and problem.message in response.content.decode()


def test_an_oversized_file_is_refused(client_for, users, settings):
    settings.MANYI_UPLOAD_MAX_MB = 0
    response = client_for(users["admin"]).post(IMPORT, {"file": upload([["S3", "新学校", "学校", "D1"]])})
    assert "file" in response.context["form"].errors
    assert not Unit.objects.filter(code="S3").exists()


def test_import_page_allows_only_get_and_post(client_for, users):
    assert client_for(users["admin"]).put(IMPORT).status_code == 405


@pytest.mark.parametrize("role", ["admin", "staff", "leader"])
def test_export_holds_only_the_users_subtree_without_the_parent_above_it(client_for, users, role):
    response = client_for(users[role]).get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    (rows,) = read_xlsx(b"".join(response.streaming_content)).values()
    assert [r[:4] for r in rows[1:]] == [["D1", "一区", "区", None], ["S1", "一区第一小学", "学校", "D1"]]


def test_export_of_one_unit_below(client_for, users):
    response = client_for(users["leader"]).get(EXPORT, {"under": "S1"})
    (rows,) = read_xlsx(b"".join(response.streaming_content)).values()
    assert [r[0] for r in rows[1:]] == ["S1"]


@pytest.mark.parametrize("role", ["admin", "staff", "leader"])
def test_export_of_a_unit_outside_the_subtree_is_not_found(client_for, users, role):
    response = client_for(users[role]).get(EXPORT, {"under": "S2"})
    assert response.status_code == 404
    assert "二区" not in response.content.decode()


def test_a_user_without_roles_cannot_export(client_for, users):
    assert client_for(users["nobody"]).get(EXPORT).status_code == 403


def test_export_is_read_only(client_for, users):
    assert client_for(users["admin"]).post(EXPORT).status_code == 405


def test_the_superusers_export_imports_back_unchanged(client_for, users):
    client = client_for(users["superuser"])
    content = b"".join(client.get(EXPORT).streaming_content)
    before = list(Unit.objects.values_list("code", "name", "kind", "parent", "path"))
    response = client.post(IMPORT, {"file": SimpleUploadedFile("all.xlsx", content)}, follow=True)
    message = str(list(response.context["messages"])[0])
    assert "0" in message and "5" in message  # 0 created, 0 updated, 5 unchanged
    assert list(Unit.objects.values_list("code", "name", "kind", "parent", "path")) == before


def test_unit_list_offers_import_only_to_administrators(client_for, users):
    assert IMPORT in client_for(users["admin"]).get(reverse("units:list")).content.decode()
    assert IMPORT not in client_for(users["leader"]).get(reverse("units:list")).content.decode()
