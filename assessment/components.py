"""The components an assessment scheme is made of, each a kind with parameters and a rule (no database).

A scheme is a list of ``Component`` (a kind and its parameters, as stored in
JSON). Each kind is registered in ``KINDS`` with its label, its parameters and
the function that turns a unit's facts into a ``Part`` (the points and why).
A kind that needs facts the built-in ones do not gather brings its own
``gather`` (called once per assessment with the peers, the round and the
scope, returning a fact per unit id): an "open-door activities" kind, fed by
``activity_coverage``, is added that way without touching the others.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment import scoring

RATE, RANK, DEDUCTION, OTHER = "rate", "rank", "deduction", "other"  # the column a kind's points go to


@dataclass
class UnitFacts:
    """What the assessment of one peer rests on, gathered for the round (``assessment.facts``)."""

    rate: Fraction | None = None
    percent: Decimal | None = None
    rank: int | None = None
    target: Decimal | None = None
    overdue: list[int] = field(default_factory=list)  # concerns overdue at the round's close
    follow_ups: int = 0  # dissatisfied respondents to call back
    called: int = 0
    uncalled: list[int] = field(default_factory=list)  # follow-ups without a call
    visits_quota: int = 0
    visits_done: int = 0
    concerns_due: int = 0  # concerns due within the round's period
    on_time: int = 0
    late: list[int] = field(default_factory=list)  # concerns due in the period and not closed by their deadline
    extra: dict[str, Any] = field(default_factory=dict)  # facts of kinds with their own ``gather``, by kind


@dataclass
class Part:
    """The points of one component for one unit, and why."""

    kind: str
    column: str
    points: Decimal | None
    reason: str
    concerns: list[int] = field(default_factory=list)
    follow_ups: list[int] = field(default_factory=list)

    def as_json(self) -> dict:
        data = {"kind": self.kind, "column": self.column, "reason": self.reason}
        data["points"] = None if self.points is None else str(self.points)
        return data | {"concerns": self.concerns, "follow_ups": self.follow_ups}


@dataclass(frozen=True)
class Param:
    name: str
    label: Any
    default: Decimal
    optional: bool = False  # an empty value means "no cap"


@dataclass(frozen=True)
class Kind:
    kind: str
    label: Any
    column: str
    params: tuple[Param, ...]
    score: Callable[[UnitFacts, dict[str, Decimal | None]], Part]
    gather: Callable | None = None  # (peers, round, scope) -> {unit id: fact}, kept in UnitFacts.extra[kind]


@dataclass(frozen=True)
class Component:
    kind: str
    params: dict[str, Decimal | None]

    def as_json(self) -> dict:
        return {"kind": self.kind} | {k: (None if v is None else str(v)) for k, v in self.params.items()}

    @property
    def spec(self) -> Kind:
        return KINDS[self.kind]


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f}%"


def _rate(facts: UnitFacts, p: dict) -> Part:
    points = scoring.rate_points(facts.rate, facts.target, p["worth"])
    if facts.rate is None:
        reason = _("No data: no rate points.")
    elif points == scoring.half_up(p["worth"]):
        reason = _("Overall rate %(rate)s reaches the target %(target)s: the full %(worth)s.") % {
            "rate": _pct(facts.percent),
            "target": _pct(facts.target),
            "worth": scoring.half_up(p["worth"]),
        }
    else:
        reason = _("Overall rate %(rate)s below the target %(target)s: %(worth)s × rate ÷ target.") % {
            "rate": _pct(facts.percent),
            "target": _pct(facts.target or Decimal(100)),
            "worth": scoring.half_up(p["worth"]),
        }
    return Part(RATE, RATE, points, reason)


def _rank(facts: UnitFacts, p: dict) -> Part:
    points = scoring.rank_points(facts.rank, (p["first"], p["second"], p["third"]), p["step"])
    if facts.rank is None:
        return Part(RANK, RANK, None, _("No data: not ranked, no rank points."))
    return Part(RANK, RANK, points, _("Rank %(rank)s among its peers.") % {"rank": facts.rank})


def _overdue(facts: UnitFacts, p: dict) -> Part:
    n = len(facts.overdue)
    points = scoring.count_deduction(n, p["each"], p["cap"])
    reason = _("%(n)s concerns overdue at the round's close (−%(each)s each%(cap)s).") % {
        "n": n,
        "each": p["each"],
        "cap": _cap_text(p["cap"]),
    }
    return Part(OVERDUE, DEDUCTION, points, reason, concerns=list(facts.overdue))


def _callback(facts: UnitFacts, p: dict) -> Part:
    points = scoring.shortfall_deduction(facts.called, facts.follow_ups, p["each"], p["cap"])
    if not facts.follow_ups:
        return Part(CALLBACK, DEDUCTION, points, _("No dissatisfied respondent to call back."))
    reason = _(
        "%(called)s of %(total)s dissatisfied respondents called back (−%(each)s per point short of 100 %%%(cap)s)."
    ) % {"called": facts.called, "total": facts.follow_ups, "each": p["each"], "cap": _cap_text(p["cap"])}
    return Part(CALLBACK, DEDUCTION, points, reason, follow_ups=list(facts.uncalled))


def _visits(facts: UnitFacts, p: dict) -> Part:
    points = scoring.shortfall_points(facts.visits_done, facts.visits_quota, p["points"], p["cap"])
    reason = _("%(done)s households visited against a quota of %(quota)s (%(points)s × visited ÷ quota).") % {
        "done": facts.visits_done,
        "quota": facts.visits_quota,
        "points": p["points"],
    }
    return Part(VISITS, OTHER, points, reason)


def _closure(facts: UnitFacts, p: dict) -> Part:
    points = scoring.shortfall_points(facts.on_time, facts.concerns_due, p["points"], p["cap"])
    reason = _("%(on_time)s of %(due)s concerns due in the round's period closed on time.") % {
        "on_time": facts.on_time,
        "due": facts.concerns_due,
    }
    return Part(CLOSURE, OTHER, points, reason, concerns=list(facts.late))


def _cap_text(cap: Decimal | None) -> str:
    return "" if cap is None else _(", at most −%(cap)s") % {"cap": cap}


OVERDUE, CALLBACK, VISITS, CLOSURE = "overdue", "callback", "visits", "closure"
D = Decimal
KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add a kind of component (an app above this one may register its own, e.g. open-door activities)."""
    KINDS[kind.kind] = kind
    return kind


register(Kind(RATE, gettext_lazy("Rate points"), RATE, (Param("worth", gettext_lazy("worth"), D(5)),), _rate))
register(
    Kind(
        RANK,
        gettext_lazy("Rank points"),
        RANK,
        (
            Param("first", gettext_lazy("1st"), D(3)),
            Param("second", gettext_lazy("2nd"), D("1.5")),
            Param("third", gettext_lazy("3rd"), D(0)),
            Param("step", gettext_lazy("less per place below 3rd"), D("0.5")),
        ),
        _rank,
    )
)
_EACH_AND_CAP = (Param("cap", gettext_lazy("at most"), D(2), optional=True),)
register(
    Kind(
        OVERDUE,
        gettext_lazy("Concerns overdue at the round's close"),
        DEDUCTION,
        (Param("each", gettext_lazy("per concern"), D("0.2")), *_EACH_AND_CAP),
        _overdue,
    )
)
register(
    Kind(
        CALLBACK,
        gettext_lazy("Dissatisfied respondents called back"),
        DEDUCTION,
        (Param("each", gettext_lazy("per percentage point short"), D("0.1")), *_EACH_AND_CAP),
        _callback,
    )
)
register(
    Kind(
        VISITS,
        gettext_lazy("Visits against quotas"),
        OTHER,
        (Param("points", gettext_lazy("worth"), D(2)), Param("cap", gettext_lazy("at most"), D(2), optional=True)),
        _visits,
    )
)
register(
    Kind(
        CLOSURE,
        gettext_lazy("Ledger closed on time"),
        OTHER,
        (Param("points", gettext_lazy("worth"), D(2)), Param("cap", gettext_lazy("at most"), D(2), optional=True)),
        _closure,
    )
)
DEFAULT_KINDS = (RATE, RANK, OVERDUE, CALLBACK)  # the default scheme: the published county rule


def default_components() -> list[Component]:
    return [Component(kind, {p.name: p.default for p in KINDS[kind].params}) for kind in DEFAULT_KINDS]


def components_parse(data: list) -> list[Component]:
    """Stored JSON to components; a ValueError names the component and the parameter that is wrong."""
    if not isinstance(data, list):
        raise ValueError(_("A scheme's components are a list."))
    components, seen = [], set()
    for n, item in enumerate(data, start=1):
        kind = item.get("kind") if isinstance(item, dict) else None
        if kind not in KINDS:
            raise ValueError(_("Component %(n)s: unknown kind “%(kind)s”.") % {"n": n, "kind": kind})
        if kind in seen:
            raise ValueError(_("Component %(n)s: %(kind)s appears twice.") % {"n": n, "kind": kind})
        seen.add(kind)
        components.append(Component(kind, {p.name: _param(n, p, item.get(p.name)) for p in KINDS[kind].params}))
    return components


def _param(n: int, param: Param, value) -> Decimal | None:
    if value in (None, ""):
        if param.optional:
            return None
        return param.default
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) > 1000:
        raise ValueError(
            _("Component %(n)s: %(param)s must be a number, not “%(value)s”.")
            % {"n": n, "param": param.label, "value": value}
        )
    if number < 0 and param.name != "third":
        raise ValueError(_("Component %(n)s: %(param)s must not be negative.") % {"n": n, "param": param.label})
    return number


def parts_for(components: list[Component], facts: UnitFacts) -> list[Part]:
    return [c.spec.score(facts, c.params) for c in components]
