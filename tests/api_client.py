"""A client for an undersigned installation's API, written from docs/api.md alone.

It imports nothing of the project (only the standard library), as a
partner's developer would write it: it starts at the entry point, follows
the HAL links, pages with `next`, and reads OSDI error bodies. The suite runs
it against a live server (test_an_independent_client_records_and_reads_signatures.py).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any


class ApiError(Exception):
    """An OSDI error body: the status and each error description."""

    def __init__(self, status: int, body: dict[str, Any]):
        self.status = status
        self.body = body
        statuses = body.get("osdi:error", {}).get("resource_status", [])
        self.descriptions = [d for s in statuses for d in s.get("error_descriptions", [])]
        self.codes = [d.get("error_code") for d in self.descriptions]
        super().__init__(f"{status}: {self.codes}")


class Client:
    def __init__(self, entry_point: str, token: str | None = None):
        self.entry_point = entry_point
        self.token = token

    def request(self, method: str, url: str, body: Any = None) -> tuple[int, dict[str, Any]]:
        headers = {"Accept": "application/hal+json"}
        if self.token:
            headers["OSDI-API-Token"] = self.token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                content_type = response.headers.get("Content-Type", "")
                assert content_type.startswith("application/hal+json"), content_type
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as refused:
            raise ApiError(refused.code, json.loads(refused.read())) from None

    def get(self, url: str) -> dict[str, Any]:
        return self.request("GET", url)[1]

    def entry(self) -> dict[str, Any]:
        return self.get(self.entry_point)

    def pages(self, url: str, relation: str) -> Iterator[dict[str, Any]]:
        """Every resource of a collection, page after page, by the `next` links."""
        while url:
            page = self.get(url)
            yield from page["_embedded"][relation]
            url = page["_links"].get("next", {}).get("href")

    def petitions(self) -> list[dict[str, Any]]:
        return list(self.pages(self.entry()["_links"]["osdi:petitions"]["href"], "osdi:petitions"))

    def petition(self, name: str) -> dict[str, Any]:
        for petition in self.petitions():
            if petition["name"] == name:
                return self.get(petition["_links"]["self"]["href"])
        raise LookupError(name)

    def signatures(self, petition: dict[str, Any], per_page: int = 25) -> list[dict[str, Any]]:
        url = petition["_links"]["osdi:signatures"]["href"] + f"?per_page={per_page}"
        return list(self.pages(url, "osdi:signatures"))

    def record_signature(self, petition: dict[str, Any], body: dict[str, Any]) -> tuple[int, dict]:
        url = petition["_links"]["osdi:record_signature_helper"]["href"]
        return self.request("POST", url, body)


def email_of(signature: dict[str, Any]) -> str:
    person = signature["_embedded"]["osdi:person"]
    primary = [e for e in person["email_addresses"] if e.get("primary")] or person[
        "email_addresses"
    ]
    return primary[0]["address"]
