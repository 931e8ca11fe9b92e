from django.apps import AppConfig


class UpdatesConfig(AppConfig):
    name = "undersigned.updates"
    label = "updates"
