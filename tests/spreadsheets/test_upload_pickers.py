"""Every upload picker offers .xls and .ods, and every import page takes them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ledger.models import Concern
from outreach.models import Household
from tests.factories import make_round
from tests.spreadsheets.cases import FIXTURES
from units.models import Unit

pytestmark = pytest.mark.django_db


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes())


def pages(tree) -> list[tuple[str, str]]:
    round = make_round([tree["s1"]])
    return [
        ("admin", reverse("units:import")),
        ("staff", reverse("ledger:import", args=["D1"])),
        ("staff", reverse("outreach:households_import", args=["D1"])),
        ("staff", reverse("imports:upload", args=[round.code])),
    ]


def test_every_upload_picker_offers_xls_and_ods(client_for, users, tree):
    for role, url in pages(tree):
        body = client_for(users[role]).get(url).content.decode()
        assert 'accept=".xlsx,.xlsm,.xls,.ods,.csv"' in body, url
        assert ".xls" in body and ".ods" in body


@pytest.mark.parametrize("suffix", [".xls", ".ods"])
def test_import_pages_take_xls_and_ods(client_for, users, tree, suffix):
    assert (
        client_for(users["admin"]).post(reverse("units:import"), {"file": upload(f"units{suffix}")}).status_code == 302
    )
    assert Unit.objects.filter(code="S3").exists()
    staff = client_for(users["staff"])
    assert staff.post(reverse("ledger:import", args=["D1"]), {"file": upload(f"concerns{suffix}")}).status_code == 302
    assert Concern.objects.count() == 1
    response = staff.post(reverse("outreach:households_import", args=["D1"]), {"file": upload(f"households{suffix}")})
    assert response.status_code == 302 and Household.objects.get().phone == "13800000001"


def test_a_file_that_is_no_spreadsheet_by_its_name_is_refused_by_the_picker(client_for, users, tree):
    response = client_for(users["staff"]).post(
        reverse("ledger:import", args=["D1"]), {"file": SimpleUploadedFile("concerns.pdf", b"%PDF")}
    )
    assert response.status_code == 400 and "file" in response.context["form"].errors
    assert not Concern.objects.exists()
