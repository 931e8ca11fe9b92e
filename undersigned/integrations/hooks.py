"""Webhook bodies, their signatures, and the HTTP call that carries them.

Signed as Standard Webhooks sign (https://www.standardwebhooks.com/), so a
receiver can verify with any of its libraries: three headers,

    webhook-id: <the event's id, the same on every retry>
    webhook-timestamp: <Unix seconds when this try was signed>
    webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">

keyed with the endpoint's secret (`whsec_` and base64 of 32 random bytes;
the key is the decoded bytes). docs/api.md, "Webhooks", says how to verify.

The call goes only to a public address: the receiver's name is resolved
when it is called, every address it resolves to must be public (not
loopback, private, link-local, multicast or reserved: a webhook must never
reach our own network), and the connection goes to the address that was
checked, so a second resolution cannot swap it for another. Loopback is
allowed only with PARTNERS_ON_LOOPBACK (the demo and the tests). Redirects
are not followed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

SECRET_PREFIX = "whsec_"
# Seconds a receiver has to connect and answer.
TIMEOUT = 10.0
# What we read of an answer before hanging up: we need only its status.
MAX_ANSWER_BYTES = 64 * 1024


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{event_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.digest(key, signed, hashlib.sha256)).decode()


def headers(secret: str, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": f"{settings.SITE_NAME} webhooks",
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, event_id, timestamp, body),
    }


class Refused(Exception):
    """The receiver answered, but not with 2xx: `status` says what."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class NotPublic(Exception):
    """The receiver's name resolves to an address we do not call."""


def allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return bool(settings.PARTNERS_ON_LOOPBACK)
    return ip.is_global and not ip.is_multicast


def checked_address(host: str, port: int) -> str:
    """The address to connect to: NotPublic unless every address the name
    resolves to may be called (a name that mixes public and private
    addresses is refused whole)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise NotPublic(f"cannot resolve: {type(error).__name__}") from None
    addresses = [str(entry[4][0]) for entry in found]
    if not addresses or not all(allowed(address) for address in addresses):
        raise NotPublic("resolves to an address that is not public")
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        # The certificate is checked against the name, not the address.
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, extra: dict[str, str], timeout: float = TIMEOUT) -> int:
    """POST to the receiver; its status if 2xx. Refused for any other answer,
    NotPublic for an address we do not call, OSError (or http.client's
    errors) when no answer came."""
    parts = urlsplit(url)
    scheme, host = parts.scheme, parts.hostname or ""
    port = parts.port or (443 if scheme == "https" else 80)
    address = checked_address(host, port)
    if scheme != "https" and not ipaddress.ip_address(address).is_loopback:
        raise NotPublic("plain http goes only to this machine")
    kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    connection = kind(host, port, address, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=extra)
        answer = connection.getresponse()
        answer.read(MAX_ANSWER_BYTES)
    finally:
        connection.close()
    if not 200 <= answer.status < 300:
        raise Refused(answer.status)
    return answer.status


def describe(error: BaseException) -> str:
    """A summary safe to store and show: the kind of failure and the status,
    never the receiver's text."""
    if isinstance(error, Refused):
        return f"answered {error.status}"
    if isinstance(error, NotPublic):
        return f"not called: {error}"
    return type(error).__name__


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
