from django.urls import path

from dashboard import views

# No app_name: the home page keeps its one-word name ("home") that every other page links to.
urlpatterns = [path("", views.home, name="home")]
