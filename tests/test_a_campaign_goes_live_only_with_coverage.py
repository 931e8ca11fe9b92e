"""Coverage before launch: a rule that reaches no postal code cannot go live;
a partial one goes live only once its gaps are acknowledged, on record."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from undersigned.areas.coverage import coverage_by_type, rule_coverage
from undersigned.areas.models import Division, PostalCodeDivision
from undersigned.campaigns import actions
from undersigned.campaigns.models import Campaign
from undersigned.campaigns.readiness import checklist, gaps_digest
from undersigned.privacy.audit import verify
from undersigned.privacy.models import AuditEntry
from undersigned.staff.roles import Role

from .workspace import EAST_BAY, account, districts, draft, senate_without_links, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser(db):
    districts()
    senate_without_links()
    return signed_in(account(Role.ORGANISER, "organiser"))


def targeting(division_type: str, roles=()) -> Campaign:
    campaign = draft(slug=f"to-{division_type}-{Campaign.objects.count()}")
    actions.set_target_rules(campaign, [actions.Rule(division_type, tuple(roles))], actor="t")
    return campaign


def launch(client, campaign, **data):
    return client.post(reverse("organise:launch", args=[campaign.pk]), data)


def test_the_numbers_count_areas_links_and_officials_per_type_and_state(organiser):
    by_type = {c.division_type: c for c in coverage_by_type("US")}
    sldl = by_type["sldl"]
    assert (sldl.areas, sldl.linked, sldl.reachable, sldl.covered) == (3, 2, 3, 2)
    assert sldl.label == "State house districts (sldl)"
    sldu = by_type["sldu"]
    assert (sldu.areas, sldu.linked, sldu.reachable, sldu.covered) == (1, 0, 1, 0)

    coverage = rule_coverage("US", "sldl", ["lower"])
    regions = {r.name: (r.areas, r.linked, r.reachable, r.covered) for r in coverage.regions}
    assert regions == {"California": (1, 0, 1, 0), "Massachusetts": (2, 2, 2, 2)}
    # 02143 and 02140 reach a covered district; 94607 only reaches Oakland.
    assert (coverage.postal_codes_reached, coverage.postal_codes) == (2, 3)
    # Officials of another role are not the rule's: nobody to write to.
    assert rule_coverage("US", "sldl", ["mayor"]).postal_codes_reached == 0


def test_a_rule_that_reaches_no_postal_code_cannot_go_live(organiser):
    campaign = targeting("sldu")
    response = launch(organiser, campaign, understood="1")
    assert response.status_code == 400
    assert "No postal code leads to State senate districts (sldu)" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT
    assert not AuditEntry.objects.filter(action="launch").exists()
    with pytest.raises(actions.LaunchRefused):
        actions.launch(campaign, actor="t", acknowledged=checklist(campaign).gaps)


def test_partial_coverage_needs_the_acknowledgement_and_it_is_recorded(organiser):
    campaign = targeting("sldl", ["lower"])
    page = organiser.get(reverse("organise:launch", args=[campaign.pk])).content.decode()
    gaps = checklist(campaign).gaps
    assert gaps == [
        "State house districts (sldl), California: 1 of 1 have no postal codes linked",
        "State house districts (sldl): postal codes that lead to no area with an official "
        "to write to: 1 of 3",
    ]
    for gap in gaps:
        assert gap in page

    digest = gaps_digest(gaps)
    refused = launch(organiser, campaign, acknowledged=digest)  # box not ticked
    assert refused.status_code == 400
    assert "Acknowledge what the coverage is missing" in refused.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT

    response = launch(organiser, campaign, acknowledged=digest, understood="1")
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.LIVE and campaign.launch_approved_at
    entry = AuditEntry.objects.get(action="launch")
    assert entry.actor == "organiser"
    assert entry.detail["acknowledged_gaps"] == gaps
    assert entry.detail["campaign"] == campaign.pk
    assert verify().ok


def test_an_acknowledgement_of_other_gaps_than_today_s_does_not_launch(organiser):
    campaign = targeting("sldl", ["lower"])
    stale = gaps_digest(["State house districts (sldl), California: something else"])
    assert launch(organiser, campaign, acknowledged=stale, understood="1").status_code == 400
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_full_coverage_launches_without_an_acknowledgement(organiser):
    nobody = targeting("place", [])  # places, but no official in any of them
    assert launch(organiser, nobody).status_code == 400
    # Link California's district: every postal code now reaches a representative.
    PostalCodeDivision.objects.create(
        country="US",
        postal_code="94607",
        division=Division.objects.get(ocd_id=EAST_BAY),
        method="manual",
    )
    campaign = targeting("sldl", ["lower"])
    found = checklist(campaign)
    assert found.can_launch and found.gaps == []
    assert launch(organiser, campaign).status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.LIVE
    assert AuditEntry.objects.get(action="launch").detail["acknowledged_gaps"] == []


def test_the_postal_code_test_shows_the_question_and_whom_each_answer_writes_to(organiser):
    campaign = targeting("sldl", ["lower"])
    url = reverse("organise:launch", args=[campaign.pk])
    split = organiser.get(url, {"postal_code": "02140"}).content.decode()
    assert "Which state house district do you live in?" in split
    assert "1st Middlesex: the letter goes to Robin Example (fictional)" in split
    assert "2nd Middlesex: the letter goes to Casey Sample (fictional)" in split
    single = organiser.get(url, {"postal_code": "02143"}).content.decode()
    assert "No question to answer. Their letter goes to:" in single
    assert "Robin Example (fictional), Representative, 1st Middlesex" in single
    # Never refused (they wait): the form says what waits for our data.
    outside = organiser.get(url, {"postal_code": "94607"}).content.decode()
    assert "The form tells them:" in outside
    assert "We don&#x27;t have your state house district for postal code 94607 yet." in outside
    bad = organiser.get(url, {"postal_code": "hello"}).content.decode()
    assert "Enter a 5-digit ZIP code, like 02143." in bad


def test_a_scheduled_launch_waits_for_its_opening_time(organiser):
    campaign = targeting("sldl", ["lower"])
    Campaign.objects.filter(pk=campaign.pk).update(opens_at=timezone.now() + timedelta(days=2))
    campaign.refresh_from_db()
    actions.launch(campaign, actor="t", acknowledged=checklist(campaign).gaps)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT and campaign.launch_approved_at
