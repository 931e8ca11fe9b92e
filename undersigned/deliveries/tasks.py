from django_tasks import task

from . import actions


@task()
def dispatch_delivery(delivery_id: str) -> int:
    return actions.dispatch(delivery_id)


@task()
def send_delivery_attempt(attempt_id: str) -> bool:
    return actions.send_attempt(attempt_id)


@task()
def deliver_on_close(campaign_id: int) -> str | None:
    from undersigned.campaigns.models import Campaign

    campaign = Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.CLOSED).first()
    delivery = actions.deliver_on_close(campaign) if campaign else None
    return str(delivery.pk) if delivery else None
