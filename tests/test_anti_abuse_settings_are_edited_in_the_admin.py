"""proof_of_work and rate_limit_per_hour: in the campaign admin, and as an
action the organisers' workspace and the console can call."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from undersigned.abuse.actions import set_protection
from undersigned.campaigns.cache import campaign_by_slug
from undersigned.campaigns.models import Campaign
from undersigned.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_the_campaign_admin_edits_both(admin_client, campaign):
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    page = admin_client.get(url).content.decode()
    assert "Abuse resistance" in page
    assert 'name="rate_limit_per_hour"' in page and 'name="proof_of_work"' in page
    form = page_form(admin_client, url)
    form.update(rate_limit_per_hour="20", proof_of_work="on")
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    campaign.refresh_from_db()
    assert (campaign.rate_limit_per_hour, campaign.proof_of_work) == (20, True)


class FormValues(HTMLParser):
    """What a browser would send back from the page's main form, unchanged."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.add(name, a.get("value", "on" if a.get("type") == "checkbox" else ""))
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and "selected" in a:
            self.add(self.select, a.get("value", ""))
        elif tag == "textarea":
            self.textarea = name
            self.add(name, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        if tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][-1] += data


def page_form(client, url) -> dict:
    page = client.get(url).content.decode()
    form = page[page.index('id="campaign_form"') :]
    parser = FormValues()
    parser.feed(form[: form.index("</form>")])
    data = {name: values if len(values) > 1 else values[0] for name, values in parser.data.items()}
    data.pop("proof_of_work", None)
    return data


def test_set_protection_is_seen_by_every_page_at_once(campaign, client):
    campaign_by_slug(campaign.slug)  # the process keeps a copy
    set_protection(campaign, actor="organiser", proof_of_work=True, rate_limit_per_hour=0)
    assert campaign_by_slug(campaign.slug).proof_of_work is True
    assert "pow.js" in client.get(campaign.get_absolute_url()).content.decode()
    stored = Campaign.objects.get(pk=campaign.pk)
    assert (stored.proof_of_work, stored.rate_limit_per_hour) == (True, 0)
    entry = AuditEntry.objects.get(action="campaign_edit")
    assert entry.detail == {"campaign": campaign.pk, "step": "protection",
                            "proof_of_work": True, "rate_limit_per_hour": 0}  # fmt: skip


def test_a_negative_limit_is_refused(campaign):
    with pytest.raises(ValueError):
        set_protection(campaign, actor="organiser", rate_limit_per_hour=-1)
