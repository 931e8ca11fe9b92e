from django.apps import AppConfig


class FrontConfig(AppConfig):
    """The public campaign pages and the signing flow (docs/architecture.md)."""

    name = "undersigned.front"
    label = "front"
