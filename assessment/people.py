"""The effort of each staff member of a unit (教干教师综合考核): visits against quota, follow-ups called,
concerns handled on time. Counted by the database in a fixed number of queries."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce

from ledger.models import Concern, ConcernStatus
from outreach.coverage import visit_coverage
from outreach.models import FollowUpCall
from surveys.engine import percent_of
from units.accounts import person_name
from units.models import Role, Unit
from units.paths import subtree_q


@dataclass
class PersonEffort:
    user: object
    units: list[str]  # names of the units where the person keeps households or holds a role
    is_cadre: bool = False
    quota: int = 0
    households: int = 0
    visited: int = 0
    calls: int = 0
    follow_ups_called: int = 0
    concerns_due: int = 0
    on_time: int = 0
    overdue: int = 0  # still open past the deadline on the last day of the period

    @property
    def name(self) -> str:
        return person_name(self.user)

    @property
    def visited_percent(self) -> Decimal | None:
        return percent_of(self.visited, self.quota, places=1)

    @property
    def on_time_percent(self) -> Decimal | None:
        return percent_of(self.on_time, self.concerns_due, places=1)


def people_effort(unit: Unit, first: datetime.date, last: datetime.date) -> list[PersonEffort]:
    """Everyone with a role in the unit's subtree, households of it, calls or concerns in it, by name.

    Visits are those of the visit period (term, month or week, as the unit's
    rule says) that contains ``last``, against the person's quota; calls and
    concerns those of ``first`` to ``last`` (concerns by their deadline).
    """
    people: dict[int, PersonEffort] = {}
    units: dict[int, set[str]] = {}

    def person(user_id: int) -> PersonEffort:
        return people.setdefault(user_id, PersonEffort(user=user_id, units=[]))

    for user_id, unit_name in Role.objects.filter(subtree_q(unit.path, "unit__path")).values_list(
        "user_id", "unit__name"
    ):
        person(user_id)
        units.setdefault(user_id, set()).add(unit_name)
    for c in visit_coverage(unit, last).people:
        if c.user is None:
            continue
        p = person(c.user.pk)
        units.setdefault(c.user.pk, set()).add(c.unit.name)
        p.is_cadre = p.is_cadre or c.is_cadre
        p.quota += c.quota
        p.households += c.assigned
        p.visited += c.visited
    _calls(people, person, unit, first, last)
    _concerns(people, person, unit, first, last)
    users = get_user_model().objects.in_bulk(list(people))
    result = []
    for user_id, p in people.items():
        if user_id not in users or not users[user_id].is_active:
            continue
        p.user = users[user_id]
        p.units = sorted(units.get(user_id, ()))
        result.append(p)
    return sorted(result, key=lambda p: (not p.is_cadre, p.name))


def _calls(people, person, unit: Unit, first: datetime.date, last: datetime.date) -> None:
    calls = FollowUpCall.objects.filter(
        subtree_q(unit.path, "follow_up__unit__path"), date__gte=first, date__lte=last
    ).order_by()
    for row in calls.values("by_id").annotate(n=Count("id"), follow_ups=Count("follow_up", distinct=True)):
        p = person(row["by_id"])
        p.calls, p.follow_ups_called = row["n"], row["follow_ups"]


def _concerns(people, person, unit: Unit, first: datetime.date, last: datetime.date) -> None:
    concerns = (
        Concern.objects.filter(subtree_q(unit.path, "unit__path"), deadline__gte=first, deadline__lte=last)
        .exclude(status=ConcernStatus.WITHDRAWN)
        .annotate(person=Coalesce("responsible_user_id", "responsible_member__user_id"))
        .filter(person__isnull=False)
        .order_by()
    )
    closed = Q(status=ConcernStatus.CLOSED, closed_on__isnull=False)
    rows = concerns.values("person").annotate(
        due=Count("id"),
        on_time=Count("id", filter=closed & Q(closed_on__lte=F("deadline"))),
        overdue=Count("id", filter=~closed & Q(deadline__lt=last)),
    )
    for row in rows:
        p = person(row["person"])
        p.concerns_due, p.on_time, p.overdue = row["due"], row["on_time"], row["overdue"]
