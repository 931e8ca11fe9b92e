from __future__ import annotations

import re

import pytest
from django.urls import reverse

from .conftest import confirm_path_from, form_data, make_campaign, run_worker

pytestmark = pytest.mark.django_db


def test_the_campaign_list_shows_each_campaigns_confirmed_count(
    client, staff_client, campaign, outbox
):
    other = make_campaign(slug="quiet-one", title="Quiet one")
    for n in range(2):
        client.post(reverse("sign", args=[campaign.slug]), form_data(email=f"s{n}@example.org"))
    run_worker()
    for message in outbox:
        client.post(confirm_path_from(message))
    page = staff_client.get(reverse("admin:campaigns_campaign_changelist")).content.decode()
    rows = {
        title: count
        for title, count in re.findall(
            r'<a href="[^"]+/change/">([^<]+)</a>.*?<td class="field-confirmed">(\d+)</td>', page
        )
    }
    assert rows == {campaign.title: "2", other.title: "0"}
