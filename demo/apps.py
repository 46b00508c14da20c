from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The top floor: ``seed_demo`` builds each app's demo data, lowest app first."""

    name = "demo"
