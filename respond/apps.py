from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RespondConfig(AppConfig):
    name = "respond"
    verbose_name = _("Online answering")
