from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("rankings/", views.index, name="index"),
    path("rounds/<str:code>/ranking/", views.ranking, name="ranking"),
    path("rounds/<str:code>/ranking/export/", views.export, name="export"),
    path("rounds/<str:code>/ranking/scopes/", views.scope_search_page, name="scopes"),
    path("rounds/<str:code>/ranking/units/<str:unit_code>/", views.unit_page, name="unit"),
    path("api/rounds/<str:code>/ranking", views.api_ranking, name="api_ranking"),
    path("api/rounds/<str:code>/units/<str:unit_code>", views.api_unit, name="api_unit"),
    path("reports/", views.report_list, name="list"),
    path("reports/<int:pk>/", views.job, name="job"),
    path("reports/<int:pk>/download/", views.download, name="download"),
]
