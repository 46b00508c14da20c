from django.urls import path

from respond import staff_views, views

app_name = "respond"
urlpatterns = [
    path("s/<str:token>/", views.answer, name="answer"),
    path("s/<str:token>/code/", views.send_code, name="send_code"),
    path("s/<str:token>/thanks/", views.thanks, name="thanks"),
    path("rounds/<str:code>/links/", staff_views.links, name="links"),
    path("rounds/<str:code>/links/settings/", staff_views.setting_save, name="setting_save"),
    path("rounds/<str:code>/links/posters/", staff_views.posters, name="posters"),
    path("rounds/<str:code>/links/posters.zip", staff_views.posters_zip, name="posters_zip"),
    path("rounds/<str:code>/links/<str:unit_code>/qr.png", staff_views.qr, {"kind": "png"}, name="qr_png"),
    path("rounds/<str:code>/links/<str:unit_code>/qr.svg", staff_views.qr, {"kind": "svg"}, name="qr_svg"),
    path(
        "rounds/<str:code>/links/<str:unit_code>/reissue/",
        staff_views.link_change,
        {"action": "reissue"},
        name="reissue",
    ),
    path(
        "rounds/<str:code>/links/<str:unit_code>/revoke/", staff_views.link_change, {"action": "revoke"}, name="revoke"
    ),
    path("rounds/<str:code>/invitations/", staff_views.invitations, name="invitations"),
    path("rounds/<str:code>/targets/", staff_views.targets, name="targets"),
    path("rounds/<str:code>/held/", staff_views.held, name="held"),
    path("rounds/<str:code>/opinions/", staff_views.opinions, name="opinions"),
    path("rounds/<str:code>/opinions/<int:pk>/concern/", staff_views.opinion_concern, name="opinion_concern"),
    path("rounds/<str:code>/progress/", staff_views.progress, name="progress"),
]
