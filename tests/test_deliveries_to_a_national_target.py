"""The national petition: its letter goes to one named official, on demand from
the admin, at milestones, at the goal and when the campaign closes; each signer
is delivered to them once."""

# ruff: noqa: RUF001
from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from undersigned.campaigns.actions import close_campaign
from undersigned.campaigns.models import DeliveryRule, Target
from undersigned.deliveries import milestones
from undersigned.deliveries.models import Delivery

from .conftest import make_campaign, run_worker
from .delivery_helpers import bulk_confirmed, sign_and_confirm, smtp_server  # noqa: F401

pytestmark = pytest.mark.django_db

OFFICIAL = "civil.rights@doj.example.org"


def national_campaign(**rule):
    campaign = make_campaign(slug="doj-face-recognition", title="Tell the DoJ", goal=1000)
    Target.objects.create(
        campaign=campaign,
        name="Assistant Attorney General (fictional)",
        title="Civil Rights Division",
        organisation="Department of Justice",
        email=OFFICIAL,
    )
    DeliveryRule.objects.create(campaign=campaign, kind=DeliveryRule.Kind.NATIONAL, **rule)
    return campaign


def names_in(message) -> list[str]:
    (attachment,) = [p for p in message.iter_attachments() if p.get_filename().endswith(".csv")]
    return [row[1] for row in list(csv.reader(io.StringIO(attachment.get_content())))[1:]]


def test_deliver_now_twice_sends_only_the_new_signers_the_second_time(staff_client, smtp):
    campaign = national_campaign()
    sign_and_confirm(campaign, None, 5)
    url = reverse("admin:deliveries_delivery_deliver_now")
    assert staff_client.get(url).status_code == 200
    staff_client.post(url, {"campaign": campaign.pk})
    run_worker()
    sign_and_confirm(campaign, None, 3, start=5)
    staff_client.post(url, {"campaign": campaign.pk})
    run_worker()
    first, second = sorted(smtp.to(OFFICIAL), key=lambda m: names_in(m)[0])
    assert names_in(first) == [f"Signer{n} Example" for n in range(5)]
    assert names_in(second) == [f"Signer{n} Example" for n in range(5, 8)]
    assert str(second["Subject"]).endswith("Signers 6–8")
    # Nothing new: a third press delivers nothing and says so.
    page = staff_client.post(url, {"campaign": campaign.pk}, follow=True)
    assert b"already been delivered" in page.content
    run_worker()
    assert len(smtp.to(OFFICIAL)) == 2
    assert [d.requested_by for d in Delivery.objects.order_by("created_at")] == ["staff"] * 2


def test_deliver_now_refuses_a_campaign_without_fixed_targets():
    campaign = make_campaign()
    bulk_confirmed(campaign, None, 3)
    with pytest.raises(milestones.NothingToDeliver):
        milestones.deliver_now(campaign, actor="staff")
    assert not Delivery.objects.exists()


def test_every_n_signers_and_the_goal_each_deliver_once(smtp):
    campaign = national_campaign(every_n=40, deliver_at_goal=True)
    campaign.goal = 100
    campaign.save()
    bulk_confirmed(campaign, None, 90)
    run_worker()
    assert [len(names_in(m)) for m in smtp.to(OFFICIAL)] == [40, 40]
    bulk_confirmed(campaign, None, 15, start=90)
    run_worker()
    kinds = list(Delivery.objects.order_by("created_at").values_list("kind", "signer_count"))
    # 105 signers: milestones at 40 and 80, then the goal with the 25 since.
    assert kinds == [("milestone", 40), ("milestone", 40), ("goal", 25)]
    bulk_confirmed(campaign, None, 50, start=105)
    run_worker()
    kinds = list(Delivery.objects.order_by("created_at").values_list("kind", "signer_count"))
    assert kinds[3:] == [("milestone", 40)]  # at 120; no second goal delivery at 155
    assert len(smtp.to(OFFICIAL)) == 4


def test_closing_the_campaign_delivers_the_remaining_signers_once(smtp):
    campaign = national_campaign()
    bulk_confirmed(campaign, None, 7)
    milestones.deliver_now(campaign, actor="staff")
    bulk_confirmed(campaign, None, 4, start=7)
    close_campaign(campaign)
    run_worker()
    close_campaign(campaign)  # saving a closed campaign again changes nothing
    run_worker()
    final = Delivery.objects.get(kind=Delivery.Kind.FINAL)
    assert (final.first_number, final.signer_count) == (8, 4)
    assert len(smtp.to(OFFICIAL)) == 2
