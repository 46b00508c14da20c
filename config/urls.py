from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from units.permissions import public
from units.views import home

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", public(auth_views.LoginView.as_view()), name="login"),
    path("logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("", home, name="home"),
    path("", include("units.urls")),
    path("", include("surveys.urls")),
    path("", include("reports.urls")),
    path("", include("ledger.urls")),
    path("", include("outreach.urls")),
    path("", include("imports.urls")),
]
