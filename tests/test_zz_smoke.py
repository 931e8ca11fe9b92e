import pytest
from django.urls import reverse

from tests.workspace import account, districts, draft, signed_in
from undersigned.staff.roles import Role

pytestmark = pytest.mark.django_db


def test_smoke(client):
    districts()
    organiser = signed_in(account(Role.ORGANISER, "org"))
    campaign = draft()
    for name in ["campaigns", "new_campaign"]:
        r = organiser.get(reverse(f"organise:{name}"))
        assert r.status_code == 200, (name, r.content[:2000])
    for name in [
        "campaign",
        "step_basics",
        "step_letter",
        "step_targets",
        "step_delivery",
        "step_form",
        "step_partners",
        "step_dates",
        "launch",
        "letter_pdf",
        "letter_png",
    ]:
        r = organiser.get(reverse(f"organise:{name}", args=[campaign.pk]))
        assert r.status_code == 200, (name, r.content[:3000])
    r = organiser.post(
        reverse("organise:step_targets", args=[campaign.pk]), {"action": "rules", "types": ["sldl"]}
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    r = organiser.get(reverse("organise:launch", args=[campaign.pk]) + "?postal_code=02140")
    print(r.content.decode())
    r = organiser.get(reverse("organise:step_letter", args=[campaign.pk]))
    print(r.content.decode()[-3000:])
    r = organiser.get(reverse("organise:review"))
    assert r.status_code == 200
