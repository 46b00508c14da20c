"""What each role sees first: the data of the home page, gathered by plain functions.

A leader: where the unit stands in the current round (rate, rank among its
peers as the round discloses them, the gap to the target rate and rank, the
weakest indicators, the trend), the work waiting (overdue concerns,
follow-ups) and the units below target in the subtree. Staff: collection
progress per unit against its sample target or minimum, what they entered
today, their shortcuts. An administrator: the rounds, a set-up checklist and
the latest jobs.

Each part is a fixed number of queries whatever the size of the subtree
(``tests/dashboard/test_home.py`` counts them): figures are read for the
units shown and their scope only (``surveys.figures.figures_of``, ``reports``), lists are
counted by the database and cut to a few lines.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, OuterRef, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from imports.models import ImportJob
from ledger.models import Concern
from outreach.models import FollowUp
from reports.models import ReportJob
from reports.peers import PeerStanding, peer_scope, peer_standing_for
from reports.ranking import OVERALL, Row, ranking_of
from reports.unit_report import UnitReport, unit_report_of
from respond.models import SurveyLink
from respond.progress import round_progress
from surveys.engine import VotesNeeded
from surveys.figures import RoundFigures, UnitInfo, figures_of
from surveys.models import Participation, Questionnaire, Round, RoundStatus
from surveys.outline import round_outline, round_unit, round_unit_infos
from units.models import GroupMember, LeadershipGroup, RoleKind, Unit
from units.permissions import (
    Action,
    filter_by_unit,
    jobs_for,
    role_kinds,
    roots_held,
    top_units,
    unit_q,
    units_for,
)

SHOWN = 5  # lines of each list on the home page; the full list is one click away


def person_name(user) -> str:
    """The person's real name: the account's full name, else their name in a leadership group, else the username."""
    full = user.get_full_name().strip()
    if full:
        return full
    member = GroupMember.objects.filter(user=user).exclude(person_name="").values_list("person_name", flat=True)
    return member.first() or user.username


def votes_needed_text(needed: VotesNeeded | None) -> str:
    """ "需将6张不满意票转为满意，或新增54张满意票": what reaching the target rate takes, in plain words."""
    if needed is None:
        return ""
    text = _("Convert %(convert)s dissatisfied votes to satisfied") % {"convert": needed.convert}
    if needed.gain is not None:
        text += _(", or gain %(gain)s more satisfied votes") % {"gain": needed.gain}
    return text


def current_round(user, action: Action = Action.VIEW) -> Round | None:
    """The round the user works on now: an open one where a unit of theirs takes part, else the latest closed one."""
    taking_part = Participation.objects.filter(unit_q(user, action, "unit__")).values("round_id")
    rounds = Round.objects.filter(pk__in=taking_part).exclude(status=RoundStatus.DRAFT).select_related("previous")
    first = Case(When(status=RoundStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    return rounds.annotate(first=first).order_by("first", "-start", "-id").first()


# ---------------------------------------------------------------- leaders


@dataclass
class LeaderHome:
    round: Round
    unit: UnitInfo
    report: UnitReport  # the unit's own figures (its rank among peers is ``standing``'s)
    standing: PeerStanding | None
    has_peers: bool  # False: the unit is the top of the round (a city), no rank to show
    below_target: list[Row]  # the units one level below, under the target rate, worst first (cut to SHOWN)
    below_target_count: int
    overdue_concerns: int
    follow_ups_waiting: int

    @property
    def target_gap(self) -> str:
        return votes_needed_text(self.report.votes_needed)


def leader_home(user, round: Round, today: datetime.date) -> LeaderHome | None:
    """The first unit the user leads that has figures in ``round``; None when there is none."""
    units = (round_unit(round, u.id) for u in _units_at(roots_held(user, RoleKind.LEADER)))
    unit = next((u for u in units if u is not None), None)
    if unit is None:
        return None
    below, scope = _below_target(round, unit), peer_scope(round, unit)
    return LeaderHome(
        round=round,
        unit=unit,
        report=unit_report_of(round, unit, None),
        standing=peer_standing_for(user, round, unit, scope) if scope else None,
        has_peers=scope is not None,
        below_target=below[:SHOWN],
        below_target_count=len(below),
        overdue_concerns=Concern.objects.visible_to(user).under(unit).overdue(today).count(),
        follow_ups_waiting=FollowUp.objects.visible_to(user).under(unit).open().count(),
    )


def _units_at(paths: list[str]) -> list[Unit]:
    return list(Unit.objects.filter(path__in=paths, active=True).order_by("path")) if paths else []


def _below_target(round: Round, unit: UnitInfo) -> list[Row]:
    """Units of the first level below ``unit`` whose rate is under the round's target rate, worst first."""
    levels = round_outline(round).levels(unit)
    if round.target_rate is None or not levels:
        return []
    ranking = ranking_of(round, unit, levels[0], OVERALL)
    return [row for row in reversed(ranking.rows) if row.target_met is False]


# ---------------------------------------------------------------- staff


@dataclass(frozen=True, slots=True)
class ProgressLine:
    unit: Unit
    questionnaires: int
    today: int
    target: int  # the unit's sample target (0: none set)
    valid_votes: int
    minimum: int  # the round's minimum valid votes

    @property
    def reached(self) -> bool:
        return self.questionnaires >= self.target if self.target else self.valid_votes >= self.minimum


@dataclass
class StaffHome:
    round: Round | None
    lines: list[ProgressLine]  # units still short first (cut to SHOWN)
    units: int
    reached: int
    entered_today: int


def staff_home(user, today: datetime.date) -> StaffHome:
    round = current_round(user, Action.ENTER)
    if round is None or not round.is_open:
        return StaffHome(None, [], 0, 0, 0)
    rows = [row for row in round_progress(round, user) if row.participating]
    figures = figures_of(round, round_unit_infos(round, [row.unit.pk for row in rows]))
    lines = [
        ProgressLine(row.unit, row.total, row.today, row.target, _valid(figures, row.unit.pk), round.min_valid_votes)
        for row in rows
    ]
    lines.sort(key=lambda line: (line.reached, line.questionnaires, line.unit.path))
    reached = sum(line.reached for line in lines)
    entered = _entered_today(user, round, [line.unit.pk for line in lines], today)
    return StaffHome(round, lines[:SHOWN], len(lines), reached, entered)


def _entered_today(user, round: Round, unit_ids: list[int], today: datetime.date) -> int:
    """The user's questionnaires of today in the round, found through the (round, unit) index: ``created_by``
    has no index (each is paid for on every imported row), and a scan of all questionnaires cost 28 ms at 57,000."""
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    mine = Questionnaire.objects.filter(round=round, unit_id__in=unit_ids, created_by=user, created_at__gte=start)
    return mine.count()


def _valid(figures: RoundFigures, unit_id: int) -> int:
    return figures.counts(unit_id).valid if unit_id in figures else 0


# ---------------------------------------------------------------- administrators


@dataclass(frozen=True, slots=True)
class Step:
    """One line of the set-up checklist."""

    label: str
    done: bool
    detail: str
    url_name: str = ""
    url_arg: str = ""


@dataclass
class AdminHome:
    rounds: list[Round]  # with ``participants``: units taking part within the user's scope
    steps: list[Step]
    import_jobs: list[ImportJob]
    report_jobs: list[ReportJob]


def admin_home(user) -> AdminHome:
    rounds = _rounds_with_participants(user)
    return AdminHome(
        rounds=rounds,
        steps=_checklist(user, rounds),
        import_jobs=list(jobs_for(ImportJob.objects.select_related("round"), user)[:SHOWN]),
        report_jobs=list(ReportJob.objects.of_user(user).select_related("round", "scope")[:SHOWN]),
    )


def _rounds_with_participants(user) -> list[Round]:
    mine = filter_by_unit(Participation.objects.filter(round=OuterRef("pk")), user, Action.MANAGE)
    participants = Subquery(mine.values("round").annotate(n=Count("id")).values("n"), output_field=IntegerField())
    rounds = Round.objects.filter(pk__in=Round.objects.visible_to(user).values("pk"))
    return list(rounds.annotate(participants=participants).order_by("-start", "-id")[:SHOWN])


def _checklist(user, rounds: list[Round]) -> list[Step]:
    """Units, leadership groups, a round, online links: what a new administrator sets up, in that order."""
    top = next(iter(top_units(user, Action.MANAGE)), None)
    units = units_for(user, Action.MANAGE).count()
    groups = filter_by_unit(LeadershipGroup.objects.all(), user, Action.MANAGE).count()
    round = next((r for r in rounds if r.status == RoundStatus.OPEN), rounds[0] if rounds else None)
    steps = [
        Step(_("Units"), units > 1, _("%(n)s units in your scope") % {"n": units}, "units:list"),
        Step(_("Leadership groups"), groups > 0, _("%(n)s leadership groups") % {"n": groups},
             "units:groups" if top else "", top.code if top else ""),
        Step(_("Survey round"), round is not None and round.status != RoundStatus.DRAFT,
             round.name if round else _("No round yet"), "surveys:round_list"),
    ]  # fmt: skip
    if round is not None:
        links = filter_by_unit(SurveyLink.objects.active().filter(round=round), user, Action.MANAGE).count()
        wanted = round.participants or 0
        detail = _("%(links)s of %(units)s units have an online link") % {"links": links, "units": wanted}
        steps.append(Step(_("Online links"), wanted > 0 and links >= wanted, detail, "respond:links", round.code))
    return steps


# ---------------------------------------------------------------- the page


@dataclass
class Home:
    name: str
    kinds: set[str]
    top_units: list[Unit]
    leader: LeaderHome | None = None
    leader_round: Round | None = None
    staff: StaffHome | None = None
    admin: AdminHome | None = None


def home_for(user, today: datetime.date) -> Home:
    """Each part of the home page the user's roles call for."""
    kinds = role_kinds(user)
    home = Home(name=person_name(user), kinds=kinds, top_units=top_units(user))
    if RoleKind.LEADER in kinds:
        home.leader_round = current_round(user)
        home.leader = leader_home(user, home.leader_round, today) if home.leader_round else None
    if RoleKind.STAFF in kinds:
        home.staff = staff_home(user, today)
    if RoleKind.ADMIN in kinds:
        home.admin = admin_home(user)
    return home
