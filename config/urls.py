from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from units.views import home

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(template_name="registration/password_change.html"),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", home, name="home"),
    path("", include("units.urls")),
    path("", include("surveys.urls")),
    path("", include("reports.urls")),
    path("", include("ledger.urls")),
    path("", include("outreach.urls")),
    path("", include("imports.urls")),
]
