"""A believable demo city: districts with schools, kindergartens, towns and villages."""

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction

from units.models import GroupMember, LeadershipGroup, MemberRole, Role, RoleKind, Unit, UnitKind

CITY = ("LY", "临沂市")
DISTRICTS = ["兰山区", "罗庄区", "河东区", "沂南县", "郯城县", "沂水县", "兰陵县", "费县", "平邑县", "莒南县"]
SCHOOL_NAMES = [
    "第一实验小学",
    "第二实验小学",
    "汤头小学",
    "育才小学",
    "第一中学",
    "第三中学",
    "实验初级中学",
    "职业中专",
]
KINDERGARTEN_NAMES = ["实验幼儿园", "机关幼儿园", "阳光幼儿园", "中心幼儿园"]
TOWN_NAMES = ["城关镇", "汤头街道", "太平街道", "九曲乡"]
VILLAGES_PER_TOWN = 5
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"

# username, password, role, unit code (None: superuser)
DEMO_USERS = [
    ("admin", "manyi-admin", None, None),
    ("city_leader", "manyi-demo", RoleKind.LEADER, "LY"),
    ("city_admin", "manyi-demo", RoleKind.ADMIN, "LY"),
    ("lanshan_admin", "manyi-demo", RoleKind.ADMIN, "LY01"),
    ("lanshan_leader", "manyi-demo", RoleKind.LEADER, "LY01"),
    ("lanshan_staff", "manyi-demo", RoleKind.STAFF, "LY01"),
    ("hedong_staff", "manyi-demo", RoleKind.STAFF, "LY03"),
    ("school_staff", "manyi-demo", RoleKind.STAFF, "LY03-S03"),
]

# The people behind the demo accounts: pages greet and list people by name, never by user name.
DEMO_NAMES = {
    "admin": "系统管理员",
    "city_leader": "王建国",
    "city_admin": "李明",
    "lanshan_admin": "张丽",
    "lanshan_leader": "刘志强",
    "lanshan_staff": "陈静",
    "hedong_staff": "杨芳",
    "school_staff": "赵敏",
}


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _phone(rng: random.Random) -> str:
    return rng.choice(["138", "139", "150", "186", "137"]) + f"{rng.randint(0, 99_999_999):08d}"


def _unit(code: str, name: str, kind: str, parent: Unit | None, order: int) -> Unit:
    unit, _ = Unit.objects.get_or_create(
        code=code, defaults={"name": name, "kind": kind, "parent": parent, "order": order}
    )
    return unit


def _tree() -> list[Unit]:
    """Create the units; returns the units that own a leadership group."""
    city = _unit(CITY[0], CITY[1], UnitKind.CITY, None, 0)
    owners = [city]
    for d, district_name in enumerate(DISTRICTS, start=1):
        dcode = f"LY{d:02d}"
        kind = UnitKind.DISTRICT
        district = _unit(dcode, district_name, kind, city, d)
        bureau = _unit(f"{dcode}-J", f"{district_name}教育体育局", UnitKind.BUREAU, district, 0)
        owners += [district, bureau]
        for i, name in enumerate(SCHOOL_NAMES, start=1):
            owners.append(_unit(f"{dcode}-S{i:02d}", f"{district_name[:-1]}{name}", UnitKind.SCHOOL, district, i))
        for i, name in enumerate(KINDERGARTEN_NAMES, start=1):
            _unit(f"{dcode}-K{i:02d}", f"{district_name[:-1]}{name}", UnitKind.KINDERGARTEN, district, 20 + i)
        for t, name in enumerate(TOWN_NAMES, start=1):
            town = _unit(f"{dcode}-T{t:02d}", f"{district_name[:-1]}{name}", UnitKind.TOWN, district, 40 + t)
            owners.append(town)
            for v in range(1, VILLAGES_PER_TOWN + 1):
                _unit(f"{dcode}-T{t:02d}-V{v:02d}", f"{town.name[-3:-1]}第{v}村", UnitKind.VILLAGE, town, v)
    return owners


def _group(unit: Unit, rng: random.Random) -> None:
    """A leadership group as the plans print it: leader, deputies, members, office."""
    if unit.groups.exists():
        return
    group = LeadershipGroup.objects.create(
        unit=unit,
        name="提高群众满意度工作领导小组",
        purpose="统一调度、组织协调、督促落实和监督考核群众满意度工作",
        set_up_on=datetime.date(2026, 3, 1),
    )
    head = "校长" if unit.kind == UnitKind.SCHOOL else "主要负责人"
    rows = [(MemberRole.LEADER, head, "全面负责")]
    rows += [(MemberRole.DEPUTY, "副职", f"分管{area}") for area in ("一、二年级", "三、四年级", "安全与后勤")]
    rows += [(MemberRole.MEMBER, "中层干部", "具体落实") for _ in range(3)]
    rows += [(MemberRole.OFFICE_DIRECTOR, "办公室主任", "负责日常工作、台账整理与上报")]
    members = GroupMember.objects.bulk_create(
        GroupMember(
            group=group,
            role=role,
            person_name=_person(rng),
            position=position,
            phone=_phone(rng),
            responsibility=duty,
            order=i,
        )
        for i, (role, position, duty) in enumerate(rows)
    )
    _answerable(unit, group, members)


def _answerable(unit: Unit, group: LeadershipGroup, members: list[GroupMember]) -> None:
    """One level answerable to the next (一级抓一级): town deputies each take some villages,
    and a district's education bureau sits in the group as a member department."""
    if unit.kind == UnitKind.TOWN:
        deputies = [m for m in members if m.role == MemberRole.DEPUTY]
        villages = list(unit.children.order_by("order"))
        for i, deputy in enumerate(deputies):
            share = villages[i :: len(deputies)]
            deputy.responsibility = "包村：" + "、".join(v.name for v in share)
            deputy.save(update_fields=["responsibility"])
            deputy.covered_units.set(share)
    if unit.kind == UnitKind.DISTRICT:
        bureau = unit.children.filter(kind=UnitKind.BUREAU).first()
        if bureau:
            GroupMember.objects.create(
                group=group,
                role=MemberRole.MEMBER,
                department=bureau,
                responsibility="负责全区学校满意度工作",
                order=50,
            )


def _users() -> list[tuple[str, str, str]]:
    User = get_user_model()
    printed = []
    for username, password, role, code in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_password(password)
            user.is_superuser = user.is_staff = role is None
            user.first_name = DEMO_NAMES.get(username, "")
            user.save()
        if role:
            Role.objects.get_or_create(user=user, unit=Unit.objects.get(code=code), kind=role)
        printed.append((username, password, role.label if role else "superuser", code or "*"))
    return printed


@transaction.atomic
def seed() -> dict:
    rng = random.Random(20261129)
    owners = _tree()
    for unit in owners:
        _group(unit, rng)
    users = _users()
    return {"units": Unit.objects.count(), "groups": LeadershipGroup.objects.count(), "users": users}
