"""Demo survey rounds: last year's (closed) and this year's (open), with believable results."""

import datetime
import random

from django.db import transaction

from surveys.models import Answer, Indicator, Option, Questionnaire, ReportedCount, Round, RoundStatus, Scale
from surveys.services import RoundSpec, participants_under, round_create
from surveys.tallies import tally_rebuild
from units.models import Unit, UnitKind

ROUNDS = [
    (
        "EDU2025",
        "2025年度群众对教育满意度调查",
        datetime.date(2025, 9, 1),
        datetime.date(2025, 11, 30),
        RoundStatus.CLOSED,
    ),
    (
        "EDU2026",
        "2026年度群众对教育满意度调查",
        datetime.date(2026, 9, 1),
        datetime.date(2026, 12, 15),
        RoundStatus.OPEN,
    ),
]
RESPONDENTS = ["parent"] * 6 + ["student", "teacher", "resident", "other"]
CHANNELS = ["phone"] * 3 + ["paper", "online", "visit"]
REPORTED_EVERY = 9  # every ninth unit's results arrive as counts from a survey firm
THIN_EVERY = 25  # a few units with too few answers


def _level(rng: random.Random, unit: Unit, year_shift: float) -> float:
    """A unit's underlying satisfaction: mostly 85-97 %, a few weaker ones."""
    base = rng.uniform(0.80, 0.97) if unit.id % 7 else rng.uniform(0.72, 0.86)
    return min(0.995, base + year_shift)


def _pick(rng: random.Random, level: float, options: list[Option]) -> Option:
    if rng.random() < 0.06:
        return options[3]  # don't know
    draw = rng.random()
    return options[0] if draw < level * 0.72 else options[1] if draw < level else options[2]


def _questionnaires(round: Round, units: list[Unit], rng: random.Random, year_shift: float) -> None:
    options = list(Option.objects.filter(scale=round.scale).order_by("number"))
    indicators = round.ordered_indicators()
    days = (round.end - round.start).days
    for n, unit in enumerate(units):
        level = _level(rng, unit, year_shift)
        size = rng.randint(3, 12) if n % THIN_EVERY == 0 else rng.randint(150, 420)
        if n % REPORTED_EVERY == 0 and n % THIN_EVERY:
            _reported(round, unit, level, size, options, indicators, rng)
            continue
        forms = Questionnaire.objects.bulk_create(
            Questionnaire(
                round=round,
                unit=unit,
                respondent_type=rng.choice(RESPONDENTS),
                channel=rng.choice(CHANNELS),
                date=round.start + datetime.timedelta(days=rng.randint(0, days)),
                number=f"{round.code}-{unit.code}-{i:04d}",
                phone=f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}",
            )
            for i in range(size)
        )
        Answer.objects.bulk_create(
            Answer(questionnaire=q, round=round, unit=unit, indicator=indicator, option=_pick(rng, level, options))
            for q in forms
            for indicator in indicators
            if rng.random() > 0.02  # now and then an indicator is left unanswered
        )


def _reported(round, unit, level, size, options, indicators, rng) -> None:
    counts = {}
    for indicator in indicators:
        for _ in range(size):
            key = (indicator.id, _pick(rng, level, options).id)
            counts[key] = counts.get(key, 0) + 1
    ReportedCount.objects.bulk_create(
        ReportedCount(round=round, unit=unit, indicator_id=i, option_id=o, count=n) for (i, o), n in counts.items()
    )


@transaction.atomic
def seed() -> dict:
    if Round.objects.filter(code=ROUNDS[-1][0]).exists():
        return {"rounds": 0, "questionnaires": Questionnaire.objects.count()}
    city = Unit.objects.get(code="LY")
    units = participants_under(city, [UnitKind.SCHOOL, UnitKind.KINDERGARTEN])
    indicators = list(Indicator.objects.filter(indicator_set__code="education").order_by("order"))
    rng = random.Random(2026)
    previous = None
    for shift, (code, name, start, end, status) in zip((0.0, 0.02), ROUNDS, strict=True):
        spec = RoundSpec(
            code=code,
            name=name,
            start=start,
            end=end,
            scale=Scale.objects.get(code="default"),
            indicators=indicators,
            target_rate=90,
            target_rank=3,
            previous=previous,
            min_valid_votes=30,
        )
        round = round_create(spec=spec, units=units, under=city, kinds=[UnitKind.SCHOOL, UnitKind.KINDERGARTEN])
        _questionnaires(round, units, rng, shift)
        tally_rebuild(round.id)
        round.status = status
        round.save(update_fields=["status"])
        previous = round
    return {"rounds": len(ROUNDS), "questionnaires": Questionnaire.objects.count()}
