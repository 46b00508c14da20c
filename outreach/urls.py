from django.urls import path

from outreach import views

app_name = "outreach"
urlpatterns = [
    path("outreach/contacts/mine/", views.my_contacts, name="mine"),
    path("outreach/contacts/import-template.xlsx", views.import_template, name="import_template"),
    path("units/<str:code>/follow-ups/", views.follow_ups, name="follow_ups"),
    path("units/<str:code>/follow-ups/by-unit/", views.follow_up_by_unit, name="follow_up_coverage"),
    path("units/<str:code>/contacts/", views.contacts, name="contacts"),
    path("units/<str:code>/contacts/new/", views.contact_create, name="contact_create"),
    path("units/<str:code>/contacts/import/", views.contacts_import, name="contacts_import"),
    path("units/<str:code>/visits/", views.coverage, name="coverage"),
    path("units/<str:code>/visits/export.xlsx", views.visits_export, name="visits_export"),
    path("units/<str:code>/visits/rule/", views.visit_rule, name="visit_rule"),
    path("follow-ups/<int:pk>/", views.follow_up_detail, name="follow_up"),
    path("follow-ups/<int:pk>/call/", views.follow_up_call, name="follow_up_call"),
    path("follow-ups/<int:pk>/close/", views.follow_up_close, name="follow_up_close"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/visits/", views.visit_create, name="visit_create"),
]
