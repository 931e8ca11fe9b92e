"""Load the demo: two campaigns modelled on the reference cases, a partner each,
and a staff account. Safe to run again: it updates what it created."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from undersigned.areas.models import TargetRule
from undersigned.campaigns.actions import save_campaign
from undersigned.campaigns.models import Campaign, FieldMode, Partner, Target
from undersigned.demo.areas import load_demo_areas
from undersigned.demo.deliveries import seed as seed_deliveries
from undersigned.demo.participation import seed as seed_participation
from undersigned.demo.spanish import seed as seed_spanish
from undersigned.staff.models import PartnerAccount
from undersigned.staff.roles import Role, create_account, group_for

STAFF_PASSWORD = "undersigned-demo"
# (username, role): one workspace account of each kind, and a superuser for the admin.
ACCOUNTS = [("organiser", Role.ORGANISER), ("reviewer", Role.REVIEWER), ("partner", Role.PARTNER)]
SUPERUSER = "admin"

LOCAL_BODY = """\
Cameras that recognise faces are spreading through our towns, often bought with
a grant and switched on without a single public vote. Face surveillance lets
the government identify, follow and catalogue anyone who walks down the street,
goes to a clinic, a place of worship or a protest. It makes mistakes, and its
mistakes fall hardest on people who are already over-policed.

Some cities have already said no. Yours can too.

**How this letter works.** Sign with your postal code. Each time another 100
people in your area have signed, we deliver the letter, with their names, to
your local lawmakers. You will be able to find the other people in your area
who signed.
"""

# Letters are shown and sent as written, line by line: one line per paragraph
# or list item, so that browsers and mail clients wrap them to fit.
LOCAL_LETTER = (
    "Dear lawmaker,\n\n"
    "We live in your district and we are writing to ask you to end the use of face "
    "surveillance by our local government.\n\n"
    "Face recognition turns every camera into a checkpoint. It lets officials identify "
    "people at a distance, without their knowledge, and build a record of where they go "
    "and whom they meet. It misidentifies people, and the harm of those errors is not "
    "shared equally.\n\n"
    "We ask you to pass an ordinance that prohibits every local agency, including the "
    "police, from acquiring or using face surveillance technology or information derived "
    "from it, and to make that ban enforceable by residents.\n\n"
    "Please tell us where you stand.\n"
)

NATIONAL_BODY = """\
Police departments across the country run face recognition searches on
millions of photographs, often with no warrant, no disclosure to the people
charged and no audit of the results. People have been arrested for crimes they
did not commit because software said they looked like someone else.

The Civil Rights Division of the Department of Justice can open
pattern-or-practice investigations, set conditions on federal grants and issue
guidance to every department that receives federal money.

Add your name. We will deliver the petition, with every confirmed signature,
to the head of the Civil Rights Division.
"""

NATIONAL_LETTER = (
    "Dear Assistant Attorney General,\n\n"
    "We, the undersigned, ask the Civil Rights Division to investigate the use of face "
    "recognition by police departments that receive federal funds, and to use every tool "
    "at its disposal to stop uses that violate our civil rights.\n\n"
    "Specifically, we ask the Division to:\n\n"
    "1. Investigate wrongful arrests that followed face recognition matches.\n"
    "2. Require departments receiving federal grants to disclose every face recognition "
    "search to the people it is used against.\n"
    "3. Issue guidance that face recognition results alone never justify a stop, a search "
    "or an arrest.\n\n"
    "Our rights should not depend on whether an algorithm finds our face familiar.\n"
)


class Command(BaseCommand):
    help = "Load the demo campaigns and a staff account (demo mode only)."

    def handle(self, *args, **options):
        if not settings.DEMO:
            raise CommandError("The demo loads only with UNDERSIGNED_DEMO=1.")
        network = self.partner(
            "Digital Rights Groups Network (fictional)",
            "https://network.example.org/",
            "A network of local, volunteer-run digital rights groups.",
        )
        liberties = self.partner(
            "Example Civil Liberties Union (fictional)",
            "https://liberties.example.org/",
            "Defends civil liberties in the courts and in legislatures.",
        )
        local = self.campaign(
            slug="end-face-surveillance",
            title="End face surveillance in your community",
            kind=Campaign.Kind.LETTER,
            summary="Ask your local lawmakers to ban government face surveillance. "
            "Every 100 signers in an area, the letter goes to that area's lawmakers.",
            body=LOCAL_BODY,
            organisation="undersigned demo",
            letter_subject="End government face surveillance in our community",
            letter_body=LOCAL_LETTER,
            addressee="your local lawmakers",
            goal=10000,
            postal_code_field=FieldMode.REQUIRED,
        )
        local.partners.set([network])
        # The local letter in Spanish too: /es/c/end-face-surveillance/.
        seed_spanish(local)
        national = self.campaign(
            slug="doj-face-recognition",
            title="Tell the Department of Justice: investigate police face recognition",
            kind=Campaign.Kind.PETITION,
            summary="Ask the Civil Rights Division to investigate wrongful arrests and "
            "unaccountable face recognition searches.",
            body=NATIONAL_BODY,
            organisation="undersigned demo",
            letter_subject="Investigate police use of face recognition",
            letter_body=NATIONAL_LETTER,
            addressee="",
            goal=5000,
            postal_code_field=FieldMode.REQUIRED,
        )
        national.partners.set([liberties])
        Target.objects.update_or_create(
            campaign=national,
            order=0,
            defaults={
                "name": "Assistant Attorney General",
                "title": "Civil Rights Division",
                "organisation": "U.S. Department of Justice",
                "postal_address": "950 Pennsylvania Avenue NW\nWashington, DC 20530",
                "email": "",
            },
        )
        # Areas, offline: every US state, county, city or town and ZIP code from
        # the installed packages, and a fictional mayor and council for each
        # place. The local letter goes to the signer's city or town's.
        for report in load_demo_areas():
            self.stdout.write(report.summary())
        TargetRule.objects.get_or_create(
            campaign=local, division_type="place", defaults={"roles": "mayor, council"}
        )
        # Fictional lawmakers and signers, and the deliveries they have earned.
        delivered = seed_deliveries(local, national)
        # More signers across the country, listed names and local groups, for the
        # area pages, the map and the chart; then the public numbers, published.
        seed_participation(local, national, network)
        self.accounts(network)
        sign_in = "\n".join(
            f"    {role.label:<10} {username} / {STAFF_PASSWORD}" for username, role in ACCOUNTS
        )
        self.stdout.write(
            self.style.SUCCESS("Demo loaded: 2 campaigns.")
            + f"\n  The organisers' workspace: {settings.SITE_URL}/organise/ (no second factor "
            "in the demo), as\n"
            + sign_in
            + f" ({network.name})"
            + f"\n  The Django admin, for superusers: {settings.SITE_URL}/admin/ as "
            f"{SUPERUSER} / {STAFF_PASSWORD}\n"
            f"  Sent mail appears at {settings.SITE_URL}/outbox/"
            + (f"\n  {delivered} deliveries made: /admin/deliveries/" if delivered else "")
        )

    def accounts(self, partner: Partner) -> None:
        """One account per workspace role, and the superuser; passwords reset on every run."""
        users = get_user_model().objects
        for username, role in ACCOUNTS:
            user = users.filter(username=username).first()
            if user is None:
                create_account(
                    role,
                    username,
                    password=STAFF_PASSWORD,
                    actor="demo",
                    partner=partner if role == Role.PARTNER else None,
                )
                continue
            user.is_staff = user.is_superuser = False
            user.set_password(STAFF_PASSWORD)
            user.save()
            user.groups.set([group_for(role)])
            if role == Role.PARTNER:
                PartnerAccount.objects.update_or_create(user=user, defaults={"partner": partner})
        admin, _created = users.get_or_create(username=SUPERUSER)
        admin.is_staff = admin.is_superuser = True
        admin.set_password(STAFF_PASSWORD)
        admin.save()

    def partner(self, name, url, description) -> Partner:
        partner, _ = Partner.objects.update_or_create(
            name=name, defaults={"url": url, "description": description}
        )
        return partner

    def campaign(self, slug, **fields) -> Campaign:
        campaign = Campaign.objects.filter(slug=slug).first() or Campaign(slug=slug)
        for name, value in fields.items():
            setattr(campaign, name, value)
        campaign.status = Campaign.Status.LIVE
        return save_campaign(campaign)
