from django.core.management.base import BaseCommand

from undersigned.counting.actions import process_all_count_events
from undersigned.signatures.reconcile import reconcile


class Command(BaseCommand):
    help = (
        "Recount confirmed signatures per campaign and area and compare them with the "
        "tallies (run nightly). --fix corrects drifting tallies."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Set drifting tallies right.")
        parser.add_argument("--campaign", type=int, action="append", help="Campaign id(s) only.")

    def handle(self, *args, fix: bool, campaign, **options):
        process_all_count_events()
        drifts = reconcile(fix=fix, campaign_ids=campaign)
        for drift in drifts:
            area = f"division {drift.division_id}" if drift.division_id else "total"
            self.stdout.write(
                f"  campaign {drift.campaign_id} {area}: tallied {drift.tallied}, "
                f"counted {drift.actual} ({drift.difference:+d})"
            )
        if not drifts:
            self.stdout.write("No drift: every tally matches the signatures.")
        elif fix:
            self.stdout.write(self.style.WARNING(f"{len(drifts)} tallies corrected."))
        else:
            self.stdout.write(self.style.WARNING(f"{len(drifts)} tallies drift; run with --fix."))
