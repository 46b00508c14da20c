"""Verification call-backs (回访核实): a seeded share of the questionnaires with a phone, called back from above.

Per round, each draw takes, from the questionnaires with a phone not drawn before, per unit
``max(minimum, ceil(share × count))`` (never more than there are), split over the channels in
proportion (largest remainder), each unit × channel drawn by its own generator seeded with
(seed, unit id, channel). Results: 属实 (confirmed), 答案不符 (the questionnaire is corrected
through the one writer, ``questionnaire_replace``, which logs the change), 未接受调查 (the
questionnaire is removed through ``questionnaire_remove``, which keeps it in the trail: it is
out of every figure), 联系不上 (unreachable).
"""

import math
import secrets
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from sampling import maths
from sampling.models import SamplePlan, Verification, VerificationDraw, VerificationResult
from sampling.plans import plan_of
from surveys.engine import percent
from surveys.models import Channel, Questionnaire, Round, RoundStatus
from surveys.writing import questionnaire_remove, questionnaire_replace
from units.models import PhoneExport
from units.paths import ids_of, subtree_q

CHANNELS = list(Channel.values)  # positions seed the generators: never reorder
REACHED = {VerificationResult.CONFIRMED, VerificationResult.DIFFERENT, VerificationResult.NEVER_SURVEYED}


def verification_size(count: int, share: Decimal, minimum: int) -> int:
    """Questionnaires of a unit to call back: the share rounded up, at least ``minimum``, at most all."""
    return min(count, max(minimum, math.ceil(Fraction(share) * count / 100)))


@transaction.atomic
def verification_draw(*, round: Round, user, seed: int | None = None) -> VerificationDraw:
    plan = plan_of(round)
    seed = secrets.randbits(48) if seed is None else seed
    drawn = Verification.objects.filter(round=round).values("questionnaire_ref")
    rows = (
        Questionnaire.objects.filter(round=round).exclude(phone="").exclude(pk__in=drawn)
        .order_by("id").values_list("id", "unit_id", "channel", "phone", "created_by_id")
    )  # fmt: skip
    groups = defaultdict(lambda: defaultdict(list))
    for row in rows:
        groups[row[1]][row[2]].append(row)
    draw = VerificationDraw.objects.create(
        round=round, seed=seed, share=plan.verify_share, minimum=plan.verify_minimum, by=user
    )
    items = []
    for unit_id, by_channel in groups.items():
        size = verification_size(sum(map(len, by_channel.values())), plan.verify_share, plan.verify_minimum)
        parts = maths.quota_counts(size, {channel: len(found) for channel, found in sorted(by_channel.items())})
        for channel, found in by_channel.items():
            generator = np.random.default_rng([seed, unit_id, CHANNELS.index(channel)])
            for position in sorted(generator.choice(len(found), size=parts[channel], replace=False).tolist()):
                pk, _unit, _channel, phone, entered_by = found[position]
                items.append(Verification(draw=draw, round=round, unit_id=unit_id, questionnaire_id=pk,
                                          questionnaire_ref=pk, channel=channel, phone=phone,
                                          entered_by_id=entered_by))  # fmt: skip
    Verification.objects.bulk_create(items, batch_size=2000)
    return draw


def verification_reveal(*, item: Verification, user) -> str:
    """The whole phone for the verifier calling it back, logged with the other phones shown whole."""
    PhoneExport.objects.create(user=user, export="verification_call_back", unit=item.unit, phones=1)
    return item.phone


@transaction.atomic
def verification_record(*, item: Verification, result: str, user, answers: dict[int, int] | None = None,
                        note: str = "") -> Verification:  # fmt: skip
    """Record a call-back; 答案不符 corrects the questionnaire, 未接受调查 removes it (both through the one writer)."""
    item = Verification.objects.select_for_update().select_related("round").get(pk=item.pk)
    if item.result:
        raise ValidationError(_("This call-back has already been recorded."))
    if result in {VerificationResult.DIFFERENT, VerificationResult.NEVER_SURVEYED}:
        questionnaire = Questionnaire.objects.select_for_update().filter(pk=item.questionnaire_ref).first()
        if questionnaire is None:
            raise ValidationError(_("The questionnaire no longer exists: it was deleted after the draw."))
        if item.round.status != RoundStatus.OPEN:
            raise ValidationError(_("The round is not open: results cannot be entered or changed."))
        if result == VerificationResult.DIFFERENT:
            questionnaire_replace(questionnaire=questionnaire, fields={}, answers=answers or {}, user=user)
        else:
            questionnaire_remove(questionnaire=questionnaire, user=user)
    item.result, item.verifier, item.verified_at, item.note = result, user, timezone.now(), note
    item.save(update_fields=["result", "verifier", "verified_at", "note"])
    return item


@dataclass
class Checked:
    """Call-backs of a unit or a clerk: drawn, verified (reached), confirmed, differing, never surveyed."""

    drawn: int = 0
    confirmed: int = 0
    different: int = 0
    never: int = 0
    unreachable: int = 0

    @property
    def verified(self) -> int:
        return self.confirmed + self.different + self.never

    @property
    def discrepancy(self) -> Fraction | None:
        """Share of the verified questionnaires that were wrong or never answered; None before any is verified."""
        return Fraction(self.different + self.never, self.verified) if self.verified else None

    @property
    def discrepancy_percent(self) -> Decimal | None:
        return percent(self.discrepancy)

    def add(self, result: str, count: int) -> None:
        self.drawn += count
        field = {VerificationResult.CONFIRMED: "confirmed", VerificationResult.DIFFERENT: "different",
                 VerificationResult.NEVER_SURVEYED: "never", VerificationResult.UNREACHABLE: "unreachable"}.get(result)  # fmt: skip
        if field:
            setattr(self, field, getattr(self, field) + count)


def verification_figures(round: Round) -> tuple[dict[int, Checked], dict[int | None, Checked]]:
    """Call-backs per unit and per clerk who entered the questionnaires: one GROUP BY."""
    by_unit, by_clerk = defaultdict(Checked), defaultdict(Checked)
    grouped = Verification.objects.filter(round=round).values("unit_id", "entered_by_id", "result")
    for unit_id, clerk_id, result, count in grouped.annotate(n=Count("id")).values_list(
        "unit_id", "entered_by_id", "result", "n"
    ):
        by_unit[unit_id].add(result, count)
        by_clerk[clerk_id].add(result, count)
    return dict(by_unit), dict(by_clerk)


def doubtful_limit(plan: SamplePlan) -> Fraction:
    """The discrepancy rate above which a unit's data are doubtful (the plan's, default 10 %), as a share."""
    return Fraction(plan.doubtful_rate) / 100


def is_doubtful(checked: Checked, limit: Fraction) -> bool:
    return checked.discrepancy is not None and checked.discrepancy > limit


def units_doubtful(round: Round) -> dict[int, Decimal]:
    """Units flagged 数据存疑: a discrepancy rate above the plan's, unit id -> the rate in percent.

    Each unit on its own questionnaires; pages that rank units above (districts) roll them up with
    ``checked_below``."""
    limit = doubtful_limit(plan_of(round))
    by_unit, _clerks = verification_figures(round)
    return {unit_id: checked.discrepancy_percent for unit_id, checked in by_unit.items() if is_doubtful(checked, limit)}


def checked_below(round: Round, scope_path: str, unit_ids: set[int] | None = None) -> dict[int, Checked]:
    """The call-backs of each of ``unit_ids`` (None: every unit) pooled with everything below it, from those
    under ``scope_path``.

    One GROUP BY over the round's call-backs below the scope (none in a round without call-backs: one cheap
    query); a district's figures are the sums of its units' (verified, confirmed, discrepancy over them all).
    """
    grouped = (
        Verification.objects.filter(round=round).filter(subtree_q(scope_path, "unit__path"))
        .values("unit__path", "result").annotate(n=Count("id")).values_list("unit__path", "result", "n")
    )  # fmt: skip
    pooled = defaultdict(Checked)
    for path, result, count in grouped:
        for unit_id in ids_of(path):
            if unit_ids is None or unit_id in unit_ids:
                pooled[unit_id].add(result, count)
    return dict(pooled)
