"""What ranking and unit pages (and the ranking workbook) show of the sample: margin, below plan, 数据存疑.

For each unit on a page, its "sample units" are the units taking part in its subtree (itself when it takes
part): a school is its own; a district ranked among districts is all its schools. Then:

- achieved: the questionnaires of the sample units (the plan counts questionnaires, not votes);
- planned: the sum of their planned n (``plans.units_planned``); below plan: achieved < planned;
- population: the sum of theirs when every one is known, else unknown (no finite-population correction);
- margin: ``maths.margin_beside`` of the rate shown, at the plan's confidence (one rule with the plan page);
- 数据存疑: the call-backs of the sample units pooled (``verification.checked_below``) above the plan's rate.

Cost: a round without a sample plan costs two cheap queries (the plan row, the call-backs below the scope);
with a plan, the participants below the scope, their populations, questionnaire counts and previous rates,
for those units only, never the whole round.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count

from sampling import maths
from sampling.models import SamplePlan
from sampling.plans import units_planned
from sampling.verification import checked_below, doubtful_limit, is_doubtful
from surveys.models import Participation, Questionnaire, Round
from units.paths import ids_of, subtree_q


@dataclass(frozen=True, slots=True)
class SampleCheck:
    """The sample of one unit on a page, against the plan."""

    achieved: int
    planned: int
    population: int | None
    expected: Fraction  # stands in for the rate while there is none (``maths.margin_beside``)
    confidence: int

    @property
    def below_plan(self) -> bool:
        return self.achieved < self.planned

    def margin(self, rate: Fraction | None) -> Decimal | None:
        """The margin (points) of ``rate`` (the overall rate or an indicator's) at the sample achieved."""
        return maths.margin_beside(achieved=self.achieved, rate=rate, expected=self.expected,
                                   confidence=self.confidence, population=self.population)  # fmt: skip


@dataclass
class PageChecks:
    planned: bool  # the round has a sample plan: pages show the margin column and the below-plan flag
    confidence: int = 95
    samples: dict[int, SampleCheck] = field(default_factory=dict)  # unit id -> its sample (with a plan)
    doubtful: dict[int, Decimal] = field(default_factory=dict)  # unit id -> discrepancy rate (%), when flagged


def page_checks(round: Round, scope_path: str, units: list[tuple[int, str]]) -> PageChecks:
    """The checks of ``units`` ((id, path), all under ``scope_path``): see the module's docstring."""
    wanted = {unit_id for unit_id, _path in units}
    plan = SamplePlan.objects.filter(round=round).first()
    limit = doubtful_limit(plan or SamplePlan(round=round))  # without a plan, the default (no query)
    pooled = checked_below(round, scope_path, wanted)
    doubtful = {unit_id: c.discrepancy_percent for unit_id, c in pooled.items() if is_doubtful(c, limit)}
    if plan is None:
        return PageChecks(False, doubtful=doubtful)
    return PageChecks(True, plan.confidence, _samples(round, plan, scope_path, wanted), doubtful)


def _samples(round: Round, plan: SamplePlan, scope_path: str, wanted: set[int]) -> dict[int, SampleCheck]:
    below = Participation.objects.filter(round=round).filter(subtree_q(scope_path, "unit__path"))
    members: dict[int, list[int]] = {}  # participant -> the units on the page it belongs to
    for unit_id, path in below.values_list("unit_id", "unit__path"):
        mine = [pk for pk in ids_of(path) if pk in wanted]
        if mine:
            members[unit_id] = mine
    ids = list(members)
    planned = units_planned(round, ids, margin=Fraction(plan.margin) / 100, confidence=plan.confidence)
    # The participants' questionnaires by the (round, unit) key: 262 ms for 2 million questionnaires, against
    # 341 ms joined to the units' paths.
    counts = dict(
        Questionnaire.objects.filter(round=round, unit_id__in=below.values("unit_id"))
        .values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n")
    )  # fmt: skip
    # unit on the page -> achieved, n, population, all populations known, n by expected rate
    sums: dict[int, list] = {}
    for unit_id, on_page in members.items():
        population, expected, _from_previous, n = planned[unit_id]
        for pk in on_page:
            total = sums.setdefault(pk, [0, 0, 0, True, Counter()])
            total[0] += counts.get(unit_id, 0)
            total[1] += n
            total[2] += population or 0
            total[3] = total[3] and population is not None
            # n by distinct rate, multiplied once each: 100,000 Fraction sums took 308 ms, these 48 ms.
            total[4][expected.numerator, expected.denominator] += n
    return {
        pk: SampleCheck(achieved, n, population if known else None, _weighted(by_rate, n), plan.confidence)
        for pk, (achieved, n, population, known, by_rate) in sums.items()
    }


def _weighted(by_rate: Counter, n: int) -> Fraction:
    """An aggregate's stand-in rate: its units' expected rates weighted by their n."""
    if not n:
        return maths.DEFAULT_EXPECTED
    return (
        sum((Fraction(numerator, denominator) * k for (numerator, denominator), k in by_rate.items()), Fraction(0)) / n
    )
