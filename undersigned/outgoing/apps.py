from django.apps import AppConfig


class OutgoingConfig(AppConfig):
    name = "undersigned.outgoing"
    label = "outgoing"
    verbose_name = "Outgoing work"
