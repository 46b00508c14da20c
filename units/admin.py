from django.contrib import admin

from units.models import GroupMember, LeadershipGroup, PhoneExport, Role, Unit
from units.permissions import is_superuser


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that change only through their own workflow, or never (trails, logs): shown, not edited."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "path_names", "order", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]

    @admin.display(description="path")
    def path_names(self, unit: Unit) -> str:
        return " > ".join(a.name for a in unit.ancestors())


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "unit"]
    list_filter = ["kind"]
    search_fields = ["user__username", "unit__code", "unit__name"]
    raw_id_fields = ["unit"]


class GroupMemberInline(admin.TabularInline):
    model = GroupMember
    fk_name = "group"
    raw_id_fields = ["department", "user", "covered_units"]
    extra = 0


@admin.register(LeadershipGroup)
class LeadershipGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "set_up_on"]
    search_fields = ["name", "unit__name", "unit__code"]
    raw_id_fields = ["unit"]
    inlines = [GroupMemberInline]


@admin.register(PhoneExport)
class PhoneExportAdmin(ReadOnlyAdmin):
    """The log of exports with whole phone numbers: read-only, and for superusers only."""

    list_display = ["at", "user", "export", "unit", "phones"]
    list_filter = ["export"]
    search_fields = ["user__username", "unit__code", "unit__name"]
    date_hierarchy = "at"

    def has_module_permission(self, request) -> bool:
        return is_superuser(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_superuser(request.user)
