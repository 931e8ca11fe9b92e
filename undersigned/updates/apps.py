from django.apps import AppConfig


class UpdatesConfig(AppConfig):
    name = "undersigned.updates"
    label = "updates"

    def ready(self) -> None:
        # Imported here, not at the top: models may be imported only once the
        # app registry is ready (Django's rule for ready()).
        from undersigned.outbox import messages
        from undersigned.outbox.models import Email

        from .mail import update_context

        messages.register(Email.Kind.UPDATE, update_context)
