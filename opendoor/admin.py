from django.contrib import admin

from opendoor.models import Activity, ActivityRule, Opinion


@admin.register(ActivityRule)
class ActivityRuleAdmin(admin.ModelAdmin):
    list_display = ["under", "unit_kind", "kind", "schedule", "name", "weekday", "count", "starts_on", "ends_on"]
    list_filter = ["unit_kind", "kind", "schedule"]
    raw_id_fields = ["under"]


class OpinionInline(admin.TabularInline):
    model = Opinion
    raw_id_fields = ["concern"]
    extra = 0


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["held_on", "unit", "kind", "participants", "attended_by"]
    list_filter = ["kind"]
    search_fields = ["unit__code", "unit__name", "summary"]
    date_hierarchy = "held_on"
    raw_id_fields = ["unit"]
    inlines = [OpinionInline]
