from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "undersigned.integrations"
    label = "integrations"

    def ready(self) -> None:
        # Imported here, not at the top: models may be imported only once the
        # app registry is ready (Django's rule for ready()).
        from undersigned.deliveries import signals as deliveries
        from undersigned.outgoing import work
        from undersigned.signatures import signals as signatures

        from . import events
        from .sending import WEBHOOKS

        signatures.signature_confirmed.connect(events.signatures_confirmed)
        signatures.signature_withdrawn.connect(events.signatures_withdrawn)
        signatures.signature_erased.connect(events.signatures_erased)
        deliveries.milestone_reached.connect(events.milestone_reached)
        deliveries.delivery_sent.connect(events.delivery_sent)
        work.register(WEBHOOKS)
