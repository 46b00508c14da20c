"""No page answers 500 when every optional field of what it shows is empty (issue 13, "No 500s").

Each model is created with ``Model.objects.create`` and only its required fields (no factory, whose
defaults fill the optional ones): a household with no phone, guardian, address or keeper, a concern
with no raiser, indicator or responsible person, a follow-up with no calls, a group with no members
but one department without a person, a round with no previous round and no targets, a questionnaire
with no number or phone, jobs with no file where the model allows it, a submission with no answers.
Then every page of the URL walk of ``test_every_view_checks_permission`` (its detail pages filled
with these objects) is requested by each role; any status is fine except a crash. The client does
not re-raise the view's exception, so every crash is collected with its URL and role and all are
reported at once.
"""

import datetime

import pytest
from django.urls import get_resolver
from django.utils import timezone

from assessment.models import NoticeJob
from assessment.services import scheme_create
from imports.models import ImportJob, JobKind
from ledger.models import CategoryOfConcern, Concern, Reminder, ReminderKind
from opendoor.models import Activity, ActivityRule, Opinion
from outreach.models import FollowUp, Household, HouseholdKind, VisitRule
from reports.models import ReportJob
from respond.models import Mode, OnlineSetting, Status, Submission, SurveyLink
from sampling.models import CallDraw, CallNumber
from surveys.models import Indicator, Participation, Questionnaire, Round, RoundIndicator, RoundStatus, Scale
from tests.factories import UserFactory
from tests.units.test_every_view_checks_permission import fill, url_patterns
from units.models import GroupMember, LeadershipGroup, MemberRole, Role, RoleKind, Unit, UnitKind
from workdays.models import CalendarDay

pytestmark = pytest.mark.django_db


@pytest.fixture(params=RoundStatus.values)
def bare(request, tree, users) -> dict:
    """One object of each kind in district D1 with only its required fields, keyed as the walk fills routes.

    Once per status of the round: a draft, an open and a closed round show different pages.
    """
    admin = users["admin"]
    round = Round.objects.create(
        code="R2026",
        name="2026 满意度调查",
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2026, 12, 31),
        scale=Scale.objects.get(code="default"),
        status=request.param,
    )
    for unit in (tree["s1"], tree["s2"]):
        Participation.objects.create(round=round, unit=unit)
    for indicator in Indicator.objects.filter(indicator_set__code="education"):
        RoundIndicator.objects.create(round=round, indicator=indicator)
    OnlineSetting.objects.create(round=round)
    VisitRule.objects.create(unit=tree["d1"])
    questionnaire = Questionnaire.objects.create(
        round=round, unit=tree["s1"], respondent_type="parent", channel="phone", date=datetime.date(2026, 5, 1)
    )
    concern = Concern.objects.create(
        unit=tree["s1"],
        source="reception_day",
        category=CategoryOfConcern.objects.get(code="canteen"),
        text="食堂",
        received_on=datetime.date(2026, 5, 1),
        deadline=datetime.date(2026, 5, 8),
    )
    group = LeadershipGroup.objects.create(unit=tree["d1"], name="领导小组")
    empty_group = LeadershipGroup.objects.create(unit=tree["d1"], name="空小组")
    role = Role.objects.create(user=UserFactory(), unit=tree["s1"], kind=RoleKind.STAFF)
    department = Unit.objects.create(code="D1-JYJ", name="教育局", kind=UnitKind.DEPARTMENT, parent=tree["d1"])
    activity = Activity.objects.create(unit=tree["s1"], kind="open_day", held_on=datetime.date(2026, 11, 4))
    ActivityRule.objects.create(
        under=tree["d1"], unit_kind="school", kind="reception_day", schedule="monthly", weekday=0
    )
    phase = ActivityRule.objects.create(
        under=tree["d1"], unit_kind="school", kind="publicity", schedule="phase",
        starts_on=datetime.date(2026, 10, 1), ends_on=datetime.date(2026, 10, 1),
    )  # fmt: skip
    return {
        "rounds": round.code,
        "round": round.code,
        "units": tree["d1"].code,
        "unit_code": tree["s1"].code,
        "questionnaires": questionnaire.pk,
        # A drawn number assigned to the administrator: the interview in the caller's screen opens for them.
        "dial": CallNumber.objects.create(
            round=round,
            unit=tree["s1"],
            phone="13900000099",
            caller=admin,
            draw=CallDraw.objects.create(round=round, seed=1),
        ).pk,  # fmt: skip
        "concerns": concern.pk,
        "follow-ups": FollowUp.objects.create(questionnaire=questionnaire, unit=tree["s1"], round=round).pk,
        "households": Household.objects.create(unit=tree["s1"], name="学生", kind=HouseholdKind.POOR).pk,
        "groups": group.pk,
        "empty_group": empty_group.pk,
        "members": GroupMember.objects.create(group=group, role=MemberRole.MEMBER, department=department).pk,
        "users": role.user_id,
        "roles": role.pk,
        "reports": ReportJob.objects.create(user=admin, round=round, scope=tree["d1"], level="school").pk,
        "schemes": _scheme(round, tree["d1"]),
        "notices": NoticeJob.objects.create(user=admin, round=round, scope=tree["d1"], level="school").pk,
        "job": ImportJob.objects.create(
            round=round,
            kind=JobKind.QUESTIONNAIRES,
            file="imports/none.csv",
            file_name="none.csv",
            size=0,
            checksum="0" * 64,
        ).pk,
        "reminders": Reminder.objects.create(user=admin, concern=concern, kind=ReminderKind.OVERDUE).pk,
        "step": "assign",
        "activities": activity.pk,
        "working-days": CalendarDay.objects.create(day=datetime.date(2099, 1, 2), is_working_day=False).pk,
        "activity-opinions": Opinion.objects.create(activity=activity, text="课后服务").pk,
        "activity-rules": phase.pk,
        "opinions": Submission.objects.create(
            round=round,
            unit=tree["s1"],
            started_at=timezone.now(),
            address_hash="-",
            mode=Mode.OPEN,
            nonce="bare",
            respondent_type="parent",
            status=Status.HELD,
        ).pk,
        "s": SurveyLink.objects.create(round=round, unit=tree["s1"]).token,
    }


def pages(bare: dict) -> list[str]:
    """Every URL of the walk but signing out (it would end the session), the empty group's page too."""
    urls = [fill(route, bare) for route, pattern in url_patterns(get_resolver()) if pattern.name != "logout"]
    return urls + [
        url.replace(f"/groups/{bare['groups']}/", f"/groups/{bare['empty_group']}/")
        for url in urls
        if f"/groups/{bare['groups']}/" in url
    ]


def test_no_page_crashes_for_any_role_with_every_optional_field_empty(client, tree, users, bare):
    other_district = UserFactory()
    Role.objects.create(user=other_district, unit=tree["d2"], kind=RoleKind.ADMIN)
    roles = {name: users[name] for name in ("superuser", "admin", "staff", "leader")}
    roles |= {"other district": other_district, "anonymous": None}
    client.raise_request_exception = False
    urls = pages(bare)
    crashes = []
    for name, user in roles.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for url in urls:
            if client.get(url).status_code >= 500:
                crashes.append(f"{url} as {name}")
    # the walk reached the detail pages of the bare objects
    assert {f"/concerns/{bare['concerns']}/", f"/households/{bare['households']}/", f"/s/{bare['s']}/"} <= set(urls)
    assert not crashes, "pages that crash: " + ", ".join(crashes)


def _scheme(round, scope) -> int:
    """A scheme for the schools of ``scope`` attached to ``round`` (the assessment pages)."""
    return scheme_create(
        name="考核", scope=scope, level="school", rounds=[round], components=[{"kind": "rate"}], by=None
    ).pk
