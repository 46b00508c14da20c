"""The leaders' summary of a ledger: counted by the database in a fixed number of queries, whatever the tree."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet

from ledger.models import FINAL_STATUSES, CategoryOfConcern, Concern, ConcernStatus
from surveys.engine import percent_of
from surveys.models import Indicator
from units.models import Unit
from units.paths import child_below

OVERDUE_LIST_LIMIT = 100


def _figures(today: datetime.date) -> dict:
    is_open = ~Q(status__in=FINAL_STATUSES)
    closed = Q(status=ConcernStatus.CLOSED)
    return {
        "total": Count("id"),
        "open": Count("id", filter=is_open),
        "overdue": Count("id", filter=is_open & Q(deadline__lt=today)),
        "closed": Count("id", filter=closed),
        "on_time": Count("id", filter=closed & Q(closed_on__lte=F("deadline"))),
    }


@dataclass
class Figures:
    """Counts of concerns (withdrawn ones left out) for a unit, a category or an indicator."""

    label: object = ""
    unit: Unit | None = None
    total: int = 0
    open: int = 0
    overdue: int = 0
    closed: int = 0
    on_time: int = 0

    def add(self, row: dict) -> None:
        for name in ("total", "open", "overdue", "closed", "on_time"):
            setattr(self, name, getattr(self, name) + row[name])

    @property
    def on_time_percent(self) -> Decimal | None:
        """Share of closed concerns that were closed by their deadline; None when none is closed."""
        return percent_of(self.on_time, self.closed, places=1)


@dataclass
class LedgerSummary:
    totals: Figures
    by_status: list[tuple[str, object, int]]
    by_category: list[Figures]
    by_indicator: list[Figures]
    by_unit: list[Figures]
    overdue: list[Concern] = field(default_factory=list)


def _counted(concerns: QuerySet) -> QuerySet:
    return concerns.exclude(status=ConcernStatus.WITHDRAWN)


def figures_by(concerns: QuerySet, key: str, today: datetime.date) -> dict[object, dict]:
    """Figures per value of ``key`` (e.g. ``"indicator_id"``): one query."""
    rows = _counted(concerns).order_by().values(key).annotate(**_figures(today))
    return {row[key]: row for row in rows}


def by_status(concerns: QuerySet) -> list[tuple[str, object, int]]:
    counts = dict(concerns.order_by().values_list("status").annotate(n=Count("id")))
    return [(value, label, counts.get(value, 0)) for value, label in ConcernStatus.choices]


def by_category(concerns: QuerySet, today: datetime.date) -> list[Figures]:
    rows = figures_by(concerns, "category_id", today)
    result = []
    for category in CategoryOfConcern.objects.filter(pk__in=rows.keys()):
        figures = Figures(label=category)
        figures.add(rows[category.pk])
        result.append(figures)
    return result


def by_indicator(concerns: QuerySet, today: datetime.date) -> list[Figures]:
    """Per indicator, so that a leader sees whether the weakest indicator is being worked on."""
    rows = figures_by(concerns, "indicator_id", today)
    result = []
    for indicator in Indicator.objects.filter(pk__in=[k for k in rows if k is not None]):
        figures = Figures(label=indicator)
        figures.add(rows[indicator.pk])
        result.append(figures)
    if None in rows:
        figures = Figures(label=None)
        figures.add(rows[None])
        result.append(figures)
    return result


def by_unit(unit: Unit, concerns: QuerySet, today: datetime.date) -> list[Figures]:
    """The unit's own concerns, then each unit directly below it with everything under it pooled."""
    own = Figures(unit=unit)
    children = {child.pk: Figures(unit=child) for child in unit.children.order_by("order", "code")}
    for path, row in figures_by(concerns, "unit__path", today).items():
        child = child_below(path, unit.path)
        target = own if child is None else children.get(child)
        if target is not None:
            target.add(row)
    return [own, *(f for f in children.values() if f.total)]


def ledger_summary(unit: Unit, today: datetime.date) -> LedgerSummary:
    concerns = Concern.objects.under(unit)
    totals = Figures(unit=unit)
    totals.add(_counted(concerns).aggregate(**_figures(today)))
    return LedgerSummary(
        totals=totals,
        by_status=by_status(concerns),
        by_category=by_category(concerns, today),
        by_indicator=by_indicator(concerns, today),
        by_unit=by_unit(unit, concerns, today),
        overdue=list(concerns.overdue(today).for_listing().order_by("deadline", "id")[:OVERDUE_LIST_LIMIT]),
    )
