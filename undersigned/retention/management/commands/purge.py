from django.core.management.base import BaseCommand

from undersigned.privacy.audit import record
from undersigned.retention.rules import purge


class Command(BaseCommand):
    help = "Apply the retention rules (run daily). --dry-run shows the counts only."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **options):
        counts = purge(dry_run=options["dry_run"])
        for label, count in counts.items():
            self.stdout.write(f"  {label}: {count}")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was changed.")
        elif any(counts.values()):
            record("system", "purge", **counts)
