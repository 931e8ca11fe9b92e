from django.apps import AppConfig


class CountingConfig(AppConfig):
    name = "undersigned.counting"
    label = "counting"
