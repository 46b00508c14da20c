from django import template

from respond.models import Status, Submission
from surveys.models import Round
from surveys.selectors import round_units
from units.permissions import Action

register = template.Library()


@register.simple_tag
def held_count(round: Round, user) -> int:
    """Held online answers of the round in the units where the user may decide them."""
    units = round_units(round, user, Action.ENTER)
    return Submission.objects.filter(round=round, status=Status.HELD, unit__in=units).count()
