"""Reads for the staff pages: live progress per unit of the user's subtree, and the public URL of a link.

Progress is a fixed number of queries whatever the number of units: the
participating units in scope, their ancestors in scope, the questionnaires
grouped by unit and respondent type, the held answers grouped by unit.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from respond.models import Status, Submission, SurveyLink
from respond.services import online_setting, unit_targets
from surveys.models import Channel, Questionnaire, RespondentType, Round
from surveys.selectors import round_units
from units.models import Unit
from units.permissions import Action, units_for


def public_url(link: SurveyLink, base: str) -> str:
    return f"{base.rstrip('/')}{reverse('respond:answer', args=[link.token])}"


@dataclass
class ProgressRow:
    unit: Unit
    participating: bool
    level: int  # depth below the user's top unit, for indenting
    total: int = 0
    today: int = 0
    held: int = 0
    target: int = 0
    breakdown: dict[str, int] = field(default_factory=dict)  # "channel:online", "type:parent", ... -> answers
    cells: list[int] = field(default_factory=list)  # breakdown in the order of breakdown_columns

    @property
    def share(self) -> int | None:
        """Percent of the target received."""
        return round(100 * self.total / self.target) if self.target else None

    def add(self, other: "ProgressRow") -> None:
        self.total += other.total
        self.today += other.today
        self.held += other.held
        self.target += other.target
        for key, n in other.breakdown.items():
            self.breakdown[key] = self.breakdown.get(key, 0) + n


def round_progress(round: Round, user) -> list[ProgressRow]:
    """Rows in tree order: every participating unit the user may see and every unit above it in the user's scope."""
    participants = list(round_units(round, user, Action.VIEW))
    targets = unit_targets(online_setting(round), [unit.pk for unit in participants])
    leaves = {u.pk: ProgressRow(unit=u, participating=True, level=0, target=targets[u.pk]) for u in participants}
    today = timezone.localdate()
    counts = (
        Questionnaire.objects.filter(round=round, unit_id__in=list(leaves))
        .values("unit_id", "respondent_type", "channel")
        .annotate(n=Count("id"), today=Count("id", filter=Q(date=today)))
    )
    for row in counts:
        leaf = leaves[row["unit_id"]]
        breakdown = {f"channel:{row['channel']}": row["n"], f"type:{row['respondent_type']}": row["n"]}
        leaf.add(ProgressRow(unit=leaf.unit, participating=True, level=0, total=row["n"], today=row["today"],
                             breakdown=breakdown))  # fmt: skip
    held = Submission.objects.filter(round=round, status=Status.HELD, unit_id__in=list(leaves))
    for unit_id, n in held.values_list("unit_id").annotate(n=Count("id")):
        leaves[unit_id].held = n
    above_ids = {int(p) for unit in participants for p in unit.path.strip("/").split("/")} - set(leaves)
    above = {u.pk: ProgressRow(unit=u, participating=False, level=0) for u in units_for(user, Action.VIEW).filter(pk__in=above_ids)}  # fmt: skip
    for parent in above.values():
        for leaf in leaves.values():
            if leaf.unit.path.startswith(parent.unit.path):
                parent.add(leaf)
    rows = sorted([*above.values(), *leaves.values()], key=lambda r: r.unit.path)
    top_depth = min((r.unit.depth for r in rows), default=0)
    for row in rows:
        row.level = row.unit.depth - top_depth
    return rows


def breakdown_columns(rows: list[ProgressRow]) -> list[str]:
    """Labels of the channels, then the respondent types, that occur (in the order of their choices).

    Sets each row's ``cells`` to its counts in that order.
    """
    choices = [(f"channel:{v}", label) for v, label in Channel.choices]
    choices += [(f"type:{v}", label) for v, label in RespondentType.choices]
    seen = {key for row in rows for key in row.breakdown}
    columns = [(key, label) for key, label in choices if key in seen]
    for row in rows:
        row.cells = [row.breakdown.get(key, 0) for key, _label in columns]
    return [str(label) for _key, label in columns]
