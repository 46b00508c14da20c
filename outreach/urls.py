from django.urls import path

from outreach import views

app_name = "outreach"
urlpatterns = [
    path("outreach/households/mine/", views.my_households, name="mine"),
    path("outreach/households/import-template.xlsx", views.import_template, name="import_template"),
    path("units/<str:code>/follow-ups/", views.follow_ups, name="follow_ups"),
    path("units/<str:code>/follow-ups/by-unit/", views.follow_up_by_unit, name="follow_up_coverage"),
    path("units/<str:code>/households/", views.households, name="households"),
    path("units/<str:code>/households/new/", views.household_create, name="household_create"),
    path("units/<str:code>/households/import/", views.households_import, name="households_import"),
    path("units/<str:code>/visits/", views.coverage, name="coverage"),
    path("units/<str:code>/visits/export.xlsx", views.visits_export, name="visits_export"),
    path("units/<str:code>/visits/rule/", views.visit_rule, name="visit_rule"),
    path("follow-ups/<int:pk>/", views.follow_up_detail, name="follow_up"),
    path("follow-ups/<int:pk>/call/", views.follow_up_call, name="follow_up_call"),
    path("follow-ups/<int:pk>/close/", views.follow_up_close, name="follow_up_close"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/visits/", views.visit_create, name="visit_create"),
]
