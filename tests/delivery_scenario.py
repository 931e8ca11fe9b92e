"""Set up a database for a test that runs the real worker in another process.

    python -m tests.delivery_scenario setup SIGNERS
    python -m tests.delivery_scenario emails COUNT
    python -m tests.delivery_scenario webhooks COUNT URL SECRET
    python -m tests.delivery_scenario update COUNT

Run with DJANGO_SETTINGS_MODULE=undersigned.settings and the database in the
environment (SQLITE_PATH or DATABASE_URL), after `undersigned migrate`. It
creates the local campaign, two fictional Somerville lawmakers on example.org
and SIGNERS confirmed signers there, with the count events confirming writes.
"""

from __future__ import annotations

import sys
from datetime import timedelta

import django


def setup(signers: int) -> None:
    from django.utils import timezone

    from undersigned.areas.models import (
        ContactPoint,
        Division,
        Official,
        SignatureDivision,
        TargetRule,
    )
    from undersigned.campaigns.actions import save_campaign
    from undersigned.campaigns.models import Campaign, DeliveryRule
    from undersigned.privacy.identity import email_digest
    from undersigned.signatures.bulk import write_signatures
    from undersigned.signatures.models import Signature

    campaign = save_campaign(
        Campaign(
            slug="end-face-surveillance",
            title="End face surveillance in your community",
            summary="Ask for a ban.",
            body="We ask for a ban.",
            organisation="Test Rights Group",
            letter_subject="Ban face surveillance",
            letter_body="Dear lawmaker,\n\nPlease ban it.",
            status=Campaign.Status.LIVE,
        )
    )
    state = Division(ocd_id="ocd-division/country:us/state:ma", name="Massachusetts")
    state.save()
    place = Division(ocd_id=f"{state.ocd_id}/place:somerville", name="Somerville", parent=state)
    place.save()
    for role, name in (("mayor", "Mayor Fictional"), ("council", "Council Fictional")):
        official = Official.objects.create(
            key=f"{role}|{place.ocd_id}", name=name, office=f"{role} of Somerville",
            role=role, division=place,
        )  # fmt: skip
        ContactPoint.objects.create(
            official=official,
            kind=ContactPoint.Kind.EMAIL,
            value=f"{role}@somerville.example.org",
            for_delivery=True,
        )
    TargetRule.objects.create(campaign=campaign, division_type="place", roles="mayor,council")
    DeliveryRule.objects.create(
        campaign=campaign, kind=DeliveryRule.Kind.LOCAL, division_type="place", batch_size=100
    )
    letter = campaign.current_letter()
    now = timezone.now()
    placed = [(place.pk, SignatureDivision.How.LOOKUP)]
    write_signatures(
        (
            Signature(
                campaign=campaign,
                letter_version=letter,
                email_digest=email_digest(f"signer{n}@example.org"),
                email=f"signer{n}@example.org",
                first_name=f"Signer{n}",
                last_name="Example",
                postal_code="02143",
                country="US",
                status=Signature.Status.CONFIRMED,
                confirmed_at=now + timedelta(microseconds=n),
            ),
            placed,
        )
        for n in range(signers)
    )


def live_campaign():
    """A live campaign with the fewest words a campaign may have."""
    from undersigned.campaigns.actions import save_campaign
    from undersigned.campaigns.models import Campaign

    return save_campaign(
        Campaign(
            slug="stop-face-surveillance", title="Stop face surveillance", summary="s",
            body="b", organisation="Test Rights Group", letter_subject="s", letter_body="b",
            status=Campaign.Status.LIVE,
        )
    )  # fmt: skip


def emails(count: int) -> None:
    """COUNT people sign a campaign through the sign action: COUNT
    confirmation e-mails wait for the worker."""
    from undersigned.signatures import actions

    campaign = live_campaign()
    for n in range(count):
        actions.sign(campaign, actions.SignerDetails(email=f"signer{n}@example.org"))


def webhooks(count: int, url: str, secret: str) -> None:
    """An endpoint for the organisation at URL (its secret SECRET), and COUNT
    supporters who consented to hear from it sign and confirm through the
    actions: COUNT signature.confirmed deliveries wait for the worker."""
    from undersigned.integrations.webhooks import add_endpoint
    from undersigned.signatures import actions
    from undersigned.signatures.forms import consent_texts
    from undersigned.signatures.links import confirm_token
    from undersigned.signatures.models import Consent

    campaign = live_campaign()
    endpoint = add_endpoint(url, actor="scenario").endpoint
    endpoint.secret = secret  # the test's receiver knows it
    endpoint.save()
    text, _partner = consent_texts(campaign)["consent_organiser"]
    consent = actions.ConsentGiven(kind=Consent.Kind.ORGANISER, text=text)
    for n in range(count):
        signed = actions.sign(
            campaign,
            actions.SignerDetails(email=f"signer{n}@example.org", first_name=f"Signer{n}"),
            consents=[consent],
        ).signature
        actions.confirm(signed.pk, confirm_token(signed.pk, signed.link_version))


def update(count: int) -> None:
    """The local campaign's COUNT signers all agreed to hear from the
    organisers; an organiser sends them an update: COUNT update e-mails wait
    for the worker."""
    import hashlib

    from django.utils import timezone

    from undersigned.campaigns.models import Campaign
    from undersigned.signatures.models import Consent
    from undersigned.updates import actions
    from undersigned.updates.models import Update

    setup(count)
    campaign = Campaign.objects.get(slug="end-face-surveillance")
    text = "Yes, Test Rights Group may e-mail me."
    Consent.objects.bulk_create(
        Consent(signature=signature, kind=Consent.Kind.ORGANISER, text=text,
                text_sha256=hashlib.sha256(text.encode()).hexdigest(), given_at=timezone.now())
        for signature in campaign.signatures.all()
    )  # fmt: skip
    news = actions.save_update(
        Update(campaign=campaign, subject="We are close", body="Only a few more."), actor="o"
    )
    assert actions.send(news, expected=count, actor="organiser") == count


if __name__ == "__main__":
    django.setup()
    command, *args = sys.argv[1:]
    if command == "setup":
        setup(int(args[0]))
    elif command == "emails":
        emails(int(args[0]))
    elif command == "webhooks":
        webhooks(int(args[0]), args[1], args[2])
    elif command == "update":
        update(int(args[0]))
    else:
        raise SystemExit(f"unknown command {command!r}")
