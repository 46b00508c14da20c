from django.urls import path

from assessment import views

app_name = "assessment"
urlpatterns = [
    path("assessment/", views.index, name="index"),
    path("assessment/schemes/new/", views.scheme_create, name="scheme_create"),
    path("schemes/<int:pk>/edit/", views.scheme_edit, name="scheme_edit"),
    path("schemes/<int:pk>/rounds/<str:code>/", views.scheme_round, name="scheme_round"),
    path("schemes/<int:pk>/rounds/<str:code>/publish/", views.publish, name="publish"),
    path("schemes/<int:pk>/rounds/<str:code>/export.xlsx", views.scheme_export, name="scheme_export"),
    path("units/<str:code>/people/", views.people, name="people"),
    path("units/<str:code>/people/export.xlsx", views.people_export, name="people_export"),
    path("units/<str:code>/notice-template/", views.notice_template, name="notice_template"),
    path("rounds/<str:code>/ranking/notice/", views.notice_create, name="notice_create"),
    path("notices/<int:pk>/", views.notice_job, name="notice_job"),
    path("notices/<int:pk>/download/", views.notice_download, name="notice_download"),
]
