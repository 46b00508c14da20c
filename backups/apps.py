from django.apps import AppConfig


class BackupsConfig(AppConfig):
    """Backups of the database and the media folder, and the check of a restored copy (management commands)."""

    name = "backups"
