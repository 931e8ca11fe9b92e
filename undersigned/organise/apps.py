from django.apps import AppConfig


class OrganiseConfig(AppConfig):
    name = "undersigned.organise"
    label = "organise"
    verbose_name = "Organisers' workspace"
