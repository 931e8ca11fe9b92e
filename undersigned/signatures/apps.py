from django.apps import AppConfig

from undersigned.areas.signals import areas_changed


class SignaturesConfig(AppConfig):
    name = "undersigned.signatures"
    label = "signatures"

    def ready(self) -> None:
        # Imported here, not at the top: models may be imported only once the
        # app registry is ready (Django's rule for ready()).
        from undersigned.outbox import messages
        from undersigned.outbox.models import Email

        from .mail import signer_context
        from .placing import on_areas_changed

        messages.register(Email.Kind.CONFIRM, signer_context)
        messages.register(Email.Kind.ALREADY_SIGNED, signer_context)
        messages.register(Email.Kind.RECEIPT, signer_context)
        areas_changed.connect(on_areas_changed, dispatch_uid="signatures-place-waiting")
