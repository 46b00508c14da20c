from django.urls import path

from ledger import views

app_name = "ledger"
urlpatterns = [
    path("ledger/", views.index, name="index"),
    path("ledger/mine/", views.my_concerns, name="mine"),
    path("ledger/import-template.xlsx", views.import_template, name="import_template"),
    path("ledger/reminders/<int:pk>/dismiss/", views.reminder_dismiss, name="dismiss_reminder"),
    path("units/<str:code>/ledger/", views.unit_ledger, name="unit"),
    path("units/<str:code>/ledger/new/", views.concern_create, name="create"),
    path("units/<str:code>/ledger/summary/", views.summary, name="summary"),
    path("units/<str:code>/ledger/export.xlsx", views.ledger_export, name="export"),
    path("units/<str:code>/ledger/import/", views.ledger_import, name="import"),
    path("concerns/<int:pk>/", views.concern_detail, name="concern"),
    path("concerns/<int:pk>/edit/", views.concern_edit, name="edit"),
    path("concerns/<int:pk>/<slug:step>/", views.concern_step, name="step"),
]
