"""Who visited whom: coverage of households against quotas and of follow-ups, per person and per unit.

Counted by the database in a fixed number of queries whatever the size of the
subtree; the period of each household (week, month, term) is chosen inside the
query from the visit rules, so that rules set on any unit apply to its subtree.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, DateField, Exists, F, OuterRef, Q, Value, When

from outreach.models import FollowUp, FollowUpCall, FollowUpStatus, Household, HouseholdKind, Period, Visit, VisitRule
from outreach.periods import period_start, previous_start
from surveys.engine import percent_of
from units.models import GroupMember, Unit, UnitKind
from units.paths import child_below, ids_of, lineage_q, subtree_q

TOWN_KINDS = (UnitKind.TOWN, UnitKind.VILLAGE)
KEY = Q(kind=HouseholdKind.KEY_HOUSEHOLD)


@dataclass(frozen=True)
class RuleValues:
    cadre_quota: int = 20
    staff_quota: int = 10
    period: str = Period.TERM
    key_period: str = Period.TERM

    @property
    def period_label(self) -> str:
        return Period(self.period).label

    @property
    def key_period_label(self) -> str:
        return Period(self.key_period).label


SCHOOL_DEFAULT = RuleValues()  # seed 1: 20 per cadre, 10 per staff member, once a term
TOWN_DEFAULT = RuleValues(period=Period.MONTH, key_period=Period.WEEK)  # seed 4: every household monthly


def default_rule(kind: str) -> RuleValues:
    return TOWN_DEFAULT if kind in TOWN_KINDS else SCHOOL_DEFAULT


def _values(rule: VisitRule) -> RuleValues:
    return RuleValues(rule.cadre_quota, rule.staff_quota, rule.period, rule.key_period)


def rules_around(unit: Unit) -> dict[int, VisitRule]:
    """The visit rules set on the unit, above it or below it, by unit id: one query."""
    rules = VisitRule.objects.filter(lineage_q(unit.path))
    return {rule.unit_id: rule for rule in rules.select_related("unit")}


def rule_for(unit: Unit, rules: dict[int, VisitRule]) -> RuleValues:
    """The nearest rule at or above the unit, else the default for its kind."""
    for pk in reversed(ids_of(unit.path)):
        if pk in rules:
            return _values(rules[pk])
    return default_rule(unit.kind)


def _start_case(rules: dict[int, VisitRule], today: datetime.date, start) -> Case:
    """Per household, the start of its period: the deepest rule above it wins, then the defaults by kind."""
    whens = []
    for rule in sorted(rules.values(), key=lambda r: -r.unit.depth):
        under = subtree_q(rule.unit.path, "unit__path")
        whens += [
            When(under & KEY, then=Value(start(today, rule.key_period))),
            When(under, then=Value(start(today, rule.period))),
        ]
    town = Q(unit__kind__in=TOWN_KINDS)
    whens += [
        When(town & KEY, then=Value(start(today, TOWN_DEFAULT.key_period))),
        When(town, then=Value(start(today, TOWN_DEFAULT.period))),
        When(KEY, then=Value(start(today, SCHOOL_DEFAULT.key_period))),
    ]
    return Case(*whens, default=Value(start(today, SCHOOL_DEFAULT.period)), output_field=DateField())


@dataclass
class Coverage:
    """Households of a person (or of a unit, pooled) against the quota."""

    unit: Unit | None = None
    user: object = None
    is_cadre: bool = False
    quota: int = 0
    assigned: int = 0
    visited: int = 0
    overdue: int = 0
    required: int = 0  # households to visit this period: each person's quota, or more if more are assigned

    def __post_init__(self) -> None:
        # One person's own row; a unit's or the totals' start at 0 and sum their people's (add).
        self.required = max(self.quota, self.assigned)

    def add(self, other: "Coverage") -> None:
        self.quota += other.quota
        self.assigned += other.assigned
        self.visited += other.visited
        self.overdue += other.overdue
        self.required += other.required

    @property
    def shortfall(self) -> int:
        return max(0, self.quota - self.assigned)

    @property
    def visited_percent(self) -> Decimal | None:
        """Visited ÷ required: households a person should have but was never given count as not visited
        (÷ assigned, a town with 44 of 70 households visited showed 91.7 %)."""
        return percent_of(self.visited, self.required, places=1)


@dataclass
class CoverageReport:
    people: list[Coverage] = field(default_factory=list)
    units: list[Coverage] = field(default_factory=list)  # the unit itself, then each unit directly below, pooled
    totals: Coverage = field(default_factory=Coverage)


def household_counts(unit: Unit, rules: dict[int, VisitRule], today: datetime.date) -> list[dict]:
    """Per unit and assigned person: households, visited this period, overdue (missed the whole last period)."""
    visits = Visit.objects.filter(household=OuterRef("pk"))
    households = (
        Household.objects.under(unit)
        .filter(active=True)
        .alias(current=_start_case(rules, today, period_start), previous=_start_case(rules, today, previous_start))
        .alias(
            visited=Exists(visits.filter(date__gte=OuterRef("current"))),
            recent=Exists(visits.filter(date__gte=OuterRef("previous"))),
        )
    )
    return list(
        households.order_by()
        .values("unit_id", "assigned_to_id")
        .annotate(
            assigned=Count("id"),
            visited_n=Count("id", filter=Q(visited=True)),
            overdue_n=Count("id", filter=Q(recent=False, created_on__lt=F("current"))),
        )
    )


def visit_coverage(unit: Unit, today: datetime.date) -> CoverageReport:
    """Coverage per person and per unit down the tree: six queries."""
    rules = rules_around(unit)
    counts = {(row["unit_id"], row["assigned_to_id"]): row for row in household_counts(unit, rules, today)}
    cadres = set(
        GroupMember.objects.filter(subtree_q(unit.path, "group__unit__path"), user__isnull=False).values_list(
            "group__unit_id", "user_id"
        )
    )
    keys = set(counts) | cadres
    units = Unit.objects.in_bulk({unit_id for unit_id, _ in keys})
    users = get_user_model().objects.in_bulk({user_id for _, user_id in keys if user_id})
    report = CoverageReport(totals=Coverage(unit=unit))
    for unit_id, user_id in keys:
        row = counts.get((unit_id, user_id), {})
        person_unit = units[unit_id]
        rule = rule_for(person_unit, rules)
        is_cadre = (unit_id, user_id) in cadres
        quota = 0 if user_id is None else (rule.cadre_quota if is_cadre else rule.staff_quota)
        report.people.append(
            Coverage(
                unit=person_unit,
                user=users.get(user_id),
                is_cadre=is_cadre,
                quota=quota,
                assigned=row.get("assigned", 0),
                visited=row.get("visited_n", 0),
                overdue=row.get("overdue_n", 0),
            )
        )
    report.people.sort(key=lambda c: (c.unit.path, c.user is None, c.user.get_username() if c.user else ""))
    report.units = _rolled_up(unit, report.people)
    for person in report.people:
        report.totals.add(person)
    return report


def _rolled_up(unit: Unit, people: list[Coverage]) -> list[Coverage]:
    own = Coverage(unit=unit)
    children = {child.pk: Coverage(unit=child) for child in unit.children.order_by("order", "code")}
    for person in people:
        child = child_below(person.unit.path, unit.path)
        target = own if child is None else children.get(child)
        if target is not None:
            target.add(person)
    return [own, *(c for c in children.values() if c.quota or c.assigned)]


# ---------------------------------------------------------------- follow-ups


@dataclass
class FollowUpFigures:
    unit: Unit
    total: int = 0
    open: int = 0
    contacted: int = 0
    contacted_this_week: int = 0
    solved: int = 0
    declined: int = 0

    def add(self, row: dict) -> None:
        for name in ("total", "open", "contacted", "contacted_this_week", "solved", "declined"):
            setattr(self, name, getattr(self, name) + row[name])

    @property
    def followed_up_percent(self) -> Decimal | None:
        """Share of follow-ups with at least one call recorded."""
        return percent_of(self.contacted, self.total, places=1)


def follow_up_coverage(unit: Unit, today: datetime.date) -> list[FollowUpFigures]:
    """The unit's own follow-ups, then each unit directly below it pooled: two queries."""
    calls = FollowUpCall.objects.filter(follow_up=OuterRef("pk"))
    week = period_start(today, Period.WEEK)
    rows = (
        FollowUp.objects.under(unit)
        .alias(ever=Exists(calls), this_week=Exists(calls.filter(date__gte=week)))
        .order_by()
        .values("unit__path")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=Q(status=FollowUpStatus.OPEN)),
            contacted=Count("id", filter=Q(ever=True)),
            contacted_this_week=Count("id", filter=Q(this_week=True)),
            solved=Count("id", filter=Q(status=FollowUpStatus.SOLVED)),
            declined=Count("id", filter=Q(status=FollowUpStatus.DECLINED)),
        )
    )
    own = FollowUpFigures(unit=unit)
    children = {child.pk: FollowUpFigures(unit=child) for child in unit.children.order_by("order", "code")}
    for row in rows:
        child = child_below(row["unit__path"], unit.path)
        target = own if child is None else children.get(child)
        if target is not None:
            target.add(row)
    return [own, *(f for f in children.values() if f.total)]


def follow_up_totals(rows: list[FollowUpFigures]) -> FollowUpFigures:
    """The rows of ``follow_up_coverage`` added up (the first row is the unit itself)."""
    total = FollowUpFigures(unit=rows[0].unit)
    for row in rows:
        total.add(vars(row))
    return total
