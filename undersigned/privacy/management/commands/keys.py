from django.core.management.base import BaseCommand

from undersigned.privacy.audit import record
from undersigned.privacy.keys import generate_key_ring_json
from undersigned.privacy.rotation import rotate


class Command(BaseCommand):
    help = (
        "Personal-data keys. `keys new` prints a fresh key ring; `keys rotate` re-seals "
        "every value with the key ring's current key (add the new key to the ring and "
        "make it `current` first; remove the old key only after rotating)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["new", "rotate"])
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **options):
        if options["action"] == "new":
            self.stdout.write(generate_key_ring_json())
            return
        counts = rotate(batch_size=options["batch_size"], dry_run=options["dry_run"])
        total = sum(counts.values())
        for label, count in counts.items():
            self.stdout.write(
                f"  {label}: {count} rows {'to re-seal' if options['dry_run'] else 're-sealed'}"
            )
        if not options["dry_run"]:
            record("system", "key_rotation", rows=total, by_model=counts)
        self.stdout.write(
            self.style.SUCCESS(
                f"{total} rows {'would be' if options['dry_run'] else 'were'} re-sealed."
            )
        )
