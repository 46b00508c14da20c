from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = _("Follow-ups and visits")

    def ready(self) -> None:
        # surveys announces, outreach listens: surveys never imports outreach.
        from outreach.opening import on_questionnaire_deleting, on_questionnaires_saved
        from surveys.hooks import questionnaire_deleting, questionnaires_saved

        questionnaires_saved.connect(on_questionnaires_saved, dispatch_uid="outreach.follow_ups_open")
        questionnaire_deleting.connect(on_questionnaire_deleting, dispatch_uid="outreach.follow_up_delete")
