from django import template

from undersigned.deliveries.models import Delivery

register = template.Library()

SHOWN = 10


@register.inclusion_tag("deliveries/recent.html")
def recent_deliveries(campaign) -> dict:
    """The latest deliveries of a campaign, each with its public receipt (no names)."""
    deliveries = Delivery.objects.filter(campaign=campaign).select_related("division")
    latest = list(deliveries.order_by("-created_at")[:SHOWN])
    total = len(latest) if len(latest) < SHOWN else deliveries.count()
    return {"deliveries": latest, "total": total}
