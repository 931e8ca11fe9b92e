"""What the campaigns app tells the layers above it.

`campaign_closed` is sent inside save_campaign's transaction, with
`campaign`, when a campaign closes (deliveries.milestones makes the final
delivery of it).
"""

from django.dispatch import Signal

campaign_closed = Signal()
