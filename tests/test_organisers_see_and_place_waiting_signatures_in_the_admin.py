"""Staff see, per campaign and state, how many signatures wait for an area and
why; they can place them at once, and a postal link or an official saved by
hand in the admin places waiting signatures and sends waiting letters as an
import does. Staff without the permissions see and change nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from undersigned.areas.importers.default_us import load_default_us
from undersigned.areas.importers.divisions import import_ocd_divisions
from undersigned.areas.models import Division, PostalCodeDivision, SignatureDivision
from undersigned.campaigns.models import DeliveryRule
from undersigned.deliveries.models import Delivery
from undersigned.signatures.placing import place_waiting

from .areas import MA, csv_text, target_by_area
from .conftest import make_campaign, run_worker, signed_in_with_second_factor
from .delivery_helpers import bulk_signatures

pytestmark = pytest.mark.django_db

HOUSE = f"{MA}/sldl:27th_middlesex"
URL = "/admin/signatures/signature/waiting/"


@pytest.fixture
def waiting_signers(db):
    load_default_us(states=["MA"])
    import_ocd_divisions(csv_text("id,name", f"{HOUSE},Twenty-Seventh Middlesex"))
    campaign = make_campaign()
    target_by_area(campaign, "sldl", "lower")
    state = Division.objects.get(ocd_id=MA)
    signatures = bulk_signatures(campaign, [state], 3)
    for signature in signatures:
        signature.postal_code = "02144"
        signature.save(update_fields=["postal_code"])
    return campaign, signatures


def test_staff_see_waiting_signatures_per_state_and_why(staff_client, waiting_signers):
    page = staff_client.get(URL).content.decode()
    assert "Stop face surveillance" in page
    assert "<td>Massachusetts</td><td>3</td><td>0</td><td>0</td>" in page
    assert "3: 02144: no state house district linked yet" in page
    changelist = staff_client.get(reverse("admin:signatures_signature_changelist")).content
    assert URL.encode() in changelist
    filtered = staff_client.get(
        reverse("admin:signatures_signature_changelist"), {"waiting": "yes"}
    )
    assert filtered.context["cl"].result_count == 3


def test_a_link_saved_by_hand_places_the_waiting_signatures(staff_client, waiting_signers):
    response = staff_client.post(
        reverse("admin:areas_postalcodedivision_add"),
        {
            "country": "US",
            "postal_code": "02144",
            "division": Division.objects.get(ocd_id=HOUSE).pk,
            "method": "manual",
            "source": "staff",
        },
    )
    assert response.status_code == 302
    assert SignatureDivision.objects.filter(division__ocd_id=HOUSE).count() == 3
    # Placed; what waits now is a lawmaker for the district.
    page = staff_client.get(URL).content.decode()
    assert "<td>Massachusetts</td><td>0</td><td>0</td><td>3</td>" in page


def test_the_place_now_button_places_what_the_data_allows(staff_client, waiting_signers):
    PostalCodeDivision.objects.create(
        country="US", postal_code="02144", division=Division.objects.get(ocd_id=HOUSE),
        method="manual",
    )  # fmt: skip
    page = staff_client.post(URL).content.decode()
    # The county and the town too: the bulk signers were placed in the state only.
    assert (
        "3 waiting signatures examined; 3 placed in 9 more areas (3 county, 3 place, 3 sldl)"
        in page
    )


def test_staff_without_the_permissions_see_and_place_nothing(django_user_model, waiting_signers):
    user = django_user_model.objects.create_user("helper", "h@example.org", "pw", is_staff=True)
    client = signed_in_with_second_factor(user)
    assert client.get(URL).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_signature"))
    client = signed_in_with_second_factor(user)
    assert client.get(URL).status_code == 200
    assert client.post(URL).status_code == 403
    assert not SignatureDivision.objects.filter(division__ocd_id=HOUSE).exists()


def test_an_official_saved_by_hand_sends_the_letter_that_waited(staff_client, waiting_signers):
    campaign, _signatures = waiting_signers
    DeliveryRule.objects.create(
        campaign=campaign, kind=DeliveryRule.Kind.LOCAL, division_type="sldl", batch_size=3
    )
    house = Division.objects.get(ocd_id=HOUSE)
    PostalCodeDivision.objects.create(
        country="US", postal_code="02144", division=house, method="manual"
    )
    place_waiting()
    run_worker()
    delivery = Delivery.objects.get(division=house)
    assert not delivery.attempts.exists()

    response = staff_client.post(
        reverse("admin:areas_official_add"),
        {
            "name": "Riley House (fictional)", "office": "State Representative",
            "role": "lower", "division": house.pk, "party": "",
            "contacts-TOTAL_FORMS": "1", "contacts-INITIAL_FORMS": "0",
            "contacts-0-kind": "email", "contacts-0-value": "rep@example.org",
            "contacts-0-label": "", "contacts-0-for_delivery": "on",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content
    run_worker()
    assert list(delivery.attempts.values_list("address", "state")) == [("rep@example.org", "sent")]
