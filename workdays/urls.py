from django.urls import path

from workdays import views

app_name = "workdays"
urlpatterns = [
    path("working-days/", views.calendar_days, name="days"),
    path("working-days/<int:pk>/delete/", views.calendar_day_delete, name="delete"),
]
