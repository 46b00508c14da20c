from django.urls import path

from units import views

app_name = "units"
urlpatterns = [
    path("units/", views.unit_list, name="list"),
    path("units/<str:code>/", views.unit_detail, name="detail"),
]
