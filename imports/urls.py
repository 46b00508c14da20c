from django.urls import path

from imports import views

app_name = "imports"
urlpatterns = [
    path("imports/round/<str:code>/", views.upload, name="upload"),
    path("imports/round/<str:code>/template/", views.template_download, name="template"),
    path("imports/job/<int:pk>/", views.job_detail, name="job"),
    path("imports/job/<int:pk>/progress/", views.job_progress, name="progress"),
    path("imports/job/<int:pk>/errors/", views.error_file_download, name="error_file"),
    path("imports/job/<int:pk>/rerun/", views.job_rerun, name="rerun"),
]
