"""All posters of a subtree in one zip: a printable page and a QR code per unit, for administrators only."""

import io
import zipfile

import pytest
from django.urls import reverse

from respond.models import SurveyLink

pytestmark = pytest.mark.django_db


def _zip(client, round, query: str = ""):
    return client.get(reverse("respond:posters_zip", args=[round.code]) + query)


def test_the_zip_holds_a_poster_and_a_qr_code_per_unit_of_the_subtree(client_for, users, round, tree):
    response = _zip(client_for(users["superuser"]), round)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == [
        "S1-一区第一小学.html", "S1-一区第一小学.png", "S2-二区第一小学.html", "S2-二区第一小学.png"
    ]  # fmt: skip
    poster = archive.read("S1-一区第一小学.html").decode()
    token = SurveyLink.objects.active().get(round=round, unit=tree["s1"]).token
    assert round.name in poster and tree["s1"].name in poster and "<svg" in poster and token in poster
    assert tree["s2"].name not in poster  # one unit per file
    assert archive.read("S1-一区第一小学.png")[:4] == b"\x89PNG"
    under = zipfile.ZipFile(
        io.BytesIO(b"".join(_zip(client_for(users["superuser"]), round, "?under=D2").streaming_content))
    )
    assert [name for name in under.namelist() if name.endswith(".html")] == ["S2-二区第一小学.html"]


def test_an_administrator_gets_only_the_posters_of_their_subtree(client_for, users, round):
    client = client_for(users["admin"])  # administrator of D1: S1 only
    archive = zipfile.ZipFile(io.BytesIO(b"".join(_zip(client, round).streaming_content)))
    assert [name for name in archive.namelist() if name.endswith(".html")] == ["S1-一区第一小学.html"]
    assert _zip(client, round, "?under=D2").status_code == 404
    assert _zip(client, round, "?unit=S2").status_code == 404
    assert _zip(client, round, "?unit=NOPE").status_code == 404


@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("leader", 403), ("nobody", 404)])
def test_others_may_not_download_posters(client_for, users, round, role, status):
    assert _zip(client_for(users[role]), round).status_code == status
