from django.core.management.base import BaseCommand, CommandError

from undersigned.privacy.audit import verify


class Command(BaseCommand):
    help = "Audit log tools. `audit verify` checks every entry's hash chain."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **options):
        report = verify()
        if not report.ok:
            raise CommandError(
                f"Audit log broken at entry {report.first_bad_id}: it {report.problem}."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit log intact: {report.entries} entries."))
