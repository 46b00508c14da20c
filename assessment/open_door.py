"""The open-door activities component: activities held against those the rules require, over the round's period.

Registered apart from the built-in kinds because its facts come from the
``opendoor`` app (``activity_coverage``), through the kind's own ``gather``.
"""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment import scoring
from assessment.components import OTHER, Kind, Param, Part, UnitFacts, register
from opendoor.coverage import UnitCoverage, activity_coverage
from units.models import Unit

OPEN_DOOR = "opendoor"


def _gather(peers, round, scope) -> dict[int, UnitCoverage]:
    """Each peer's coverage over the round's period (its whole subtree), in a fixed number of queries."""
    return activity_coverage(units=Unit.objects.filter(pk__in=[peer.id for peer in peers]), round=round)


def _score(facts: UnitFacts, p: dict) -> Part:
    coverage = facts.extra.get(OPEN_DOOR)
    held, required = (coverage.held, coverage.required) if coverage else (0, 0)
    points = scoring.shortfall_points(held, required, p["points"], p["cap"])
    reason = _("%(held)s of %(required)s required open-door activities held (%(points)s × held ÷ required).") % {
        "held": held,
        "required": required,
        "points": p["points"],
    }
    return Part(OPEN_DOOR, OTHER, points, reason)


register(
    Kind(
        OPEN_DOOR,
        gettext_lazy("Open-door activities held against the rules"),
        OTHER,
        (Param("points", gettext_lazy("worth"), Decimal(2)),
         Param("cap", gettext_lazy("at most"), Decimal(2), optional=True)),
        _score,
        gather=_gather,
    )
)  # fmt: skip
