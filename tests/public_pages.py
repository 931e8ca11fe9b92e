"""Every public page a supporter, a target or the public can open, with the data
behind it, for the browser tests that go through them all (accessibility,
width): a local letter translated into Spanish, signers in Somerville, two
deliveries sent (so two receipts), and one signer still to confirm, whose
private links open the confirm, manage and unsubscribe pages.

Built through the actions, as everywhere in the suite; every address is on
example.org and the lawmaker is fictional.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils import translation

from undersigned.campaigns.models import Campaign
from undersigned.deliveries.models import Delivery
from undersigned.signatures.links import confirm_url
from undersigned.signatures.models import Signature
from undersigned.signatures.rights import manage_url, unsubscribe_url

from .area_pages import bulk_signers, geography, publish_now, signer
from .conftest import run_worker, translate_to_spanish
from .delivery_helpers import lawmaker, local_campaign

# The address prefix of each language: English has none.
LANGUAGES = {"en": "", "es": "/es"}


@dataclass(frozen=True)
class PublicSite:
    campaign: Campaign
    pending: Signature  # signed, not yet confirmed: its links are all alive
    delivery: Delivery

    def pages(self, language: str) -> dict[str, str]:
        """Each page a GET opens, by name, in `language` (paths on the live server).
        The sign form's answers (errors, "check your e-mail") need a POST: the
        tests submit the campaign page's form for those."""
        prefix = LANGUAGES[language]
        campaign = f"{prefix}/c/{self.campaign.slug}"
        with translation.override(language):
            private = {
                "confirm": path(confirm_url(self.pending)),
                "manage": path(manage_url(self.pending)),
                "unsubscribe": path(unsubscribe_url(self.pending)),
            }
        return {
            "campaign": f"{campaign}/",
            "thanks": f"{campaign}/thanks/",
            **private,
            "area overview": f"{campaign}/areas/",
            "area": f"{campaign}/areas/country:us/state:ma/place:somerville/",
            # 02140 spans Cambridge and Somerville: the search lists both.
            "postal code search": f"{campaign}/areas/find/?postal_code=02140",
            "delivery receipt": f"{prefix}/receipts/{self.delivery.public_id}/",
            "not found": f"{prefix}/c/no-such-campaign/",
        }


def path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def public_site() -> PublicSite:
    areas = geography()
    places = [areas["somerville"], areas["ma"]]
    lawmaker(areas["somerville"], "Mayor Example", "mayor", email="mayor@somerville.example.org")
    campaign = local_campaign(batch_size=5)
    translate_to_spanish(campaign, addressee="tus representantes locales")
    bulk_signers(campaign, places, 12, days=3, listed=True)
    publish_now(campaign)  # counts, and so the deliveries of signers 1-5 and 6-10
    run_worker()  # sends them
    pending = signer(campaign, places, 900, first="Ana", last="García", confirm=False)
    delivery = Delivery.objects.filter(campaign=campaign).order_by("milestone").first()
    assert delivery is not None, "no delivery was made"
    return PublicSite(campaign=campaign, pending=pending, delivery=delivery)
