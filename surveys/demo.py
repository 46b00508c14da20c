"""Demo survey rounds: last year's (closed) and this year's (open), with believable results."""

import datetime
import random

import numpy as np
from django.db import transaction
from django.utils import timezone

from surveys.models import Indicator, Option, Questionnaire, Round, RoundStatus, Scale
from surveys.services import RoundSpec, participants_under, round_create
from surveys.writing import (
    CHANNEL_VALUES,
    RESPONDENT_VALUES,
    Batch,
    QuestionnaireRows,
    questionnaires_add,
    reported_counts_set_many,
)
from units.models import PeerDisclosure, Unit, UnitKind

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


def _pick(rng: random.Random, level: float) -> int:
    """The position of the chosen option on the default scale (satisfied, basically, dissatisfied, don't know)."""
    if rng.random() < 0.06:
        return 3  # don't know
    draw = rng.random()
    return 0 if draw < level * 0.72 else 1 if draw < level else 2


def _questionnaires(round: Round, units: list[Unit], rng: random.Random, year_shift: float) -> None:
    """Results as a survey firm would bring them: most units' questionnaires, a few units' counts."""
    option_ids = list(Option.objects.filter(scale=round.scale).order_by("number").values_list("id", flat=True))
    indicator_ids = [indicator.id for indicator in round.ordered_indicators()]
    days = answered_days(round, timezone.localdate())
    parts, counts = [], {}
    for n, unit in enumerate(units):
        level = _level(rng, unit, year_shift)
        size = rng.randint(3, 12) if n % THIN_EVERY == 0 else rng.randint(150, 420)
        if n % REPORTED_EVERY == 0 and n % THIN_EVERY:
            counts[unit.id] = _reported(level, size, option_ids, indicator_ids, rng)
            continue
        parts.append(_unit_rows(round, unit, level, size, len(indicator_ids), days, rng))
    rows = QuestionnaireRows.concatenate(indicator_ids, option_ids, parts)
    batch = Batch(job_id=None, file_name="seed_demo", rows=len(rows))
    questionnaires_add(round=round, rows=rows, user=None, source="demo", batch=batch)
    reported_counts_set_many(round=round, counts=counts, user=None)


def answered_days(round: Round, today: datetime.date) -> int:
    """Days after the start on which demo questionnaires may be dated: none after today, since an open round
    has only been answered up to now (a round not yet started gets its first day only)."""
    return max(0, (min(round.end, today) - round.start).days)


def _unit_rows(round: Round, unit: Unit, level: float, size: int, indicators: int, days: int, rng) -> dict:
    def answer() -> int:
        # Now and then an indicator is left unanswered (0); else 1 + the option's position.
        return 0 if rng.random() <= 0.02 else 1 + _pick(rng, level)

    return {
        "rows": np.arange(1, size + 1),
        "unit_ids": np.full(size, unit.id),
        "respondent_types": np.array([RESPONDENT_VALUES.index(rng.choice(RESPONDENTS)) for _ in range(size)]),
        "channels": np.array([CHANNEL_VALUES.index(rng.choice(CHANNELS)) for _ in range(size)]),
        "dates": np.array(
            [(round.start + datetime.timedelta(days=rng.randint(0, days))).toordinal() for _ in range(size)]
        ),
        "numbers": np.array([f"{round.code}-{unit.code}-{i:04d}" for i in range(size)], dtype=object),
        "phones": np.array(
            [f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}" for _ in range(size)], dtype=object
        ),
        "answers": np.array([[answer() for _ in range(indicators)] for _ in range(size)], dtype=np.int8),
    }


def _reported(level, size, option_ids, indicator_ids, rng) -> dict[tuple[int, int], int]:
    counts = {}
    for indicator_id in indicator_ids:
        for _ in range(size):
            key = (indicator_id, option_ids[_pick(rng, level)])
            counts[key] = counts.get(key, 0) + 1
    return counts


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
        round.status = RoundStatus.OPEN  # results are written to open rounds only
        _questionnaires(round, units, rng, shift)
        round.status = status
        round.peer_disclosure = PeerDisclosure.NAMED  # as the city's ranking notice (通报) names every district
        round.save(update_fields=["status", "peer_disclosure"])
        previous = round
    return {"rounds": len(ROUNDS), "questionnaires": Questionnaire.objects.count()}
