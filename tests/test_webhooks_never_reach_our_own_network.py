"""A webhook goes only to a public address over https: registering one for a
private, loopback or plain-http address is refused, and at send time the
receiver's name is resolved and every address checked (and the connection
pinned to the checked one), so a name that later points inside our network
is not called either. Loopback over http is allowed only under
PARTNERS_ON_LOOPBACK, which production refuses to start with."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from undersigned.integrations import hooks
from undersigned.integrations.origins import normalise_url

from .webhook_receiver import Receiver

ROOT = Path(__file__).resolve().parents[1]

INSIDE = [
    "127.0.0.1", "127.9.9.9", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "::ffff:127.0.0.1", "fc00::1", "fe80::1", "224.0.0.1",
    "240.0.0.1", "255.255.255.255",
]  # fmt: skip


@pytest.fixture
def production(settings):
    settings.PARTNERS_ON_LOOPBACK = False


@pytest.mark.parametrize(
    "url",
    [
        "http://partner.example.org/hook",
        "https://127.0.0.1/hook",
        "https://10.0.0.5/hook",
        "https://[::1]/hook",
        "https://localhost/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://user:pass@partner.example.org/hook",
        "ftp://partner.example.org/hook",
        "https://partner.example.org/hook#x",
        "https://intranet/hook",
    ],
)
def test_registering_anything_but_public_https_is_refused(production, url):
    with pytest.raises(ValidationError):
        normalise_url(url)


def test_a_public_https_address_is_taken_as_written(production):
    assert normalise_url("HTTPS://Partner.Example.org:443/hooks/us?x=1") == (
        "https://partner.example.org/hooks/us?x=1"
    )


@pytest.mark.parametrize("address", INSIDE)
def test_no_address_inside_is_ever_called(production, address):
    assert not hooks.allowed(address)
    with pytest.raises(hooks.NotPublic):
        hooks.checked_address(address, 443)


def test_public_addresses_are_allowed():
    assert hooks.allowed("93.184.215.14")
    assert hooks.allowed("2606:2800:21f:cb07:6820:80da:af6b:8b2c")


def test_a_name_resolving_inside_is_not_called_at_send_time(production):
    """localhost is a name, resolved when the call is made: refused, with no
    connection opened (the receiver hears nothing)."""
    with Receiver("whsec_" + "A" * 44) as receiver:
        url = receiver.url.replace("127.0.0.1", "localhost")
        with pytest.raises(hooks.NotPublic):
            hooks.post(url, b"{}", {})
        with pytest.raises(hooks.NotPublic):
            hooks.post(receiver.url, b"{}", {})
        assert receiver.requests == 0


def test_loopback_over_http_only_for_the_demo_and_tests(settings):
    assert settings.PARTNERS_ON_LOOPBACK  # the tests' setting
    assert normalise_url("http://127.0.0.1:8765/hook") == "http://127.0.0.1:8765/hook"
    with Receiver("whsec_" + "A" * 44) as receiver:
        with pytest.raises(hooks.Refused) as refused:
            hooks.post(receiver.url, b"{}", {})  # it answers 401: not signed
        assert refused.value.status == 401
        assert receiver.requests == 1


def test_production_refuses_to_start_with_loopback_partners():
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "undersigned.settings",
        "SECRET_KEY": "x" * 60,
        "PARTNERS_ON_LOOPBACK": "1",
    }
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert started.returncode != 0
    assert "PARTNERS_ON_LOOPBACK is for the demo and the tests only" in started.stderr
