from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "undersigned.areas"
    label = "areas"
