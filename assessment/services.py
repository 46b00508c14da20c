"""Assess a round's peers under a scheme; define schemes (each change a new version); publish results as rows."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from assessment import scoring
from assessment.components import DEDUCTION, OTHER, RANK, RATE, Component, Part, components_parse
from assessment.components import default_components as _default_components
from assessment.facts import facts_for
from assessment.models import Result, ResultRow, Scheme, SchemeVersion
from reports.ranking import Ranking, ranking_for
from surveys.models import Round
from units.models import Unit


@dataclass
class AssessedRow:
    unit_id: int
    code: str
    name: str
    rank: int | None
    rate: Decimal | None  # percent, two decimals
    valid: int
    rate_points: Decimal
    rank_points: Decimal | None
    deductions: Decimal
    other_points: Decimal
    total: Decimal
    below_target: bool
    parts: list[Part] = field(default_factory=list)

    @property
    def no_data(self) -> bool:
        return self.rank is None

    @property
    def no_awards(self) -> str:
        return scoring.NO_AWARDS if self.below_target else ""

    def as_dict(self) -> dict:
        """The columns of the ``assessment`` command (numbers as printed, two decimals)."""
        return {
            "code": self.code,
            "name": self.name,
            "rank": self.rank,
            "rate": None if self.rate is None else f"{self.rate:.2f}",
            "rate_points": str(self.rate_points),
            "rank_points": None if self.rank_points is None else str(self.rank_points),
            "deductions": str(self.deductions),
            "total": str(self.total),
            "below_target": self.below_target,
        }


@dataclass
class Assessment:
    round: Round
    scope_code: str
    level: str
    scheme: Scheme | None
    version: SchemeVersion | None  # None: the default scheme, not saved
    components: list[Component]
    rows: list[AssessedRow]
    ranking: Ranking | None = None  # None for a published result (its figures are in the rows)
    published: Result | None = None

    @property
    def has_other(self) -> bool:
        return any(c.spec.column == OTHER for c in self.components)


def default_components() -> list[Component]:
    return _default_components()


def scheme_for(round: Round, scope: Unit, level: str) -> Scheme | None:
    """The scheme attached to the round for these peers (the newest, should there be several)."""
    return Scheme.objects.filter(rounds=round, scope=scope, level=level).order_by("-id").first()


def assessment_compute(*, round: Round, scope_code: str, level: str, scheme: Scheme | None = None) -> Assessment:
    """Assess the peers now, under the scheme's current version (the default scheme when there is none).

    A ValueError (unknown scope or level) comes from the ranking and names the parameter.
    """
    ranking = ranking_for(round, scope_code, level)
    version = scheme.current if scheme else None
    components = components_parse(version.components) if version else default_components()
    facts = facts_for(ranking, components)
    rows = [_assessed(row, components, facts[row.unit.id]) for row in ranking.rows]
    rows.sort(key=lambda r: (r.rank is None, -r.total, r.rank or 0, r.code))
    return Assessment(round, scope_code, level, scheme, version, components, rows, ranking)


def _assessed(row, components: list[Component], facts) -> AssessedRow:
    parts = [c.spec.score(facts, c.params) for c in components]
    by_column = {column: [p.points for p in parts if p.column == column] for column in (RATE, RANK, DEDUCTION, OTHER)}
    rank_parts = [p for p in by_column[RANK] if p is not None]
    return AssessedRow(
        unit_id=row.unit.id,
        code=row.unit.code,
        name=row.unit.name,
        rank=row.overall.rank,
        rate=row.overall.percent,
        valid=row.overall.valid,
        rate_points=scoring.total(by_column[RATE]),
        rank_points=scoring.total(rank_parts) if rank_parts else None,
        deductions=scoring.total(by_column[DEDUCTION]),
        other_points=scoring.total(by_column[OTHER]),
        total=scoring.total(p.points for p in parts),
        below_target=scoring.below_target(facts.rate, facts.target),
        parts=parts,
    )


# ---------------------------------------------------------------- schemes


@transaction.atomic
def scheme_create(*, name: str, scope: Unit, level: str, rounds: list[Round], components: list[dict], by) -> Scheme:
    scheme = Scheme.objects.create(name=name, scope=scope, level=level)
    scheme.rounds.set(rounds)
    scheme_components_set(scheme=scheme, components=components, by=by)
    return scheme


@transaction.atomic
def scheme_components_set(*, scheme: Scheme, components: list[dict], by) -> SchemeVersion:
    """Record the components as a new version, unless they equal the current one (then it is returned)."""
    data = [c.as_json() for c in components_parse(components)]
    Scheme.objects.select_for_update().get(pk=scheme.pk)  # two administrators saving at once: versions 2 and 3
    current = scheme.current
    if current is not None and current.components == data:
        return current
    number = current.number + 1 if current else 1
    return SchemeVersion.objects.create(scheme=scheme, number=number, components=data, created_by=by)


@transaction.atomic
def scheme_update(*, scheme: Scheme, data: dict, by) -> SchemeVersion:
    """Rename, move or re-attach a scheme, and record its components (a new version if they changed).

    Published results keep their own rows and version: none of this touches them.
    """
    scheme.name, scheme.scope, scheme.level = data["name"], data["scope"], data["level"]
    scheme.save(update_fields=["name", "scope", "level"])
    scheme.rounds.set(data["rounds"])
    return scheme_components_set(scheme=scheme, components=data["components"], by=by)


@transaction.atomic
def result_publish(*, scheme: Scheme, round: Round, by) -> Result:
    """Compute and keep the rows: a later change of the scheme, the ledger or the votes leaves them as they are."""
    if not scheme.rounds.filter(pk=round.pk).exists():
        raise ValueError(_("The scheme is not attached to round %(round)s.") % {"round": round.code})
    assessment = assessment_compute(round=round, scope_code=scheme.scope.code, level=scheme.level, scheme=scheme)
    result = Result.objects.create(version=assessment.version, round=round, published_by=by)
    ResultRow.objects.bulk_create(
        ResultRow(
            result=result,
            unit_id=row.unit_id,
            position=n,
            code=row.code,
            name=row.name,
            rank=row.rank,
            rate=row.rate,
            valid=row.valid,
            rate_points=row.rate_points,
            rank_points=row.rank_points,
            deductions=row.deductions,
            other_points=row.other_points,
            total=row.total,
            below_target=row.below_target,
            parts=[p.as_json() for p in row.parts],
        )
        for n, row in enumerate(assessment.rows)
    )
    return result


def latest_result(scheme: Scheme, round: Round) -> Result | None:
    return Result.objects.filter(version__scheme=scheme, round=round).select_related("version").first()


def published_assessment(result: Result) -> Assessment:
    """A published result as it was: its rows and the components of its version."""
    version = result.version
    rows = [
        AssessedRow(
            unit_id=r.unit_id,
            code=r.code,
            name=r.name,
            rank=r.rank,
            rate=r.rate,
            valid=r.valid,
            rate_points=r.rate_points,
            rank_points=r.rank_points,
            deductions=r.deductions,
            other_points=r.other_points,
            total=r.total,
            below_target=r.below_target,
            parts=[_part(p) for p in r.parts],
        )
        for r in result.rows.all()
    ]
    scheme = version.scheme
    components = components_parse(version.components)
    return Assessment(
        result.round, scheme.scope.code, scheme.level, scheme, version, components, rows, published=result
    )


def _part(data: dict) -> Part:
    points = None if data["points"] is None else Decimal(data["points"])
    return Part(data["kind"], data["column"], points, data["reason"], data["concerns"], data["follow_ups"])
