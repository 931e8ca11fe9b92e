from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from undersigned.campaigns.models import Campaign

from .models import Delivery, DeliveryAttempt


@require_safe
def receipt(request: HttpRequest, public_id: str) -> HttpResponse:
    """A delivery's public receipt: what went where, and the hash to check a copy by.

    It names the offices and the counts, never a signer.
    """
    delivery = get_object_or_404(
        Delivery.objects.select_related("campaign", "division", "letter_version"),
        public_id=public_id,
        campaign__status__in=[
            Campaign.Status.LIVE,
            Campaign.Status.CLOSED,
            Campaign.Status.ARCHIVED,
        ],
    )
    attempts = list(delivery.attempts.order_by("office", "name"))
    sent = [a.sent_at for a in attempts if a.state == DeliveryAttempt.State.SENT and a.sent_at]
    context = {
        "delivery": delivery,
        "campaign": delivery.campaign,
        "attempts": attempts,
        "sent_at": max(sent) if sent else None,
    }
    return render(request, "deliveries/receipt.html", context)
