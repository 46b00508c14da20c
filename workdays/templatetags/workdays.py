"""The notice on pages that show deadlines or planned dates, when a year's holidays are not known."""

import datetime

from django import template
from django.utils import timezone

from workdays.days import days_added, unknown_years

register = template.Library()

# Deadlines set today run a few weeks: in December the coming year matters already.
AHEAD = datetime.timedelta(days=60)


@register.inclusion_tag("workdays/_notice.html")
def working_days_notice(*dates: datetime.date | None) -> dict:
    """Names the years (of today, of the weeks ahead, of ``dates``) counted Monday to Friday."""
    today = timezone.localdate()
    years = unknown_years(today.year, (today + AHEAD).year, *(d.year for d in dates if d))
    return {"years": [{"year": year, "added": days_added(year)} for year in years]}
