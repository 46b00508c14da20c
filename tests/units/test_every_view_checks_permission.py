"""Every page of Manyi decides access through ``units.permissions``, or is marked ``@public``.

The test walks every URL pattern of the project (``django.urls.get_resolver``, includes followed,
the admin site left out: it has its own checks), fills each route's parameters with real objects
of one district, requests it as that district's administrator, and records the calls made to the
functions of ``units.permissions``. A view that makes none and is not marked public fails.

Why a new view without a check fails: the walk reads the URL configuration itself, so a new
pattern is requested without anyone listing it here; a parameter this file cannot fill fails with
its name (add it to ``OBJECT_AFTER``), and a view that never calls the permission module records no
call. The spy replaces each permission function in every loaded module that imported it by name
(``from units.permissions import can``) and inside ``units.permissions`` itself (where ``get_unit``
calls ``require``, which calls ``can``), so a check is seen however the view reaches it. It proves
one path of each view, the one an administrator takes; the role-by-role tests of each app test the
answers (404 for the unseen, 403 for the forbidden).
"""

import datetime
import inspect
import re
import sys

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django.utils import timezone

import units.permissions as permissions
from assessment.models import NoticeJob
from assessment.services import scheme_create
from imports.models import ImportJob, JobKind, JobStatus
from ledger.models import Reminder, ReminderKind
from opendoor.models import Activity, ActivityRule, Opinion
from outreach.models import FollowUp
from reports.models import ReportJob
from respond.models import Submission
from sampling.models import CallDraw, CallNumber
from surveys.models import Questionnaire
from tests.factories import (
    ConcernFactory,
    GroupMemberFactory,
    HouseholdFactory,
    LeadershipGroupFactory,
    RoleFactory,
    make_round,
)
from units.models import RoleKind
from workdays.models import CalendarDay

pytestmark = pytest.mark.django_db

# Not checks: a mask and the marker itself.
NOT_CHECKS = {"public", "mask_phone"}
CHECKS = {
    name: function
    for name, function in vars(permissions).items()
    if inspect.isfunction(function)
    and function.__module__ == permissions.__name__
    and not name.startswith("_")
    and name not in NOT_CHECKS
}
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def url_patterns(resolver: URLResolver, prefix: str = ""):
    """(route, pattern) for every view of the project, includes followed, the admin site left out."""
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route != "admin/":
                yield from url_patterns(pattern, route)
        else:
            assert isinstance(pattern, URLPattern) and isinstance(pattern.pattern, RoutePattern), route
            yield route, pattern


@pytest.fixture
def calls(monkeypatch) -> list[str]:
    """The names of the permission functions called, in order, from anywhere."""
    made: list[str] = []
    list(url_patterns(get_resolver()))  # import every view module first: their imported names are replaced too
    for name, function in CHECKS.items():

        def spy(*args, _function=function, _name=name, **kwargs):
            made.append(_name)
            return _function(*args, **kwargs)

        for module in list(sys.modules.values()):
            if getattr(module, "__dict__", {}).get(name) is function:
                monkeypatch.setattr(module, name, spy)
    return made


@pytest.fixture
def world(tree, users):
    """One object of each kind in district D1, for D1's administrator."""
    admin = users["admin"]
    round = make_round([tree["s1"], tree["s2"]])
    questionnaire = Questionnaire.objects.create(
        round=round, unit=tree["s1"], respondent_type="parent", channel="phone", date=datetime.date(2026, 5, 1)
    )
    concern = ConcernFactory(unit=tree["s1"])
    group = LeadershipGroupFactory(unit=tree["d1"])
    role = RoleFactory(unit=tree["s1"], kind=RoleKind.STAFF)
    activity = Activity.objects.create(unit=tree["s1"], kind="open_day", held_on=datetime.date(2026, 11, 4))
    rule = ActivityRule.objects.create(under=tree["d1"], unit_kind="school", kind="parent_meeting", schedule="term")
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
        "households": HouseholdFactory(unit=tree["s1"]).pk,
        "groups": group.pk,
        "members": GroupMemberFactory(group=group).pk,
        "users": role.user_id,
        "roles": role.pk,
        "reports": ReportJob.objects.create(user=admin, round=round, scope=tree["d1"], level="school").pk,
        "schemes": _scheme(round, tree["d1"]),
        "notices": NoticeJob.objects.create(user=admin, round=round, scope=tree["d1"], level="school").pk,
        "job": ImportJob.objects.create(
            round=round,
            user=admin,
            kind=JobKind.QUESTIONNAIRES,
            status=JobStatus.SUCCEEDED,
            file="imports/none.csv",
            file_name="none.csv",
            size=0,
            checksum="0" * 64,
        ).pk,  # fmt: skip
        "reminders": Reminder.objects.create(user=admin, concern=concern, kind=ReminderKind.OVERDUE).pk,
        "step": "assign",
        "activities": activity.pk,
        "working-days": CalendarDay.objects.create(day=datetime.date(2099, 1, 2), is_working_day=False).pk,
        "activity-opinions": Opinion.objects.create(activity=activity, text="课后服务").pk,
        "activity-rules": rule.pk,
        "opinions": Submission.objects.create(
            round=round,
            unit=tree["s1"],
            started_at=timezone.now(),
            address_hash="-",
            mode="open",
            nonce="world",
            respondent_type="parent",
            status="accepted",
            opinion="食堂",
        ).pk,  # fmt: skip
    }


# A parameter is filled from the segment before it: rounds/<code>/ is a round, units/<code>/ a unit.
OBJECT_AFTER = {"member_pk": "members", "unit_code": "unit_code", "step": "step"}


def fill(route: str, world: dict) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        key = OBJECT_AFTER.get(name) or route[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        assert key in world, f"{route}: no object for <{name}> after “{key}”; add one to the world fixture"
        return str(world[key])

    return "/" + PARAMETER.sub(value, route)


def test_every_view_calls_the_permission_module_or_is_public(client_for, users, world, calls):
    client = client_for(users["admin"])
    unchecked = []
    # Deletions last, so that the other pages still find their objects.
    for route, pattern in sorted(url_patterns(get_resolver()), key=lambda found: "delete" in found[0]):
        if getattr(pattern.callback, "manyi_public", False):
            continue  # not requested: signing out would end the session of the walk
        url = fill(route, world)
        calls.clear()
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url, {})
        if not calls:
            unchecked.append(f"{url} ({pattern.callback.__module__}.{pattern.callback.__name__})")
    assert not unchecked, "views that never call units.permissions and are not @public: " + ", ".join(unchecked)


def test_the_public_views_are_only_sign_in_sign_out_and_language():
    public = {
        pattern.name
        for _route, pattern in url_patterns(get_resolver())
        if pattern.callback.__dict__.get("manyi_public")
    }
    # and the public survey pages, where the unguessable token of a unit's link is the check
    assert public == {"login", "logout", "set_language", "password_change", "password_change_done",
                      "answer", "send_code", "thanks"}  # fmt: skip


def test_the_spy_sees_checks_made_through_imported_names_and_inside_the_module(calls, tree, users):
    from ledger import models, views

    views.get_unit(users["admin"], permissions.Action.VIEW, tree["s1"].code)
    assert calls[0] == "get_unit" and {"require", "can", "scope_paths"} <= set(calls)
    calls.clear()
    models.Reminder.objects.active_for(users["admin"])  # ``own`` calls no other check
    assert calls == ["own"]


def _scheme(round, scope) -> int:
    """A scheme for the schools of ``scope`` attached to ``round`` (the assessment pages)."""
    return scheme_create(
        name="考核", scope=scope, level="school", rounds=[round], components=[{"kind": "rate"}], by=None
    ).pk
