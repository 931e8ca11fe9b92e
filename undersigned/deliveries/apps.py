from django.apps import AppConfig


class DeliveriesConfig(AppConfig):
    name = "undersigned.deliveries"
    label = "deliveries"
