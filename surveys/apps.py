from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from surveys.models import Participation
        from surveys.outline import participants_changed, tree_changed
        from surveys.tallies import pool_after_move
        from units.models import Unit, unit_moved

        unit_moved.connect(pool_after_move, dispatch_uid="surveys.pool_after_move")
        # A unit added, renamed, moved or deleted may change a round's outline (names and kinds in the forms).
        post_save.connect(tree_changed, sender=Unit, dispatch_uid="surveys.tree_changed.save")
        post_delete.connect(tree_changed, sender=Unit, dispatch_uid="surveys.tree_changed.delete")
        post_save.connect(participants_changed, sender=Participation, dispatch_uid="surveys.participants.save")
        post_delete.connect(participants_changed, sender=Participation, dispatch_uid="surveys.participants.delete")
