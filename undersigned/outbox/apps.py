from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "undersigned.outbox"
    label = "outbox"

    def ready(self) -> None:
        # Imported here, not at the top: models may be imported only once the
        # app registry is ready (Django's rule for ready()).
        from undersigned.outgoing import work

        from .actions import EMAILS

        work.register(EMAILS)
