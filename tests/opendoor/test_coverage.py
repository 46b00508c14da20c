"""Open-door coverage per unit rolled up the tree, as the assessment reads it (``activity_coverage``)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from ledger.models import CategoryOfConcern, Concern, ConcernStep, Source
from opendoor import services
from opendoor.coverage import activity_coverage, open_door_report
from opendoor.models import Activity, ActivityKind, ActivityRule, Opinion, Schedule
from tests.factories import UnitFactory
from units.models import UnitKind
from workdays.models import CalendarDay

pytestmark = pytest.mark.django_db
D = datetime.date
AUTUMN = (D(2026, 8, 1), D(2026, 11, 30))
SEPTEMBER_10 = D(2026, 9, 10)


def _rule(under, **fields):
    values = {"unit_kind": UnitKind.SCHOOL, "kind": ActivityKind.PARENT_MEETING, "schedule": Schedule.TERM, "count": 2}
    return ActivityRule.objects.create(under=under, **(values | fields))


def _held(unit, kind=ActivityKind.PARENT_MEETING, day=SEPTEMBER_10, **fields):
    return Activity.objects.create(unit=unit, kind=kind, held_on=day, **fields)


def test_coverage_rolls_up_to_the_district_and_the_city(tree):
    _rule(tree["city"])
    _rule(tree["city"], kind=ActivityKind.RECEPTION_DAY, schedule=Schedule.MONTHLY, weekday=0, count=1)
    _held(tree["s1"])
    _held(tree["s1"], ActivityKind.RECEPTION_DAY, D(2026, 10, 8))
    _held(tree["s2"], day=D(2026, 7, 31))  # the spring term, outside the period
    coverage = activity_coverage(
        units=[tree["city"], tree["d1"], tree["s1"], tree["s2"]], first=AUTUMN[0], last=AUTUMN[1]
    )
    # Each school: 2 parent meetings + 4 reception days (August to November).
    assert (coverage[tree["s1"].pk].held, coverage[tree["s1"].pk].required) == (2, 6)
    assert (coverage[tree["s2"].pk].held, coverage[tree["s2"].pk].required) == (0, 6)
    assert (coverage[tree["d1"].pk].held, coverage[tree["d1"].pk].required) == (2, 6)
    assert (coverage[tree["city"].pk].held, coverage[tree["city"].pk].required) == (2, 12)
    assert coverage[tree["s1"].pk].by_kind == {"parent_meeting": [1, 2], "reception_day": [1, 4]}
    assert str(coverage[tree["city"].pk].percent) == "16.7"


def test_the_rule_nearest_the_unit_wins(tree):
    _rule(tree["city"], count=2)
    _rule(tree["d1"], count=3)
    coverage = activity_coverage(units=[tree["s1"], tree["s2"]], first=AUTUMN[0], last=AUTUMN[1])
    assert coverage[tree["s1"].pk].required == 3
    assert coverage[tree["s2"].pk].required == 2


def test_a_rule_for_schools_asks_nothing_of_a_kindergarten(tree):
    _rule(tree["city"])
    kindergarten = UnitFactory(code="K1", kind=UnitKind.KINDERGARTEN, parent=tree["d1"])
    coverage = activity_coverage(units=[kindergarten], first=AUTUMN[0], last=AUTUMN[1])
    assert coverage[kindergarten.pk].required == 0 and coverage[kindergarten.pk].percent is None


def test_a_round_gives_the_period(tree):
    from tests.factories import make_round

    _rule(tree["city"])
    round = make_round([tree["s1"]], start=D(2026, 1, 1), end=D(2026, 12, 31))
    _held(tree["s1"], day=D(2025, 12, 31))  # before the round
    _held(tree["s1"], day=D(2026, 1, 5))
    coverage = activity_coverage(units=[tree["s1"]], round=round)
    # January belongs to the autumn term of 2025, then the spring and autumn terms of 2026: three terms.
    assert (coverage[tree["s1"].pk].held, coverage[tree["s1"].pk].required) == (1, 6)
    with pytest.raises(ValueError):
        activity_coverage(units=[tree["s1"]], first=D(2026, 9, 1), last=D(2026, 8, 1))
    with pytest.raises(ValueError):
        activity_coverage(units=[tree["s1"]])


def test_a_holiday_an_administrator_adds_moves_the_plan(tree):
    _rule(tree["city"], kind=ActivityKind.RECEPTION_DAY, schedule=Schedule.MONTHLY, weekday=0, count=1)
    report = open_door_report(tree["s1"], D(2026, 11, 1), D(2026, 11, 30))
    assert [w.planned_on for _rule, line in report.own.lines for w in line.windows] == [D(2026, 11, 2)]
    CalendarDay.objects.create(day=D(2026, 11, 2), is_working_day=False)
    report = open_door_report(tree["s1"], D(2026, 11, 1), D(2026, 11, 30))
    assert [w.planned_on for _rule, line in report.own.lines for w in line.windows] == [D(2026, 11, 3)]


def test_coverage_takes_a_fixed_number_of_queries(tree, django_assert_max_num_queries):
    _rule(tree["city"])
    for n in range(20):
        school = UnitFactory(code=f"X{n}", kind=UnitKind.SCHOOL, parent=tree["d1"])
        _held(school)
    with django_assert_max_num_queries(4):
        coverage = activity_coverage(units=[tree["city"]], first=AUTUMN[0], last=AUTUMN[1])
    assert coverage[tree["city"].pk].held == 20


def test_an_opinion_becomes_a_concern_of_the_ledger_once(tree, users):
    activity = services.activity_record(
        unit=tree["s1"], kind=ActivityKind.RECEPTION_DAY, held_on=D(2026, 10, 8), by=users["staff"],
        attended_by="张校长", participants=12, opinions=["食堂饭菜偏咸", " ", "放学时校门口拥堵"],
    )  # fmt: skip
    assert list(activity.opinions.values_list("text", flat=True)) == ["食堂饭菜偏咸", "放学时校门口拥堵"]
    opinion = activity.opinions.first()
    canteen = CategoryOfConcern.objects.get(code="canteen")
    concern = services.opinion_to_concern(opinion=opinion, category=canteen, by=users["staff"], raiser_name="李家长")
    assert (concern.unit, concern.source, concern.received_on, concern.text) == (
        tree["s1"],
        Source.RECEPTION_DAY,
        D(2026, 10, 8),
        "食堂饭菜偏咸",
    )
    step = ConcernStep.objects.get(concern=concern)
    assert step.detail["activity"] == activity.pk and f"#{activity.pk}" in step.facts()
    assert Opinion.objects.get(pk=opinion.pk).concern == concern
    with pytest.raises(ValidationError):
        services.opinion_to_concern(opinion=opinion, category=canteen, by=users["staff"])
    assert Concern.objects.count() == 1


def test_a_parent_meetings_opinion_comes_from_an_open_door_activity(tree, users):
    activity = _held(tree["s1"], day=D(2026, 9, 10))
    opinion = Opinion.objects.create(activity=activity, text="作业太多")
    concern = services.opinion_to_concern(
        opinion=opinion, category=CategoryOfConcern.objects.first(), by=users["staff"]
    )
    assert concern.source == Source.OPEN_DOOR


def test_an_activity_cannot_be_recorded_ahead_of_its_day(tree, users):
    with pytest.raises(ValidationError):
        services.activity_record(unit=tree["s1"], kind=ActivityKind.OPEN_DAY, held_on=D(2099, 1, 1), by=users["staff"])
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"schedule": Schedule.MONTHLY, "weekday": None},
        {"schedule": Schedule.MONTHLY, "weekday": 0, "count": 2},
        {"schedule": Schedule.PHASE, "starts_on": D(2026, 10, 1)},
        {"schedule": Schedule.PHASE, "starts_on": D(2026, 10, 1), "ends_on": D(2026, 9, 1)},
    ],
)
def test_a_rule_missing_its_schedules_fields_is_refused(tree, fields):
    rule = ActivityRule(under=tree["d1"], unit_kind=UnitKind.SCHOOL, kind=ActivityKind.OPEN_DAY, **fields)
    with pytest.raises(ValidationError):
        services.rule_add(rule=rule)
    assert not ActivityRule.objects.exists()
