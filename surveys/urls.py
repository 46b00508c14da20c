from django.urls import path

from surveys import views

app_name = "surveys"
urlpatterns = [
    path("rounds/", views.round_list, name="round_list"),
    path("rounds/<str:code>/", views.round_detail, name="round_detail"),
    path("rounds/<str:code>/status/", views.round_status, name="round_status"),
    path("rounds/<str:code>/peers/", views.round_peers, name="round_peers"),
    path("rounds/<str:code>/enter/", views.questionnaire_enter, name="questionnaire_enter"),
    path("rounds/<str:code>/questionnaires/", views.questionnaire_list, name="questionnaire_list"),
    path("rounds/<str:code>/questionnaires/<int:pk>/", views.questionnaire_edit, name="questionnaire_edit"),
    path("rounds/<str:code>/questionnaires/<int:pk>/delete/", views.questionnaire_delete, name="questionnaire_delete"),
    path("rounds/<str:code>/counts/", views.counts_units, name="counts_units"),
    path("rounds/<str:code>/counts/<str:unit_code>/", views.counts_enter, name="counts_enter"),
    path("rounds/<str:code>/counts/<str:unit_code>/figures/", views.counts_figures, name="counts_figures"),
    path("rounds/<str:code>/history/", views.history, name="history"),
]
