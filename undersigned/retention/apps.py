from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "undersigned.retention"
    label = "retention"
