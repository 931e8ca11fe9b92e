"""A campaign to state legislators takes a signer from Somerville (02144)
before any state district is linked to their ZIP: the signature counts in the
campaign and in Massachusetts at once, and is placed in Somerville's state
districts, and counted there exactly once, as soon as links for 02144 are
imported, by whichever importer (boundaries, the postal CSV, the admin
upload), or the console command. The ZCTA importer does the same for a
campaign to members of Congress. A letter to a district with no lawmaker on
file waits for the officials importer.

Everything goes through the real sign form, the real confirmation link and
the real worker; the officials are fictional, at example.org.
"""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from undersigned.areas.importers.boundaries import import_boundaries
from undersigned.areas.importers.default_us import load_default_us
from undersigned.areas.importers.divisions import import_ocd_divisions
from undersigned.areas.importers.officials import import_officials_csv
from undersigned.areas.importers.postal import import_postal_csv, import_zcta_districts
from undersigned.areas.models import Division
from undersigned.campaigns.models import DeliveryRule
from undersigned.deliveries.models import Delivery, DeliveryAttempt
from undersigned.signatures.models import Signature
from undersigned.signatures.placing import place_waiting, waiting_by_state
from undersigned.signatures.reconcile import reconcile

from .areas import MA, SOMERVILLE, csv_text, placed, tallies, target_by_area
from .boundaries import centre, feature, geojson, polygon, square
from .conftest import confirm_path_from, form_data, make_campaign, run_worker

pytestmark = pytest.mark.django_db

HOUSE = f"{MA}/sldl:27th_middlesex"
SENATE = f"{MA}/sldu:2nd_middlesex"
CD7 = f"{MA}/cd:7"


@pytest.fixture
def massachusetts(db):
    """The shipped default for Massachusetts (02144 -> the state, Middlesex County,
    Somerville), and its state districts, linked to no ZIP yet."""
    load_default_us(states=["MA"])
    import_ocd_divisions(
        csv_text(
            "id,name",
            f"{HOUSE},Twenty-Seventh Middlesex",
            f"{SENATE},Second Middlesex",
        )
    )
    import_officials_csv(
        csv_text(
            "name,office,role,division_id,email",
            f"Riley House (fictional),State Representative,lower,{HOUSE},rep@example.org",
            f"Sam Senate (fictional),State Senator,upper,{SENATE},senator@example.org",
        )
    )


def legislature_campaign(**fields):
    """Targets: the officials of each signer's sldl and sldu; a letter to each
    house district with every signer."""
    campaign = make_campaign(slug="state-legislators", **fields)
    target_by_area(campaign, "sldl", "lower")
    target_by_area(campaign, "sldu", "upper")
    DeliveryRule.objects.create(
        campaign=campaign, kind=DeliveryRule.Kind.LOCAL, division_type="sldl", batch_size=1
    )
    return campaign


def sign_and_confirm(client, campaign, outbox, **details) -> Signature:
    response = client.post(reverse("sign", args=[campaign.slug]), form_data(**details))
    assert response.status_code == 200, response.content
    run_worker()
    client.post(confirm_path_from(outbox[-1]))
    run_worker()
    return Signature.objects.get(email_digest__isnull=False, campaign=campaign)


def link_by_boundaries() -> None:
    shape = polygon(square(*centre("02144"), 0.01))
    import_boundaries(geojson(feature(shape, ocd_id=HOUSE)))
    import_boundaries(geojson(feature(shape, ocd_id=SENATE)))


def link_by_postal_csv() -> None:
    import_postal_csv(
        csv_text(
            "country,postal_code,division_id",
            f"US,02144,{HOUSE}",
            f"US,02144,{SENATE}",
        )
    )


def link_by_console(tmp_path) -> None:
    path = tmp_path / "links.csv"
    path.write_bytes(
        csv_text("country,postal_code,division_id", f"US,02144,{HOUSE}", f"US,02144,{SENATE}")
    )
    call_command("areas", "import", "postal-codes", str(path), verbosity=0)


def link_in_the_admin(staff_client) -> None:
    upload = SimpleUploadedFile(
        "links.csv",
        csv_text("country,postal_code,division_id", f"US,02144,{HOUSE}", f"US,02144,{SENATE}"),
    )
    response = staff_client.post(
        reverse("admin:areas_division_import"),
        {"importer": "postal-codes", "file": upload, "dry_run": ""},
    )
    assert response.status_code == 200
    assert "waiting signatures" in response.content.decode()


@pytest.mark.parametrize("importer", ["boundaries", "postal csv", "console", "admin"])
def test_a_signer_waits_for_their_districts_and_is_counted_there_once_they_are_linked(
    client, massachusetts, outbox, importer, tmp_path, staff_client
):
    campaign = legislature_campaign()
    page = html.unescape(
        client.post(
            reverse("sign", args=[campaign.slug]), form_data(postal_code="02144")
        ).content.decode()
    )
    assert "We don't have your state house district for postal code 02144 yet." in page
    assert "We'll deliver your letter as soon as we do." in page
    run_worker()
    client.post(confirm_path_from(outbox[-1]))
    run_worker()
    signature = Signature.objects.get(campaign=campaign)
    assert signature.status == Signature.Status.CONFIRMED
    assert tallies(campaign) == {None: 1, MA: 1, f"{MA}/county:middlesex": 1, SOMERVILLE: 1}
    [waiting] = waiting_by_state(campaign)
    assert (waiting.name, waiting.confirmed) == ("Massachusetts", 1)
    assert waiting.reasons == {"02144: no state house district linked yet": 1}

    {
        "boundaries": link_by_boundaries,
        "postal csv": link_by_postal_csv,
        "console": lambda: link_by_console(tmp_path),
        "admin": lambda: link_in_the_admin(staff_client),
    }[importer]()
    assert {HOUSE, SENATE} <= placed(signature)
    run_worker()

    assert tallies(campaign) == {
        None: 1, MA: 1, f"{MA}/county:middlesex": 1, SOMERVILLE: 1, HOUSE: 1, SENATE: 1,
    }  # fmt: skip
    assert reconcile() == []
    assert waiting_by_state(campaign) == []
    # The house district's letter went out once, to its representative.
    [delivery] = Delivery.objects.filter(campaign=campaign)
    assert delivery.division.ocd_id == HOUSE
    assert list(delivery.attempts.values_list("address", "state")) == [
        ("rep@example.org", DeliveryAttempt.State.SENT)
    ]

    # Placing again, or importing the same links again, changes nothing.
    assert place_waiting().placed == 0
    link_by_postal_csv()
    run_worker()
    assert tallies(campaign)[HOUSE] == 1
    assert Delivery.objects.filter(campaign=campaign).count() == 1
    assert reconcile() == []


def test_the_zcta_importer_places_signers_waiting_for_their_congressional_district(
    client, massachusetts, outbox
):
    import_officials_csv(b"name,office,role,division_id,email\n")  # nothing yet
    campaign = make_campaign(slug="congress")
    target_by_area(campaign, "cd", "rep")
    signature = sign_and_confirm(client, campaign, outbox, postal_code="02144")
    assert CD7 not in placed(signature)

    import_zcta_districts(csv_text("state_fips,state_abbr,zcta,cd", "25,MA,02144,7"))
    run_worker()
    assert CD7 in placed(signature)
    assert tallies(campaign)[CD7] == 1
    assert reconcile() == []


def test_a_letter_to_a_district_without_lawmakers_waits_for_the_officials_importer(
    client, massachusetts, outbox
):
    Division.objects.filter(ocd_id=HOUSE).update(name="Twenty-Seventh Middlesex")
    campaign = legislature_campaign()
    link_by_postal_csv()
    # The representative leaves office; nobody is on file for the district.
    import_officials_csv(
        csv_text(
            "name,office,role,division_id,email,end_date",
            f"Riley House (fictional),State Representative,lower,{HOUSE},rep@example.org,"
            "2000-01-01",
        )
    )
    page = html.unescape(
        client.post(
            reverse("sign", args=[campaign.slug]), form_data(postal_code="02144")
        ).content.decode()
    )
    assert "We don't have your state house district's lawmakers yet." in page
    run_worker()
    client.post(confirm_path_from(outbox[-1]))
    run_worker()
    [delivery] = Delivery.objects.filter(campaign=campaign)
    assert not delivery.attempts.exists() and delivery.completed_at is None
    [state] = waiting_by_state(campaign)
    assert (state.confirmed, state.without_officials) == (0, 1)

    report = import_officials_csv(
        csv_text(
            "name,office,role,division_id,email",
            f"Alex Newcomer (fictional),State Representative,lower,{HOUSE},new@example.org",
        )
    )
    assert report.total("letters waiting for officials", "sent") == 1
    run_worker()
    delivery.refresh_from_db()
    assert list(delivery.attempts.values_list("address", "state")) == [
        ("new@example.org", DeliveryAttempt.State.SENT)
    ]
    assert delivery.completed_at is not None
    # A second import of the same officials sends nothing again.
    import_officials_csv(
        csv_text(
            "name,office,role,division_id,email",
            f"Alex Newcomer (fictional),State Representative,lower,{HOUSE},new@example.org",
        )
    )
    run_worker()
    assert delivery.attempts.count() == 1
    assert Delivery.objects.filter(campaign=campaign).count() == 1
