"""The days administrators add count wherever Manyi counts working days: ledger deadlines, the notice."""

import datetime

import pytest
from django.urls import reverse

from ledger.models import CategoryOfConcern
from ledger.services import default_deadline
from workdays.days import add_working_days, is_working_day, unknown_years, working_days_between
from workdays.models import CalendarDay

pytestmark = pytest.mark.django_db
D = datetime.date


def test_an_added_holiday_in_an_unknown_year_moves_a_ledger_deadline():
    canteen = CategoryOfConcern.objects.get(code="canteen")
    canteen.default_days = 1
    assert default_deadline(canteen, D(2099, 1, 2)) == D(2099, 1, 5)
    CalendarDay.objects.create(day=D(2099, 1, 5), is_working_day=False, note="2099 元旦调休")
    assert not is_working_day(D(2099, 1, 5))
    assert default_deadline(canteen, D(2099, 1, 2)) == D(2099, 1, 6)
    assert working_days_between(D(2099, 1, 2), D(2099, 1, 6)) == 1


def test_an_added_make_up_day_counts():
    CalendarDay.objects.create(day=D(2099, 1, 3), is_working_day=True)
    assert add_working_days(D(2099, 1, 2), 1) == D(2099, 1, 3)


def test_unknown_years_are_those_the_package_lacks():
    assert unknown_years(2026, 2099, 2099) == [2099]


def test_the_ledger_says_when_a_deadline_falls_in_an_unknown_year(client, tree, users):
    from tests.factories import ConcernFactory

    concern = ConcernFactory(unit=tree["s1"], received_on=D(2026, 5, 1), deadline=D(2099, 1, 9))
    client.force_login(users["admin"])
    page = client.get(reverse("ledger:concern", args=[concern.pk])).content.decode()
    assert "2099" in page and "working-days-notice" in page
    concern.deadline = D(2026, 5, 8)
    concern.save()
    page = client.get(reverse("ledger:concern", args=[concern.pk])).content.decode()
    assert "2099" not in page
