from django import template

from respond.models import Status, Submission
from surveys.models import Round
from surveys.selectors import round_units
from units.paths import subtree_q
from units.permissions import Action

register = template.Library()


@register.simple_tag
def held_count(round: Round, user) -> int:
    """Held online answers of the round in the units where the user may decide them."""
    units = round_units(round, user, Action.ENTER)
    return Submission.objects.filter(round=round, status=Status.HELD, unit__in=units).count()


@register.simple_tag
def held_under(round: Round, unit) -> int:
    """Held online answers of the unit and the units below it: no figure counts them until staff decide.

    The caller has checked that the user may view ``unit`` (the unit page).
    """
    return Submission.objects.filter(subtree_q(unit.path, "unit__path"), round=round, status=Status.HELD).count()
