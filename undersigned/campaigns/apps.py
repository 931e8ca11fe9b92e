from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "undersigned.campaigns"
    label = "campaigns"

    def ready(self) -> None:
        from .cache import connect_signals

        connect_signals()
