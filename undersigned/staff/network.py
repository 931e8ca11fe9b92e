"""Which address a staff login comes from, for login throttling."""

from __future__ import annotations

from django.http import HttpRequest

from undersigned.abuse.networks import client_ip as client_address


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as text, by the site's one rule (TRUSTED_PROXIES).

    Behind a reverse proxy, REMOTE_ADDR is the proxy's: throttling on it would
    let anyone lock a staff member out by mistyping their username.
    """
    address = client_address(request)
    return str(address) if address is not None else None
