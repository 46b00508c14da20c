"""What an assessment rests on, read from the database for all peers at once (a fixed number of queries).

Rates and ranks come from the ranking (``reports.ranking.ranking_for``), the
same figures the ranking page shows; concerns from the ledger, follow-ups and
visits from outreach. Rows of the subtree are given to the peer above them.
"""

import datetime

from django.db.models import Exists, OuterRef, Q

from assessment.components import Component, UnitFacts
from ledger.models import Concern, ConcernStatus
from outreach.coverage import visit_coverage
from outreach.models import FollowUp, FollowUpCall
from reports.ranking import Ranking
from units.models import Unit
from units.paths import ids_of, subtree_q


def facts_for(ranking: Ranking, components: list[Component]) -> dict[int, UnitFacts]:
    """The facts of every peer of the ranking, by unit id; only what the components need is read."""
    round = ranking.round
    facts = {
        row.unit.id: UnitFacts(
            rate=row.overall.rate, percent=row.overall.percent, rank=row.overall.rank, target=round.target_rate
        )
        for row in ranking.rows
    }
    kinds = {c.kind for c in components}
    peer_of = _peer_finder(set(facts))
    scope_path = ranking.scope.path
    if "overdue" in kinds:
        for pk, path in overdue_at_close(scope_path, round.end):
            if (peer := peer_of(path)) is not None:
                facts[peer].overdue.append(pk)
    if "callback" in kinds:
        _follow_ups(facts, peer_of, scope_path, round)
    if "closure" in kinds:
        _closure(facts, peer_of, scope_path, round.start, round.end)
    if "visits" in kinds:
        _visits(facts, peer_of, scope_path, round.end)
    for component in components:
        if component.spec.gather is not None:
            gathered = component.spec.gather([row.unit for row in ranking.rows], round, ranking.scope)
            for pk, fact in gathered.items():
                if pk in facts:
                    facts[pk].extra[component.kind] = fact
    return facts


def _peer_finder(peer_ids: set[int]):
    """The peer at or above a path (peers do not nest: the nearest one wins), None outside every peer."""

    def peer_of(path: str) -> int | None:
        return next((pk for pk in reversed(ids_of(path)) if pk in peer_ids), None)

    return peer_of


def overdue_at_close(scope_path: str, close: datetime.date) -> list[tuple[int, str]]:
    """(id, unit path) of the subtree's concerns overdue on the round's last day.

    Received by then, due before it, and not closed by it (closed later counts:
    it was overdue at the close). A withdrawn concern was never the unit's
    concern (entered twice, not theirs) and does not count.
    """
    concerns = Concern.objects.filter(
        subtree_q(scope_path, "unit__path"), received_on__lte=close, deadline__lt=close
    ).exclude(status=ConcernStatus.WITHDRAWN)
    open_at_close = Q(closed_on__isnull=True) | Q(closed_on__gt=close)
    return list(concerns.filter(open_at_close).order_by("id").values_list("id", "unit__path"))


def _follow_ups(facts: dict[int, UnitFacts], peer_of, scope_path: str, round) -> None:
    called = Exists(FollowUpCall.objects.filter(follow_up=OuterRef("pk")))
    rows = (
        FollowUp.objects.filter(subtree_q(scope_path, "unit__path"), round=round)
        .annotate(called=called)
        .order_by("id")
        .values_list("id", "unit__path", "called")
    )
    for pk, path, was_called in rows:
        if (peer := peer_of(path)) is None:
            continue
        facts[peer].follow_ups += 1
        if was_called:
            facts[peer].called += 1
        else:
            facts[peer].uncalled.append(pk)


def _closure(facts: dict[int, UnitFacts], peer_of, scope_path: str, first: datetime.date, last: datetime.date) -> None:
    """Concerns due within the round's period, and whether each was closed by its deadline."""
    rows = (
        Concern.objects.filter(subtree_q(scope_path, "unit__path"), deadline__gte=first, deadline__lte=last)
        .exclude(status=ConcernStatus.WITHDRAWN)
        .order_by("id")
        .values_list("id", "unit__path", "status", "closed_on", "deadline")
    )
    for pk, path, status, closed_on, deadline in rows:
        if (peer := peer_of(path)) is None:
            continue
        facts[peer].concerns_due += 1
        if status == ConcernStatus.CLOSED and closed_on is not None and closed_on <= deadline:
            facts[peer].on_time += 1
        else:
            facts[peer].late.append(pk)


def _visits(facts: dict[int, UnitFacts], peer_of, scope_path: str, day: datetime.date) -> None:
    """Households visited in the period around the round's last day, against each person's quota."""
    scope = Unit.objects.get(path=scope_path)
    for person in visit_coverage(scope, day).people:
        if (peer := peer_of(person.unit.path)) is not None:
            facts[peer].visits_quota += person.quota
            facts[peer].visits_done += min(person.visited, person.quota) if person.quota else 0
