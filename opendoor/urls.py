from django.urls import path

from opendoor import views

app_name = "opendoor"
urlpatterns = [
    path("units/<str:code>/open-door/", views.unit_activities, name="unit"),
    path("units/<str:code>/open-door/export.xlsx", views.export, name="export"),
    path("units/<str:code>/open-door/new/", views.activity_create, name="create"),
    path("units/<str:code>/open-door/rules/", views.rules, name="rules"),
    path("open-door/activities/<int:pk>/", views.activity_detail, name="activity"),
    path("open-door/activity-opinions/<int:pk>/concern/", views.opinion_concern, name="opinion_concern"),
    path("open-door/activity-rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
]
