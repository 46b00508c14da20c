from django.urls import path

from units import group_views, user_views, views

app_name = "units"
urlpatterns = [
    # Fixed paths first: they must win over units/<code>/.
    path("units/", views.unit_list, name="list"),
    path("units/import/", views.unit_import, name="import"),
    path("units/export.xlsx", views.unit_export, name="export"),
    path("units/<str:code>/", views.unit_detail, name="detail"),
    path("units/<str:code>/groups/", group_views.group_list, name="groups"),
    path("units/<str:code>/groups/roster.xlsx", group_views.roster_export, name="roster_export"),
    path("units/<str:code>/groups/new/", group_views.group_create, name="group_create"),
    path("units/<str:code>/groups/<int:pk>/edit/", group_views.group_edit, name="group_edit"),
    path("units/<str:code>/groups/<int:pk>/delete/", group_views.group_delete, name="group_delete"),
    path("units/<str:code>/groups/<int:pk>/members/new/", group_views.member_create, name="member_create"),
    path("units/<str:code>/groups/<int:pk>/members/<int:member_pk>/", group_views.member_edit, name="member_edit"),
    path(
        "units/<str:code>/groups/<int:pk>/members/<int:member_pk>/delete/",
        group_views.member_delete,
        name="member_delete",
    ),
    path("users/", user_views.user_list, name="user_list"),
    path("users/new/", user_views.user_new, name="user_create"),
    path("users/<int:pk>/", user_views.user_detail, name="user_detail"),
    path("roles/<int:pk>/revoke/", user_views.role_remove, name="role_revoke"),
]
