from django.contrib import admin

from outreach.models import FollowUp, Household, VisitRule


@admin.register(VisitRule)
class VisitRuleAdmin(admin.ModelAdmin):
    list_display = ["unit", "cadre_quota", "staff_quota", "period", "key_period"]
    raw_id_fields = ["unit"]
    search_fields = ["unit__code", "unit__name"]


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "kind", "assigned_to", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "guardian", "unit__code", "unit__name"]
    raw_id_fields = ["unit", "assigned_to"]


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["pk", "unit", "round", "status", "opened_at", "closed_on"]
    list_filter = ["status"]
    raw_id_fields = ["unit", "questionnaire", "round", "closed_by"]
