"""The parameters of a ranking and of a unit page, checked against the round's outline (``surveys.outline``).

Whether the user may see the scope at all is decided before these forms, in
the views, through ``units.permissions`` (404 on pages, 403 in the API); these
forms only say whether a visible unit makes sense as a scope, which level and
which sort exist.
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.ranking import OVERALL, sort_keys_of
from reports.scopes import SEARCH_MAX_LENGTH
from surveys.figures import UnitInfo
from surveys.models import Round
from surveys.outline import round_outline
from units.models import UnitKind
from units.permissions import Action, can, top_units, visible_units


def kind_label(kind: str) -> str:
    return str(UnitKind(kind).label) if kind in UnitKind.values else kind


class RankingForm(forms.Form):
    scope = forms.CharField(label=gettext_lazy("Scope"), required=False, max_length=32)
    level = forms.CharField(label=gettext_lazy("Peers"), required=False, max_length=16)
    sort = forms.CharField(label=gettext_lazy("Sort by"), required=False, max_length=32)

    def __init__(self, data, *, round: Round, user) -> None:
        """``user`` None: every unit may be chosen (the export command, run by whoever runs the server)."""
        super().__init__(data)
        self.outline = round_outline(round)
        self.indicators = round.ordered_indicators()
        self.user = user
        self.levels: list[str] = []

    def _visible(self, unit: UnitInfo) -> bool:
        return self.user is None or can(self.user, Action.VIEW, unit)

    def clean_scope(self) -> UnitInfo:
        """The scope asked for, found by code in the outline (one lookup, whatever the round's size)."""
        code = self.cleaned_data["scope"]
        if not code:
            return self._default_scope()
        scope = self.outline.scope(code)
        if scope is None or not self._visible(scope):
            raise forms.ValidationError(
                _("No unit of this round lies below %(code)s: choose a unit above the units that take part.")
                % {"code": code}
            )
        return scope

    def _default_scope(self) -> UnitInfo:
        """The top of the user's subtree, or else the highest unit of theirs with units of the round below it."""
        if self.user is None:
            tops = []
        else:
            tops = [scope for unit in top_units(self.user) if (scope := self.outline.unit(unit.id)) is not None]
        if tops:
            return min(tops, key=lambda unit: unit.path)
        # Only when no top of the user's is a scope (e.g. an inactive root): the first scope they may see.
        default = next((unit for unit in self.outline.scopes if self._visible(unit)), None)
        if default is None:
            raise forms.ValidationError(_("No unit of yours has units of this round below it."), code="nothing")
        return default

    def clean(self) -> dict:
        data = super().clean()
        scope = data.get("scope")
        if scope is None:
            return data
        self.levels = self.outline.levels(scope)
        data["level"] = data.get("level") or self.levels[0]
        if data["level"] not in self.levels:
            self.add_error("level", self._level_error(data["level"]))
        keys = sort_keys_of(self.indicators)
        data["sort"] = data.get("sort") or OVERALL
        if data["sort"] not in keys:
            self.add_error(
                "sort",
                _("Unknown sort “%(sort)s”: use one of %(keys)s.") % {"sort": data["sort"], "keys": ", ".join(keys)},
            )
        return data

    def _level_error(self, level: str) -> str:
        choices = ", ".join(f"{kind} ({kind_label(kind)})" for kind in self.levels)
        if level not in UnitKind.values:
            return _("Unknown unit kind “%(level)s”: use one of %(choices)s.") % {"level": level, "choices": choices}
        return _("No %(kind)s of this round lies below the scope: use one of %(choices)s.") % {
            "kind": kind_label(level),
            "choices": choices,
        }

    def level_choices(self) -> list[tuple[str, str]]:
        return [(kind, kind_label(kind)) for kind in self.levels]


class UnitPageForm(forms.Form):
    """The scope a unit is ranked in: one of its ancestors that the user may see (default: its parent)."""

    scope = forms.CharField(label=gettext_lazy("Scope"), required=False, max_length=32)

    def __init__(self, data, *, round: Round, unit: UnitInfo, user) -> None:
        super().__init__(data)
        # Every unit above a unit of the round is a scope of the outline: its ancestors, read by key.
        self.scopes = visible_units(user, Action.VIEW, round_outline(round).ancestors(unit))

    def clean_scope(self) -> UnitInfo | None:
        code = self.cleaned_data["scope"]
        if not code:
            return self.scopes[-1] if self.scopes else None
        scope = next((unit for unit in self.scopes if unit.code == code), None)
        if scope is None:
            raise forms.ValidationError(
                _("%(code)s is not above this unit: choose one of its ancestors.") % {"code": code}
            )
        return scope


class ScopeSearchForm(forms.Form):
    """The picker's search: the text, and the level and sort that the links to the matches keep."""

    q = forms.CharField(label=gettext_lazy("Find a unit"), required=False, max_length=SEARCH_MAX_LENGTH)
    level = forms.CharField(required=False, max_length=16)
    sort = forms.CharField(required=False, max_length=32)


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    """Errors by field name, for the API and the page's message."""
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}
