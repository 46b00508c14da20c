from django.urls import path

from sampling import views

app_name = "sampling"
urlpatterns = [
    path("rounds/<str:code>/plan/", views.plan, name="plan"),
    path("rounds/<str:code>/plan/settings/", views.plan_settings, name="plan_settings"),
    path("rounds/<str:code>/plan/population/", views.population_set, name="population_set"),
    path("rounds/<str:code>/plan/populations/", views.populations_upload, name="populations_upload"),
    path("rounds/<str:code>/plan/targets/", views.plan_targets, name="plan_targets"),
    path("rounds/<str:code>/calls/", views.call_lists, name="calls"),
    path("rounds/<str:code>/calls/list/", views.call_list_upload, name="call_list_upload"),
    path("rounds/<str:code>/calls/draw/", views.draw, name="draw"),
    path("rounds/<str:code>/calls/assign/", views.assign, name="assign"),
    path("rounds/<str:code>/calls/records/", views.records_upload, name="records"),
    path("rounds/<str:code>/calls/dial/", views.dial, name="dial"),
    path("rounds/<str:code>/calls/dial/<int:pk>/interview/", views.interview, name="interview"),
    path("rounds/<str:code>/verify/", views.verify, name="verify"),
    path("rounds/<str:code>/verify/draw/", views.verify_draw, name="verify_draw"),
]
