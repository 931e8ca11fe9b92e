"""`undersigned place_waiting`: place the signatures that waited for an area,
and send the letters that waited for lawmakers.

Every import does this by itself for what it changed; run it after changing
areas some other way, or to see what is waiting:

    undersigned place_waiting
    undersigned place_waiting --campaign end-face-surveillance
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from undersigned.campaigns.models import Campaign
from undersigned.deliveries.waiting import dispatch_waiting
from undersigned.signatures.placing import place_waiting, waiting_by_state


class Command(BaseCommand):
    help = "Place waiting signatures in the areas now known, and send waiting letters."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--campaign", metavar="SLUG", help="Only this campaign's signatures.")

    def handle(self, *args, campaign: str | None, **options) -> None:
        campaigns = Campaign.objects.order_by("pk")
        if campaign:
            campaigns = campaigns.filter(slug=campaign)
            if not campaigns.exists():
                raise CommandError(f"No campaign {campaign!r}.")
        report = place_waiting(campaign_ids=list(campaigns.values_list("pk", flat=True)))
        self.stdout.write(report.summary())
        sent = dispatch_waiting()
        self.stdout.write(f"{sent} letters that waited for lawmakers sent")
        for each in campaigns:
            for row in waiting_by_state(each):
                self.stdout.write(
                    f"{each.slug}: {row.name}: {row.confirmed} confirmed and "
                    f"{row.unconfirmed} unconfirmed signatures waiting; "
                    f"{row.without_officials} placed where no lawmaker is on file"
                )
                for reason, n in row.reasons.most_common(5):
                    self.stdout.write(f"    {n}: {reason}")
