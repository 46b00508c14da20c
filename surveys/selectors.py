"""Reads for the entry pages: what of a round a user may see or change, in a fixed number of queries."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from surveys.models import (
    ChangeAction,
    Channel,
    Indicator,
    Option,
    Questionnaire,
    RespondentType,
    ResultChange,
    Round,
)
from units.models import Unit
from units.paths import subtree_q
from units.permissions import Action, filter_by_unit, phone_shown, units_for


def round_units(round: Round, user, action: Action) -> QuerySet[Unit]:
    """The round's participating units on which ``user`` may do ``action``, in tree order."""
    return units_for(user, action).filter(participations__round=round).order_by("path")


def round_questionnaires(round: Round, user) -> QuerySet[Questionnaire]:
    """Questionnaires of the round that the user may see, newest first, with what a list shows."""
    questionnaires = Questionnaire.objects.filter(round=round).select_related("unit", "created_by")
    return filter_by_unit(questionnaires, user, Action.VIEW).prefetch_related("answers").order_by("-id")


def add_picks(questionnaires: Iterable[Questionnaire], indicators: list[Indicator], scale_id: int) -> None:
    """Set ``picks`` on each questionnaire (answers prefetched): the option number per indicator, None if unanswered."""
    numbers = dict(Option.objects.filter(scale_id=scale_id).values_list("id", "number"))
    for questionnaire in questionnaires:
        given = {a.indicator_id: numbers.get(a.option_id) for a in questionnaire.answers.all()}
        questionnaire.picks = [given.get(indicator.id) for indicator in indicators]


def round_changes(round: Round, user, unit: Unit | None = None) -> QuerySet[ResultChange]:
    """The history of the round's results within the user's MANAGE scope (or one unit's subtree).

    Changes of the round itself (opened, closed, reopened) have no unit: they are shown with the
    whole round, not with one unit.
    """
    changes = ResultChange.objects.filter(round=round).select_related("unit", "user")
    if unit is not None:
        return changes.filter(subtree_q(unit.path, "unit__path"))
    in_scope = filter_by_unit(changes, user, Action.MANAGE)
    return (in_scope | changes.filter(unit__isnull=True)).order_by("-at", "-id")


# ---------------------------------------------------------------- history in words

SNAPSHOT_FIELDS = ["unit", "respondent_type", "channel", "date", "number", "phone"]


@dataclass
class ChangeDetail:
    """A change to results in readable lines: ``(label, before, after)``; before or after may be empty."""

    lines: list[tuple[str, str, str]] = field(default_factory=list)
    reason: str = ""


class ChangeDescriber:
    """Turns the JSON detail of ``ResultChange`` rows into readable lines, for one round.

    The names it needs (indicators, options, units) are read once for a whole page of changes.
    """

    def __init__(self, round: Round, changes: list[ResultChange], user) -> None:
        self.user = user
        self.indicators = {i.code: i.label() for i in round.ordered_indicators()}
        self.options = {str(o.number): f"{o.number} {o.label()}" for o in Option.objects.filter(scale=round.scale_id)}
        codes = {
            snapshot.get("unit")
            for change in changes
            for snapshot in (change.detail.get("before") or {}, change.detail.get("after") or {})
        }
        # A questionnaire moved from or to a unit outside the user's scope must not reveal that unit.
        visible = list(units_for(user, Action.VIEW).filter(code__in=codes - {None}))
        self.units = {unit.code: unit for unit in visible}
        self.choices = {"respondent_type": dict(RespondentType.choices), "channel": dict(Channel.choices)}

    def describe(self, change: ResultChange) -> ChangeDetail:
        detail = change.detail or {}
        if change.action == ChangeAction.COUNTS:
            return ChangeDetail(lines=self._count_lines(detail.get("changes") or {}))
        if change.action in (ChangeAction.CREATED, ChangeAction.EDITED, ChangeAction.DELETED):
            return ChangeDetail(lines=self._questionnaire_lines(detail.get("before") or {}, detail.get("after") or {}))
        return ChangeDetail(reason=detail.get("reason", ""), lines=self._other_lines(detail))

    def _count_lines(self, changes: dict) -> list[tuple[str, str, str]]:
        lines = []
        for key, (old, new) in sorted(changes.items()):
            indicator, _slash, number = key.partition("/")
            label = f"{self.indicators.get(indicator, indicator)} / {self.options.get(number, number)}"
            lines.append((label, str(old), str(new)))
        return lines

    def _questionnaire_lines(self, before: dict, after: dict) -> list[tuple[str, str, str]]:
        lines = []
        for name in SNAPSHOT_FIELDS:
            old, new = self._value(name, before), self._value(name, after)
            # A new or deleted questionnaire shows every field it had; an edit only what changed.
            if (old or new) and (old != new or not (before and after)):
                lines.append((str(Questionnaire._meta.get_field(name).verbose_name), old, new))
        old_answers, new_answers = before.get("answers") or {}, after.get("answers") or {}
        for code, label in self.indicators.items():
            old, new = self._option(old_answers.get(code)), self._option(new_answers.get(code))
            if old != new:
                lines.append((label, old, new))
        return lines

    def _option(self, number) -> str:
        return self.options.get(str(number), str(number)) if number else ""

    def _value(self, name: str, snapshot: dict) -> str:
        value = str(snapshot.get(name) or "")
        if name == "unit" and value:
            return f"{self.units[value].name} ({value})" if value in self.units else _("a unit outside your scope")
        if name == "phone":
            # The phone belongs to the snapshot's unit: whole only for that unit's administrators.
            return phone_shown(self.user, self.units.get(snapshot.get("unit")), value) if value else ""
        return str(self.choices.get(name, {}).get(value, value))

    def _other_lines(self, detail: dict) -> list[tuple[str, str, str]]:
        return [(str(key), "", str(value)) for key, value in detail.items() if key != "reason" and value]
