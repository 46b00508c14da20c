"""Units, their tree, leadership groups and the roles users hold on units."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

from units import paths

# Sent inside the move's transaction with the unit's new ``path``: figures pooled by ancestor follow the tree.
unit_moved = Signal()


class UnitKind(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District / county")
    BUREAU = "bureau", _("Bureau")
    TOWN = "town", _("Town / township")
    VILLAGE = "village", _("Village / community")
    SCHOOL = "school", _("School")
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    DEPARTMENT = "department", _("Department")


# Labels accepted for a kind on import (besides the English value itself).
KIND_LABELS = {
    "市": UnitKind.CITY,
    "区": UnitKind.DISTRICT,
    "县": UnitKind.DISTRICT,
    "局": UnitKind.BUREAU,
    "镇": UnitKind.TOWN,
    "乡": UnitKind.TOWN,
    "街道": UnitKind.TOWN,
    "村": UnitKind.VILLAGE,
    "社区": UnitKind.VILLAGE,
    "学校": UnitKind.SCHOOL,
    "幼儿园": UnitKind.KINDERGARTEN,
    "部门": UnitKind.DEPARTMENT,
    "科室": UnitKind.DEPARTMENT,
    "county": UnitKind.DISTRICT,
    "township": UnitKind.TOWN,
    "street": UnitKind.TOWN,
    "community": UnitKind.VILLAGE,
}


def parse_kind(label: str) -> str | None:
    """The kind for an import label (Chinese or English), or None if unknown."""
    text = str(label).strip()
    if text.lower() in UnitKind.values:
        return text.lower()
    return KIND_LABELS.get(text) or KIND_LABELS.get(text.lower())


class UnitQuerySet(models.QuerySet):
    def under(self, unit: "Unit") -> "UnitQuerySet":
        """The unit and everything below it: one indexed prefix match."""
        return self.filter(paths.subtree_q(unit.path))


class Unit(models.Model):
    """An organisation that is surveyed or that owns surveyed units.

    ``path`` is a materialised path of primary keys (``/1/7/42/``, see
    ``units.paths``) so that a subtree is a single ``LIKE 'prefix%'`` on an
    index, at any size.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    order = models.IntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        """Primary keys from the root down to the parent."""
        return paths.ancestors_of(self.path)

    def ancestors(self) -> UnitQuerySet:
        return Unit.objects.filter(pk__in=self.ancestor_ids).order_by("depth")

    def is_within(self, other: "Unit") -> bool:
        return paths.is_under(self.path, other.path)

    def clean(self) -> None:
        if self.pk and self.parent_id and paths.is_under(self.parent.path, self.path):
            raise ValidationError({"parent": _("A unit cannot be placed under itself or its own descendants.")})

    def save(self, *args, **kwargs) -> None:
        # The path depends on the primary key, so a new unit is saved twice.
        with transaction.atomic():
            if self.pk is None:
                super().save(*args, **kwargs)
                kwargs.pop("force_insert", None)
            old_path = self.path
            self.path = self._computed_path()
            self.depth = paths.depth(self.path)
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                self._move_descendants(old_path)
                unit_moved.send(sender=Unit, unit=self, path=self.path)

    def _computed_path(self) -> str:
        return paths.path_of(self.parent.path if self.parent_id else None, self.pk)

    def _move_descendants(self, old_path: str) -> None:
        shift = self.depth - paths.depth(old_path)
        descendants = Unit.objects.filter(paths.subtree_q(old_path)).exclude(pk=self.pk)
        descendants.update(path=paths.moved(old_path, self.path), depth=models.F("depth") + shift)


class RoleKind(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    STAFF = "staff", _("Staff")
    LEADER = "leader", _("Leader")


class PeerDisclosure(models.TextChoices):
    """How a round shows a unit's leaders the peers that lie outside their subtrees (``units.permissions``)."""

    NONE = "none", _("Not shown")
    ANONYMOUS = "anonymous", _("Shown anonymised (other unit A, B, …)")
    NAMED = "named", _("Shown by name")


class Role(models.Model):
    """A user's role on a unit; it covers the unit's whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="manyi_roles"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(_("role"), max_length=8, choices=RoleKind.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "kind"], name="unique_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.unit}"


class LeadershipGroup(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("name"), max_length=100)
    purpose = models.TextField(_("purpose"), blank=True)
    set_up_on = models.DateField(_("set up on"), null=True, blank=True)

    class Meta:
        verbose_name = _("leadership group")
        verbose_name_plural = _("leadership groups")
        ordering = ["unit", "id"]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    # Order matters: rosters print the roles in this order, then the office.
    LEADER = "leader", _("Leader (组长)")
    EXECUTIVE_DEPUTY = "executive_deputy", _("Executive deputy (常务副组长)")
    DEPUTY = "deputy", _("Deputy (副组长)")
    MEMBER = "member", _("Member (成员)")
    OFFICE_DIRECTOR = "office_director", _("Office director (办公室主任)")
    OFFICE_DEPUTY = "office_deputy", _("Office deputy (办公室副主任)")


ROLE_ORDER = {value: index for index, value in enumerate(MemberRole.values)}
OFFICE_ROLES = {MemberRole.OFFICE_DIRECTOR, MemberRole.OFFICE_DEPUTY}


class GroupMember(models.Model):
    """A person or a member department of a leadership group, with a role and a responsibility."""

    group = models.ForeignKey(
        LeadershipGroup, verbose_name=_("leadership group"), on_delete=models.CASCADE, related_name="members"
    )
    role = models.CharField(_("role"), max_length=16, choices=MemberRole.choices)
    person_name = models.CharField(_("name"), max_length=50, blank=True)
    position = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user account"), null=True, blank=True, on_delete=models.SET_NULL
    )
    department = models.ForeignKey(
        Unit,
        verbose_name=_("member department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="group_memberships",
    )
    responsibility = models.TextField(_("responsibility"), blank=True)
    covered_units = models.ManyToManyField(
        Unit, verbose_name=_("units covered"), blank=True, related_name="responsible_members"
    )
    order = models.IntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        ordering = ["group", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group"], condition=Q(role="leader"), name="one_leader_per_group"),
            models.CheckConstraint(
                condition=~Q(person_name="") | Q(department__isnull=False), name="member_is_person_or_department"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.person_name:
            return self.person_name
        return self.department.name if self.department_id else ""


class PhoneExport(models.Model):
    """A workbook that carried phone numbers whole out of Manyi: who, when, what (personal data, PIPL).

    Written by ``units.disclosures.PhonesShown`` at the end of each export that may hold phones;
    superusers read the log in the admin. Masked numbers are not logged: they disclose nothing.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    export = models.CharField(_("export"), max_length=40)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")  # fmt: skip
    phones = models.PositiveIntegerField(_("whole phone numbers"))

    class Meta:
        verbose_name = _("export of phone numbers")
        verbose_name_plural = _("exports of phone numbers")
        ordering = ["-at", "-id"]
