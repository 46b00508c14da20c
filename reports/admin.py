from django.contrib import admin

from reports.models import ReportJob


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    """Report jobs are made by their task: the admin only looks (e.g. at a failure's error)."""

    list_display = ["created_at", "user", "round", "scope", "level", "status", "progress", "finished_at"]
    list_filter = ["status", "level"]
    search_fields = ["user__username", "round__code", "scope__code"]
    readonly_fields = [field.name for field in ReportJob._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
