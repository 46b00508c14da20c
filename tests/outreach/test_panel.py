"""The panel beside a unit's rates within a round: concerns by indicator, follow-ups, visits."""

import pytest
from django.template import Context, Template

from ledger.models import CategoryOfConcern
from outreach.opening import follow_ups_open_for
from surveys.models import Indicator, RoundIndicator
from tests.factories import ConcernFactory, HouseholdFactory

pytestmark = pytest.mark.django_db


def test_the_panel_lists_the_rounds_indicators_with_their_concerns(tree, survey_round, questionnaire, visitor):
    for order, indicator in enumerate(Indicator.objects.filter(code__startswith="EDU").order_by("order")):
        RoundIndicator.objects.create(round=survey_round, indicator=indicator, order=order)
    workload = CategoryOfConcern.objects.get(code="workload")
    ConcernFactory(unit=tree["s1"], category=workload, indicator=workload.indicator)
    follow_ups_open_for([questionnaire(tree["s1"], [3]).pk])
    HouseholdFactory(unit=tree["s1"], assigned_to=visitor)
    html = Template("{% load between_surveys %}{% work_between_surveys unit round %}").render(
        Context({"unit": tree["d1"], "round": survey_round})
    )
    assert html.count("<tr><td>") == 6
    assert "1 opened, 0 contacted, 1 still open" in html
    assert "1 of 10 contacts assigned" in html
