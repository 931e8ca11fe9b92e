"""Where a request comes from, reduced to its network and kept only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from django.conf import settings

from undersigned.privacy.keys import key_ring


def client_ip(request) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The client's address: REMOTE_ADDR, or the proxy-reported one when configured.

    With TRUSTED_PROXIES=N, the N-th address from the right of X-Forwarded-For
    is the client (each trusted proxy appends the address it saw).
    """
    raw = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXIES
    if hops:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            raw = forwarded[-hops]
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def network_of(address) -> str | None:
    """IPv4 /24 or IPv6 /64: the unit one household or office usually shares."""
    if address is None:
        return None
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def network_digest(network: str | None) -> bytes | None:
    if network is None:
        return None
    return hmac.digest(key_ring().pepper, b"network\x1f" + network.encode(), hashlib.sha256)


# 15 bits: what a PositiveSmallIntegerField holds on every database.
ORIGINS = 1 << 15


def network_origin(campaign_id: int, network: str | None) -> int:
    """Fifteen bits of a keyed hash of the network, salted with the campaign.

    Kept for good with the signature (the digest above is purged after 30
    days), so that an area's public number can count signers from distinct
    networks. 32,768 values per campaign: twenty honest networks in a town
    share one 0.6 % of the time (with one byte, 256 values, it was 53 %, and
    a town of ten real signers stayed hidden one time in six), and without
    the pepper a value names no network. No network at all (no address) is
    origin 0.
    """
    if network is None:
        return 0
    message = b"origin\x1f%d\x1f%s" % (campaign_id, network.encode())
    digest = hmac.digest(key_ring().pepper, message, hashlib.sha256)
    return int.from_bytes(digest[:2], "big") % ORIGINS
