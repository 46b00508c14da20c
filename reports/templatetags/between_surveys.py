"""A panel for a unit's page within a survey round: is the weakest indicator being worked on?"""

from django import template
from django.utils import timezone

from ledger.models import Concern
from ledger.summary import by_indicator
from outreach.coverage import follow_up_coverage, follow_up_totals, visit_coverage

register = template.Library()


@register.inclusion_tag("reports/_work_panel.html")
def work_between_surveys(unit, round=None) -> dict:
    """``{% load between_surveys %}{% work_between_surveys unit round %}``: concerns by indicator, follow-ups, visits.

    The caller has checked that the user may view ``unit``. Nine queries.
    """
    today = timezone.localdate()
    indicators = {f.label.pk: f for f in by_indicator(Concern.objects.under(unit), today) if f.label}
    order = round.ordered_indicators() if round is not None else [f.label for f in indicators.values()]
    follow_ups = follow_up_totals(follow_up_coverage(unit, today))
    return {
        "unit": unit,
        "concerns": [(indicator, indicators.get(indicator.pk)) for indicator in order],
        "follow_ups": follow_ups,
        "visits": visit_coverage(unit, today).totals,
    }
