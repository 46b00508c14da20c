"""Forms of the assessment pages: only input checking; the work is in ``assessment.services``."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.components import KINDS, components_parse, default_components
from surveys.models import Round
from units.models import Unit, UnitKind
from units.permissions import Action, can


def _field_name(kind: str, param: str) -> str:
    return f"{kind}__{param}"


class SchemeForm(forms.Form):
    """A scheme: its name, scope and peers, rounds, and one on/off switch and parameters per kind of component.

    The fields follow ``components.KINDS``: a kind registered later (open-door activities) appears here by itself.
    """

    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    scope = forms.CharField(label=gettext_lazy("Scope (unit code)"), max_length=32)
    level = forms.ChoiceField(label=gettext_lazy("Peers"), choices=UnitKind.choices)
    rounds = forms.CharField(
        label=gettext_lazy("Survey rounds"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Round codes, separated by commas."),
    )

    def __init__(self, data=None, *, user, initial_components=None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.user = user
        current = {c.kind: c for c in (initial_components or default_components())}
        for kind, spec in KINDS.items():
            self.fields[_field_name(kind, "on")] = forms.BooleanField(
                label=spec.label, required=False, initial=kind in current
            )
            for param in spec.params:
                value = current[kind].params.get(param.name) if kind in current else param.default
                self.fields[_field_name(kind, param.name)] = forms.DecimalField(
                    label=param.label, required=False, max_digits=6, decimal_places=2, initial=value
                )

        for field in self.fields.values():
            # Bootstrap's look; the switches stay plain check boxes.
            if not isinstance(field, forms.BooleanField):
                field.widget.attrs.setdefault("class", "form-control form-control-sm")

    def component_rows(self) -> list[tuple]:
        """(switch, parameter fields) per kind, for the template."""
        return [
            (self[_field_name(kind, "on")], [self[_field_name(kind, p.name)] for p in spec.params])
            for kind, spec in KINDS.items()
        ]

    def clean_scope(self) -> Unit:
        code = self.cleaned_data["scope"].strip()
        unit = Unit.objects.filter(code=code).first()
        if unit is None or not can(self.user, Action.MANAGE, unit):
            raise forms.ValidationError(_("No unit %(code)s among the units you manage.") % {"code": code})
        return unit

    def clean_rounds(self) -> list[Round]:
        codes = [c.strip() for c in self.cleaned_data["rounds"].split(",") if c.strip()]
        rounds = {r.code: r for r in Round.objects.visible_to(self.user).filter(code__in=codes)}
        unknown = [c for c in codes if c not in rounds]
        if unknown:
            raise forms.ValidationError(_("Unknown survey rounds: %(codes)s.") % {"codes": ", ".join(unknown)})
        return list(rounds.values())

    def clean(self) -> dict:
        data = super().clean()
        components = []
        for kind, spec in KINDS.items():
            if data.get(_field_name(kind, "on")):
                item = {"kind": kind} | {p.name: data.get(_field_name(kind, p.name)) for p in spec.params}
                components.append({k: ("" if v is None else str(v)) for k, v in item.items()})
        try:
            components_parse(components)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        if not components:
            raise forms.ValidationError(_("Choose at least one component."))
        data["components"] = components
        return data


class PeriodForm(forms.Form):
    first = forms.DateField(label=gettext_lazy("From"), required=False)
    last = forms.DateField(label=gettext_lazy("To"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("first") and data.get("last") and data["first"] > data["last"]:
            raise forms.ValidationError(_("The first day comes after the last."))
        return data


class NoticeTemplateForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Word template (.docx)"))
    office = forms.CharField(label=gettext_lazy("Issuing office"), max_length=100, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".docx"):
            raise forms.ValidationError(_("The template must be a Word file (.docx)."))
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The template is larger than 5 MB."))
        return upload
