from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from units.permissions import public

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", public(auth_views.LoginView.as_view()), name="login"),
    path("logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path("i18n/setlang/", public(set_language), name="set_language"),
    # One's own password: signed-in only, no unit involved (Django's views require the sign-in).
    path(
        "password/",
        public(auth_views.PasswordChangeView.as_view(template_name="registration/password_change.html")),
        name="password_change",
    ),
    path(
        "password/done/",
        public(auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html")),
        name="password_change_done",
    ),
    path("", include("dashboard.urls")),
    path("", include("units.urls")),
    path("", include("surveys.urls")),
    path("", include("reports.urls")),
    path("", include("ledger.urls")),
    path("", include("outreach.urls")),
    path("", include("opendoor.urls")),
    path("", include("workdays.urls")),
    path("", include("imports.urls")),
    path("", include("respond.urls")),
    path("", include("assessment.urls")),
    path("", include("sampling.urls")),
]

if settings.MANYI_BENCH_BASELINE:  # the load benchmark's baseline (bench/baseline_view.py), never in production
    from bench import baseline_view

    urlpatterns.append(path("bench/s/<str:token>/", baseline_view.answer, name="bench_baseline"))
