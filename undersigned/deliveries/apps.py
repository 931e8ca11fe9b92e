from django.apps import AppConfig

from undersigned.areas.signals import areas_changed
from undersigned.campaigns.signals import campaign_closed
from undersigned.counting.signals import tallies_rose


class DeliveriesConfig(AppConfig):
    name = "undersigned.deliveries"
    label = "deliveries"

    def ready(self) -> None:
        # Imported here, not at the top: models may be imported only once the
        # app registry is ready (Django's rule for ready()).
        from undersigned.outbox import messages
        from undersigned.outbox.models import Email
        from undersigned.outgoing import work

        from .mail import delivered_email_context
        from .milestones import on_campaign_closed, on_tallies_rose
        from .sending import LETTERS
        from .waiting import on_areas_changed

        tallies_rose.connect(on_tallies_rose, dispatch_uid="deliveries-milestones")
        campaign_closed.connect(on_campaign_closed, dispatch_uid="deliveries-final")
        messages.register(Email.Kind.DELIVERED, delivered_email_context)
        areas_changed.connect(on_areas_changed, dispatch_uid="deliveries-waiting")
        work.register(LETTERS)
