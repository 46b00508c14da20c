"""Forms of the entry pages. They only clean input; the services decide and write."""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from surveys.engine import Counts, percent, rate
from surveys.models import Category, Channel, Indicator, Option, Questionnaire, RespondentType, RoundStatus
from surveys.services import QuestionnaireData, questionnaire_problems
from units.models import PeerDisclosure, Unit
from units.permissions import mask_phone
from units.phones import PhoneField

MAX_COUNT = 2_147_483_647  # the largest value the count column holds


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: next to the field it names, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit: Unit) -> str:
        return f"{unit.code} · {unit.name}"


class BootstrapMixin:
    """Bootstrap classes on every widget, so that templates can render fields as they are."""

    def style_fields(self) -> None:
        for bound in self.visible_fields():
            widget = bound.field.widget
            if isinstance(widget, forms.RadioSelect):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field, error) -> None:
        super().add_error(field, error)
        # Bootstrap shows a field in error in red.
        for name in self.errors:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is None or isinstance(widget, forms.RadioSelect):
                continue
            classes = widget.attrs.get("class", "").split()
            if "is-invalid" not in classes:
                widget.attrs["class"] = " ".join([*classes, "is-invalid"])

    def focus(self, name: str) -> None:
        """Put the cursor on ``name`` when the page opens, or on the first field in error."""
        name = next((n for n in self.fields if n in self.errors), name)
        self.fields[name].widget.attrs["autofocus"] = True


def next_number(number: str) -> str:
    """The number of the next paper form of a stack: the trailing digits plus one, their width kept
    (A-009 -> A-010, 99 -> 100); "" when the number does not end in digits (nothing to guess)."""
    match = re.search(r"(\d+)$", number)
    if not match:
        return ""
    digits = match.group(1)
    return number[: match.start()] + str(int(digits) + 1).zfill(len(digits))


class QuestionnaireForm(BootstrapMixin, forms.Form):
    """One questionnaire: who answered, how, when, and one answer (or none) per indicator of the round.

    An answer is typed as the option's number (1, 2, ...); an empty value leaves the indicator unanswered.
    """

    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    respondent_type = forms.ChoiceField(label=_("Respondent type"), choices=RespondentType.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    number = forms.CharField(label=_("Questionnaire number"), max_length=40, required=False)
    phone = PhoneField(label=_("Phone"), required=False)

    def __init__(
        self, *args, units, indicators: list[Indicator], options: list[Option], hidden_phone: str = "", **kwargs
    ) -> None:
        """``hidden_phone``: the stored number of a questionnaire whose phone the user may not read. The
        field shows it masked; the mask posted back keeps the stored number, anything else replaces it."""
        super().__init__(*args, **kwargs)
        if hidden_phone:
            self.initial["phone"] = mask_phone(hidden_phone)
            self.fields["phone"].kept = hidden_phone
        self.fields["unit"].queryset = units
        self.indicators = indicators
        self.option_ids = {o.number: o.id for o in options}
        choices = [("", format_lazy("0 {}", _("No answer")))] + [(o.number, f"{o.number} {o.label()}") for o in options]
        for indicator in indicators:
            self.fields[self.answer_name(indicator)] = forms.TypedChoiceField(
                label=indicator.label(),
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
            )
        self.fields["unit"].widget.attrs["data-search-label"] = _("Search units by code or name")
        self.fields["number"].widget.attrs["autocomplete"] = "off"
        self.fields["phone"].widget.attrs.update({"autocomplete": "off", "inputmode": "tel"})
        self.style_fields()

    def skip_number_and_phone(self) -> None:
        """The cursor starts on the first answer and Tab passes the number and phone boxes (a click still
        reaches them)."""
        for name in ("number", "phone"):
            self.fields[name].widget.attrs["tabindex"] = "-1"
        self.focus(self.answer_name(self.indicators[0]))

    @staticmethod
    def answer_name(indicator: Indicator) -> str:
        return f"answer_{indicator.id}"

    @classmethod
    def initial_from(cls, questionnaire: Questionnaire) -> dict:
        initial = {name: getattr(questionnaire, name) for name in ("respondent_type", "channel", "date", "number")}
        initial.update(unit=questionnaire.unit_id, phone=questionnaire.phone)
        for indicator_id, number in questionnaire.answers.values_list("indicator_id", "option__number"):
            initial[f"answer_{indicator_id}"] = number
        return initial

    def answer_fields(self) -> list[forms.BoundField]:
        return [self[self.answer_name(indicator)] for indicator in self.indicators]

    def clean_number(self) -> str:
        # Full-width characters typed with a Chinese input method become their plain forms (Ａ１ -> A1).
        return unicodedata.normalize("NFKC", self.cleaned_data["number"]).strip()

    def clean_answers(self) -> dict[int, int] | None:
        """Indicator id -> option id of the answers given, or None while an answer field is in error."""
        if any(self.answer_name(indicator) in self.errors for indicator in self.indicators):
            return None
        data = self.cleaned_data
        return {
            indicator.id: self.option_ids[data[self.answer_name(indicator)]]
            for indicator in self.indicators
            if data.get(self.answer_name(indicator)) is not None
        }

    def add_problems_of_clean_fields(self, round, exclude_id: int | None = None) -> None:
        """The form's own errors stop it before the service's checks: run those on the fields that are clean,
        so that a clerk sees every mistake of the paper form at once, not one per save."""
        data = self.cleaned_data
        problems = questionnaire_problems(
            round=round,
            date=data.get("date"),
            number=data.get("number", ""),
            phone=data.get("phone", ""),
            answers=self.clean_answers(),
            exclude_id=exclude_id,
        )
        for name, message in problems.items():
            if name not in self.errors:
                self.add_error(name if name in self.fields else None, message)

    def to_data(self) -> QuestionnaireData:
        data = self.cleaned_data
        answers = self.clean_answers()
        return QuestionnaireData(
            unit=data["unit"],
            respondent_type=data["respondent_type"],
            channel=data["channel"],
            date=data["date"],
            number=data["number"],
            phone=data["phone"],
            answers=answers,
        )


class QuestionnaireFilterForm(BootstrapMixin, forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units"))
    number = forms.CharField(label=_("Questionnaire number"), max_length=40, required=False)
    date = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, units, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.style_fields()

    def filter(self, questionnaires):
        """The questionnaires matching the valid filters (an invalid filter is ignored and shown in error)."""
        if not self.is_bound:
            return questionnaires
        self.is_valid()
        data = self.cleaned_data
        if data.get("unit"):
            questionnaires = questionnaires.filter(unit=data["unit"])
        if data.get("number"):
            questionnaires = questionnaires.filter(number__icontains=data["number"].strip())
        if data.get("date"):
            questionnaires = questionnaires.filter(date=data["date"])
        return questionnaires


class RoundStatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(RoundStatus.OPEN, _("Open")), (RoundStatus.CLOSED, _("Closed"))])
    reason = forms.CharField(
        label=_("Reason for reopening"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RoundPeersForm(forms.Form):
    peer_disclosure = forms.ChoiceField(label=_("Peers shown to each unit's leaders"), choices=PeerDisclosure.choices)


def parse_count(text: str | None) -> int | None:
    """A typed cell as a count: empty is 0; None unless it is a whole number from 0 to MAX_COUNT."""
    text = (text or "").strip()
    if not text:
        return 0
    return int(text) if text.isdecimal() and int(text) <= MAX_COUNT else None


@dataclass(frozen=True)
class GridFigures:
    """Total and rate of a row of the counts grid, or of all rows pooled; no figures while a cell is not a count."""

    total: int | None
    rate: Fraction | None

    @classmethod
    def of(cls, values: list[tuple[Option, int | None]]) -> "GridFigures":
        if any(count is None for _, count in values):
            return cls(None, None)
        return cls(sum(count for _, count in values), rate(category_counts(values)))

    @property
    def percent(self) -> Decimal | None:
        return percent(self.rate)

    @property
    def total_text(self) -> str:
        return "—" if self.total is None else str(self.total)

    @property
    def rate_text(self) -> str:
        if self.total is None:
            return "—"
        value = self.percent
        return str(_("no data")) if value is None else f"{value} %"


@dataclass
class GridRow:
    indicator: Indicator
    cells: list[forms.BoundField]
    figures: GridFigures


class CountsForm(BootstrapMixin, forms.Form):
    """A unit's reported counts: one whole number of 0 or more per indicator x option (empty means 0).

    Cells are text fields so that a bad cell ("-1", "2.5", "abc") is named in the message rather than
    silently refused by the browser.
    """

    def __init__(self, *args, indicators: list[Indicator], options: list[Option], saved: dict, **kwargs) -> None:
        super().__init__(*args, initial={self.cell_name(i, o): n for (i, o), n in saved.items()}, **kwargs)
        self.indicators, self.options, self.saved = indicators, options, saved
        for indicator in indicators:
            for option in options:
                label = f"{indicator.label()} / {option.label()}"
                self.fields[self.cell_name(indicator.id, option.id)] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=12,
                    widget=forms.TextInput(
                        attrs={
                            "aria-label": label,
                            "inputmode": "numeric",
                            "class": "form-control form-control-sm num",
                            "data-category": option.category,
                            "autocomplete": "off",
                        }
                    ),
                )

    @staticmethod
    def cell_name(indicator_id: int, option_id: int) -> str:
        return f"count_{indicator_id}_{option_id}"

    def clean(self) -> dict:
        bad = []
        for name, field in self.fields.items():
            if parse_count(self.data.get(self.add_prefix(name))) is None:
                bad.append(f"{field.label} (“{self.data[self.add_prefix(name)].strip()}”)")
                self.add_error(name, _("Not a whole number of 0 or more."))
        if bad:
            raise ValidationError(
                _("Counts must be whole numbers of 0 or more. Correct these cells: %(cells)s.")
                % {"cells": "; ".join(bad)}
            )
        return self.cleaned_data

    def counts(self) -> dict[tuple[int, int], int]:
        """(indicator id, option id) -> count, for every cell (empty cells are 0)."""
        return {
            (indicator.id, option.id): int(self.cleaned_data.get(self.cell_name(indicator.id, option.id)) or 0)
            for indicator in self.indicators
            for option in self.options
        }

    def rows(self) -> list[GridRow]:
        """The grid with the totals and rates of what it shows: the counts typed when bound, else the saved ones."""
        return [
            GridRow(
                indicator,
                [self[self.cell_name(indicator.id, option.id)] for option in self.options],
                GridFigures.of(self._values([indicator])),
            )
            for indicator in self.indicators
        ]

    def overall(self) -> GridFigures:
        """Total votes and rate of all indicators pooled."""
        return GridFigures.of(self._values(self.indicators))

    def _values(self, indicators: list[Indicator]) -> list[tuple[Option, int | None]]:
        return [(option, self._value(i.id, option.id)) for i in indicators for option in self.options]

    def _value(self, indicator_id: int, option_id: int) -> int | None:
        if not self.is_bound:
            return self.saved.get((indicator_id, option_id), 0)
        return parse_count(self.data.get(self.add_prefix(self.cell_name(indicator_id, option_id))))


def category_counts(values: list[tuple[Option, int]]) -> Counts:
    by_category = dict.fromkeys(Category.values, 0)
    for option, count in values:
        by_category[option.category] += count
    return Counts(
        by_category[Category.SATISFIED],
        by_category[Category.BASIC],
        by_category[Category.DISSATISFIED],
        by_category[Category.EXCLUDED],
    )
