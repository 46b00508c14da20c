"""Fixtures for the ledger: categories, a responsible teacher, concerns at each step, Excel files in memory."""

import datetime
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from ledger import services
from ledger.models import CategoryOfConcern
from tests.factories import GroupMemberFactory, LeadershipGroupFactory, RoleFactory, UserFactory
from units.models import MemberRole, RoleKind


@pytest.fixture(autouse=True)
def _english(client):
    """Messages are asserted on their English msgids, whatever the state of the Chinese catalogue."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def canteen(db) -> CategoryOfConcern:
    return CategoryOfConcern.objects.get(code="canteen")


@pytest.fixture
def teacher(tree):
    """A teacher of school S1 with a staff role there: a responsible person."""
    user = UserFactory(username="teacher", first_name="老师")
    RoleFactory(user=user, unit=tree["s1"], kind=RoleKind.STAFF)
    return user


@pytest.fixture
def head(tree):
    """The 组长 of school S1's leadership group, with a user account (and no role)."""
    user = UserFactory(username="head")
    group = LeadershipGroupFactory(unit=tree["s1"])
    GroupMemberFactory(group=group, role=MemberRole.LEADER, person_name="李校长", user=user)
    return user


@pytest.fixture
def make_concern(tree, users, canteen):
    """``make_concern(**fields)``: a concern of school S1 entered by D1's staff, received 3 days ago."""

    def make(**fields):
        data = {
            "unit": tree["s1"],
            "source": "reception_day",
            "category": canteen,
            "text": "食堂饭菜质量差",
            "received_on": days_ago(3),
            **fields,
        }
        return services.concern_create(data=services.ConcernData(**data), by=users["staff"])

    return make


def advance(concern, users, teacher, to: str):
    """Walk a concern through the workflow up to ``to`` (assigned, fixing, awaiting_check, checked, closed)."""
    order = ["assigned", "fixing", "awaiting_check", "checked", "closed"]
    target = order.index(to)
    concern = services.concern_assign(concern=concern, by=users["staff"], user=teacher)
    if target >= 1:
        concern = services.concern_start_fixing(concern=concern, by=teacher)
    if target >= 2:
        concern = services.concern_submit_for_check(concern=concern, by=teacher, text="已整改")
    if target >= 3:
        concern = services.concern_check(concern=concern, by=users["staff"], passed=True)
    if target >= 4 and concern.status != "closed":
        concern = services.concern_call_back(concern=concern, by=users["staff"], satisfied=True)
    return concern


def xlsx(rows: list[list], header: list | None = None, name: str = "concerns.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    if header is not None:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def read_xlsx(content: bytes) -> dict[str, list[list]]:
    workbook = load_workbook(BytesIO(content), read_only=True)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}
