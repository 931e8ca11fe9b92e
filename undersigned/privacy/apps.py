from django.apps import AppConfig

# Registers the deployment checks (`undersigned check --deploy`); they import no model.
from . import checks  # noqa: F401


class PrivacyConfig(AppConfig):
    name = "undersigned.privacy"
    label = "privacy"
    verbose_name = "Privacy"
