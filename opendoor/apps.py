from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpendoorConfig(AppConfig):
    name = "opendoor"
    verbose_name = _("Open-door activities")
