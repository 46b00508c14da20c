"""The sample plan of a round: each unit's population, expected rate and sample size, and quotas.

The expected rate is the unit's overall rate in the previous round, else 0.9 (``maths.DEFAULT_EXPECTED``).
"""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db import transaction
from django.db.models import Count

from config.routers import read_connection
from respond.models import UnitTarget
from sampling import maths
from sampling.models import SamplePlan, UnitPopulation
from surveys.engine import percent
from surveys.figures import figures_of
from surveys.models import Participation, Questionnaire, Round
from surveys.outline import round_unit_infos
from units.models import Unit


@dataclass(frozen=True)
class UnitPlan:
    unit: Unit
    population: int | None
    expected: Fraction
    from_previous: bool  # the expected rate is the unit's rate in the previous round
    n: int
    quotas: dict[str, int]  # respondent type -> questionnaires; empty without quotas

    @property
    def expected_percent(self) -> Decimal:
        return percent(self.expected)


@dataclass(frozen=True)
class Achieved:
    """The questionnaires a unit has, against its plan, and the margin of error they give."""

    count: int
    margin: Decimal | None  # percentage points, at the plan's confidence and the unit's expected rate
    below_plan: bool


def achieved(round: Round, rows: list[UnitPlan], plan: SamplePlan) -> dict[int, Achieved]:
    """Each planned unit's questionnaires (one GROUP BY) and the margin of error of its rate at ``plan``'s
    confidence (``maths.margin_beside``: the rule of every page)."""
    ids = [r.unit.pk for r in rows]
    counts = questionnaire_counts(round, ids)
    figures = figures_of(round, round_unit_infos(round, ids))
    result = {}
    for row in rows:
        count = counts.get(row.unit.pk, 0)
        rate = figures.rate(row.unit.pk) if row.unit.pk in figures else None
        margin = maths.margin_beside(achieved=count, rate=rate, expected=row.expected, confidence=plan.confidence,
                                     population=row.population)  # fmt: skip
        result[row.unit.pk] = Achieved(count, margin, count < row.n)
    return result


def questionnaire_counts(round: Round, unit_ids: list[int]) -> dict[int, int]:
    """Questionnaires per unit (the sample achieved), for these units only: one GROUP BY on (round, unit)."""
    found = Questionnaire.objects.filter(round=round, unit_id__in=unit_ids).values("unit_id").annotate(n=Count("id"))
    return dict(found.values_list("unit_id", "n"))


def plan_of(round: Round) -> SamplePlan:
    """The round's plan, or the defaults (unsaved) when none was set."""
    return SamplePlan.objects.filter(round=round).first() or SamplePlan(round=round)


def previous_rates(round: Round, unit_ids: list[int]) -> dict[int, Fraction]:
    """The overall rate of each unit in the previous round, for units that had one."""
    if round.previous_id is None:
        return {}
    # Only these units' figures, read by key: the plan of a few schools does not read the whole previous round.
    figures = figures_of(round.previous, round_unit_infos(round.previous, unit_ids))
    rates = {unit_id: figures.rate(unit_id) for unit_id in unit_ids if unit_id in figures}
    return {unit_id: rate for unit_id, rate in rates.items() if rate is not None}


def plan_rows(round: Round, *, margin: Decimal | None = None, confidence: int | None = None,
              units: list[Unit] | None = None) -> list[UnitPlan]:  # fmt: skip
    """The plan of every participating unit (or of ``units``), in tree order, with the plan's margin and confidence
    unless others are given."""
    plan = plan_of(round)
    margin = Fraction(plan.margin if margin is None else margin) / 100
    confidence = plan.confidence if confidence is None else confidence
    if units is None:
        units = list(Unit.objects.filter(participations__round=round).order_by("path"))
    planned = units_planned(round, [u.pk for u in units], margin=margin, confidence=confidence)
    rows = []
    for unit in units:
        population, expected, from_previous, n = planned[unit.pk]
        rows.append(UnitPlan(unit, population, expected, from_previous, n, _quota_parts(n, plan.quotas)))
    return rows


def units_planned(round: Round, unit_ids: list[int], *, margin: Fraction,
                  confidence: int) -> dict[int, tuple[int | None, Fraction, bool, int]]:  # fmt: skip
    """unit id -> (population, expected rate, whether from the previous round, n): these units' rows only."""
    populations = _populations(round, unit_ids)
    previous = previous_rates(round, unit_ids)
    planned, sizes = {}, {}  # sizes: (expected rate, population) -> n, computed once each
    for unit_id in unit_ids:
        expected = previous.get(unit_id, maths.DEFAULT_EXPECTED)
        population = populations.get(unit_id)
        key = (expected.numerator, expected.denominator, population)
        if key not in sizes:
            sizes[key] = maths.sample_size(expected=expected, margin=margin, confidence=confidence,
                                           population=population)  # fmt: skip
        planned[unit_id] = (population, expected, unit_id in previous, sizes[key])
    return planned


def _populations(round: Round, unit_ids: list[int]) -> dict[int, int]:
    """The known populations of these units. On PostgreSQL the ids travel as one array: as 100,000
    literals of an ``IN`` (the participants below a province) they took a second to build and send."""
    if read_connection().vendor != "postgresql":
        found = UnitPopulation.objects.filter(round=round, unit_id__in=unit_ids).values_list("unit_id", "population")
        return dict(found)
    with read_connection().cursor() as cursor:
        cursor.execute(
            f"SELECT unit_id, population FROM {UnitPopulation._meta.db_table} WHERE round_id = %s AND unit_id = ANY(%s)",
            [round.pk, list(unit_ids)],
        )
        return dict(cursor.fetchall())


def _quota_parts(n: int, shares: dict[str, int]) -> dict[str, int]:
    """n split by the quotas; shares adding to less than 100 leave the rest ("") to any other type."""
    if not shares:
        return {}
    rest = 100 - sum(shares.values())
    return maths.quota_counts(n, shares | ({"": rest} if rest > 0 else {}))


@transaction.atomic
def plan_save(*, plan: SamplePlan) -> SamplePlan:
    plan.save()
    return plan


@transaction.atomic
def populations_set(*, round: Round, populations: dict[int, int | None]) -> int:
    """Set (or, with None, clear) units' populations; unit id -> population. All or nothing."""
    cleared = [unit_id for unit_id, value in populations.items() if value is None]
    UnitPopulation.objects.filter(round=round, unit_id__in=cleared).delete()
    UnitPopulation.objects.bulk_create(
        [UnitPopulation(round=round, unit_id=u, population=p) for u, p in populations.items() if p is not None],
        update_conflicts=True, unique_fields=["round", "unit"], update_fields=["population"],
    )  # fmt: skip
    return len(populations)


@transaction.atomic
def plan_apply_as_targets(*, round: Round, units: list[Unit]) -> int:
    """Make each unit's planned n its sample target of the online questionnaire (respond's ``UnitTarget``)."""
    targets = {row.unit.pk: row.n for row in plan_rows(round, units=units)}
    UnitTarget.objects.bulk_create(
        [UnitTarget(round=round, unit_id=unit_id, sample_target=n) for unit_id, n in targets.items()],
        update_conflicts=True, unique_fields=["round", "unit"], update_fields=["sample_target"],
    )  # fmt: skip
    return len(targets)


def participating_ids(round: Round) -> set[int]:
    return set(Participation.objects.filter(round=round).values_list("unit_id", flat=True))
