"""Fixtures for the units tests: Excel files built in memory, a leadership group, reading workbooks."""

from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from tests.factories import GroupMemberFactory, LeadershipGroupFactory, RoleFactory, UserFactory
from units.models import MemberRole, RoleKind

HEADER = ["编码", "名称", "类型", "上级编码"]


def build_xlsx(rows: list[list], header: list | None = None) -> BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "units.xlsx"
    return buffer


def read_xlsx(content: bytes) -> dict[str, list[list]]:
    """Every sheet's rows as lists of cell values."""
    workbook = load_workbook(BytesIO(content), read_only=True)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


@pytest.fixture
def xlsx():
    """``xlsx(rows, header=None)``: an in-memory workbook in the units import format."""
    return build_xlsx


@pytest.fixture
def group(tree):
    """D1's leadership group as a plan prints it: leader, deputy, a member department, office director."""
    group = LeadershipGroupFactory(unit=tree["d1"], name="一区满意度工作领导小组", purpose="统一调度")
    GroupMemberFactory(group=group, role=MemberRole.OFFICE_DIRECTOR, person_name="赵主任", phone="13900001111", order=0)
    GroupMemberFactory(group=group, role=MemberRole.MEMBER, person_name="", department=tree["s1"], order=1)
    GroupMemberFactory(group=group, role=MemberRole.DEPUTY, person_name="李副组长", phone="13700002222", order=2)
    leader = GroupMemberFactory(
        group=group, role=MemberRole.LEADER, person_name="王组长", position="区长", phone="13812345678", order=3
    )
    leader.covered_units.set([tree["s1"]])
    return group


@pytest.fixture
def d2_group(tree):
    group = LeadershipGroupFactory(unit=tree["d2"], name="二区秘密小组")
    GroupMemberFactory(group=group, role=MemberRole.LEADER, person_name="二区组长", phone="13611112222")
    return group


@pytest.fixture
def d2_user(tree):
    """A user whose only role is on district D2, outside the D1 roles of ``users``."""
    user = UserFactory(username="d2_only")
    RoleFactory(user=user, unit=tree["d2"], kind=RoleKind.STAFF)
    return user
