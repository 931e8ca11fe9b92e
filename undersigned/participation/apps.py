from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "undersigned.participation"
    label = "participation"
    verbose_name = "Participation: area pages and local groups"
