from django.contrib import admin

from ledger.models import CategoryOfConcern, Concern, ConcernStep
from units.admin import ReadOnlyAdmin


@admin.register(CategoryOfConcern)
class CategoryOfConcernAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "default_days", "indicator", "order", "active"]
    list_editable = ["default_days", "order", "active"]
    search_fields = ["code", "name", "name_en"]


class ConcernStepInline(admin.TabularInline):
    model = ConcernStep
    fields = ["at", "by", "kind", "from_status", "to_status", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Concern)
class ConcernAdmin(ReadOnlyAdmin):
    """Read-only: concerns change only through the workflow, which keeps their history."""

    list_display = ["pk", "unit", "category", "status", "received_on", "deadline", "closed_on"]
    list_filter = ["status", "category", "source"]
    search_fields = ["unit__code", "unit__name", "text", "raiser_name"]
    inlines = [ConcernStepInline]
