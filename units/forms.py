"""Forms of the units app: they only clean input, scoped to what the user may choose."""

import re

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from spreadsheets.forms import SpreadsheetField
from units.models import GroupMember, LeadershipGroup, MemberRole, Role, RoleKind, Unit
from units.permissions import Action, units_for, users_for
from units.phones import PhoneField
from units.widgets import DateInput

SUGGESTIONS = 300  # codes offered in a <datalist>; more are typed
CODE_SEPARATORS = re.compile(r"[\s,，、;；]+")


class UnitCodeField(forms.CharField):
    """A unit typed by its code, found only among ``units`` (set by the form for its user).

    A code outside them gets the same answer as a code that does not exist, so the
    error never tells that a unit exists elsewhere.
    """

    default_error_messages = {"unknown": _("There is no unit with the code “%(code)s” among the units you may choose.")}

    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=32, **kwargs)
        self.units: QuerySet[Unit] = Unit.objects.none()
        self.widget.attrs["list"] = "unit-codes"

    def clean(self, value: str) -> Unit | None:
        code = super().clean(value)
        if not code:
            return None
        unit = self.units.filter(code=code).first()
        if unit is None:
            raise ValidationError(self.error_messages["unknown"], code="unknown", params={"code": code})
        return unit


class UnitCodesField(forms.CharField):
    """Several unit codes separated by spaces or commas, found only among ``units``."""

    default_error_messages = {"unknown": _("No unit among the units you may choose has these codes: %(codes)s.")}

    def __init__(self, **kwargs) -> None:
        super().__init__(widget=forms.Textarea(attrs={"rows": 2}), **kwargs)
        self.units: QuerySet[Unit] = Unit.objects.none()

    def clean(self, value: str) -> list[Unit]:
        codes = list(dict.fromkeys(c for c in CODE_SEPARATORS.split(super().clean(value) or "") if c))
        found = {u.code: u for u in self.units.filter(code__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise ValidationError(self.error_messages["unknown"], code="unknown", params={"codes": ", ".join(unknown)})
        return [found[c] for c in codes]


def _suggestions(units: QuerySet[Unit]) -> list[Unit]:
    return list(units.only("code", "name").order_by("depth", "path")[:SUGGESTIONS])


class UnitImportForm(forms.Form):
    file = SpreadsheetField()
    dry_run = forms.BooleanField(
        label=_("Check only: report what would change, write nothing"), required=False, initial=False
    )


class LeadershipGroupForm(forms.ModelForm):
    class Meta:
        model = LeadershipGroup
        fields = ["name", "purpose", "set_up_on"]
        widgets = {
            "set_up_on": DateInput(),
            "purpose": forms.Textarea(attrs={"rows": 3}),
        }


class GroupMemberForm(forms.ModelForm):
    """A member of one group; department and covered units come from the group's unit's subtree."""

    department = UnitCodeField(label=_("Member department (unit code)"), required=False)
    covered_units = UnitCodesField(
        label=_("Units covered (codes, separated by spaces or commas)"),
        required=False,
        help_text=_("The units this member is responsible for, e.g. the villages or schools in their charge."),
    )

    phone = PhoneField(label=_("phone"), required=False)

    field_order = ["role", "person_name", "department", "position", "phone", "user", "responsibility", "covered_units"]

    class Meta:
        model = GroupMember
        fields = ["role", "person_name", "position", "phone", "user", "responsibility", "order"]
        widgets = {"responsibility": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"person_name": _("Leave empty when the member is a department.")}

    def __init__(self, *args, group: LeadershipGroup, viewer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.group = group
        subtree = Unit.objects.under(group.unit)
        self.fields["department"].units = subtree
        self.fields["covered_units"].units = subtree
        self.fields["user"].queryset = users_for(viewer, Action.MANAGE).order_by("username")
        self.unit_suggestions = _suggestions(subtree)
        if self.instance.pk:
            self.initial["department"] = self.instance.department.code if self.instance.department_id else ""
            self.initial["covered_units"] = " ".join(u.code for u in self.instance.covered_units.order_by("path"))

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("person_name") and not data.get("department") and "department" not in self.errors:
            self.add_error("person_name", _("Give the person's name, or a member department."))
        if data.get("role") == MemberRole.LEADER:
            others = self.group.members.filter(role=MemberRole.LEADER).exclude(pk=self.instance.pk)
            leader = others.first()
            if leader:
                message = _(
                    "This group already has a leader (组长): %(name)s. A group has at most one leader; "
                    "change that member's role first, or choose another role."
                )
                self.add_error("role", ValidationError(message, params={"name": leader.display_name}))
        return data


class RoleGrantForm(forms.Form):
    kind = forms.ChoiceField(label=_("Role"), choices=RoleKind.choices)
    unit = UnitCodeField(label=_("Unit (code)"))

    def __init__(self, *args, viewer, account=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        managed = units_for(viewer, Action.MANAGE)
        self.fields["unit"].units = managed
        self.unit_suggestions = _suggestions(managed)

    def clean(self) -> dict:
        data = super().clean()
        unit, kind = data.get("unit"), data.get("kind")
        if self.account and unit and Role.objects.filter(user=self.account, unit=unit, kind=kind).exists():
            self.add_error("unit", _("This user already has this role on this unit."))
        return data


class UserCreateForm(UserCreationForm):
    """A new account with its first role on a unit the creating administrator manages."""

    first_name = forms.CharField(label=_("Name"), max_length=150)
    kind = forms.ChoiceField(label=_("Role"), choices=RoleKind.choices)
    unit = UnitCodeField(label=_("Unit (code)"))

    class Meta(UserCreationForm.Meta):
        fields = ["username", "first_name"]

    def __init__(self, *args, viewer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        managed = units_for(viewer, Action.MANAGE)
        self.fields["unit"].units = managed
        self.unit_suggestions = _suggestions(managed)
