"""A receiver built on the Standard Webhooks project's own verifier (the
`standardwebhooks` package, not our code) accepts the bodies we send, and
refuses one whose body, id or timestamp was changed, or that is replayed
after the 5-minute window docs/api.md gives."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from undersigned.integrations.webhooks import add_endpoint

from .conftest import make_campaign, run_worker
from .partners_tools import consent_to, supporter
from .webhook_receiver import Receiver

pytestmark = pytest.mark.django_db


def test_our_bodies_verify_and_altered_or_replayed_ones_do_not():
    campaign = make_campaign()
    with time_machine.travel(timezone.now(), tick=True) as clock, Receiver() as receiver:
        secret = add_endpoint(receiver.url, actor="organiser").secret
        receiver.secret = secret
        supporter(campaign, "jo@example.org", consent_to(campaign, None))
        run_worker()
        [(headers, body)] = receiver.raw
        verifier = Webhook(secret)
        event = verifier.verify(body, headers)
        assert event["type"] == "signature.confirmed" and event["id"] == headers["webhook-id"]
        assert json.loads(body) == event
        altered = [
            (body.replace(b"jo@example.org", b"al@example.org"), headers),
            (body, {**headers, "webhook-id": "01a2428e-9495-7c06-9a7d-dded53e90b30"}),
            (body, {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) - 1)}),
            (body, {**headers, "webhook-signature": "v1," + "A" * 44}),
        ]
        for changed_body, changed_headers in altered:
            with pytest.raises(WebhookVerificationError):
                verifier.verify(changed_body, changed_headers)
        clock.shift(timedelta(minutes=5, seconds=1))
        with pytest.raises(WebhookVerificationError):
            verifier.verify(body, headers)  # replayed after the window
