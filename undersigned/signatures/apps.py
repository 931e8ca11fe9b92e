from django.apps import AppConfig


class SignaturesConfig(AppConfig):
    name = "undersigned.signatures"
    label = "signatures"

    def ready(self) -> None:
        # Imported here, not at the top: models may be imported only once the
        # app registry is ready (Django's rule for ready()).
        from undersigned.outbox import messages
        from undersigned.outbox.models import Email

        from .mail import signer_context

        messages.register(Email.Kind.CONFIRM, signer_context)
        messages.register(Email.Kind.ALREADY_SIGNED, signer_context)
