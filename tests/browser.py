"""Real-browser fixtures: Playwright driving Debian's Chromium against the live server.

`browser` is one headless Chromium per test session (per xdist worker).
`new_page(**context_options)` opens a page in a fresh browser context, so
cookies never leak between tests; `page` is the everyday case. Every request
any of a test's pages makes is recorded in `requests_seen`, so a test can
assert the privacy promise that a page loads nothing from another origin.

Without /usr/bin/chromium the browser tests are skipped, or fail when
REQUIRE_SERVICES=1 (CI), where a missing browser must not pass silently.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and quiet: no background calls home (updates, sync, field trials)
# that would need the network or muddle what the pages themselves request.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
# Short waits: everything is on loopback, and a hung page should fail fast.
TIMEOUT_MS = 10_000

__all__ = ["browser", "new_page", "page", "requests_seen"]


def origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, parts.hostname, parts.port or default_port


class RequestLog(list):
    """The URLs of every request the test's pages made, in order, and the
    stylesheets, scripts and images that failed to load."""

    def __init__(self, home: str) -> None:
        super().__init__()
        self.home = home
        self.broken: list[str] = []

    def watch(self, context) -> None:
        context.on("request", lambda request: self.append(request.url))
        # Recorded, then stopped in the browser: a test never reaches past loopback.
        context.route("**/*", self._keep_home)
        context.on("response", self._check)
        context.on("requestfailed", self._failed)

    def _keep_home(self, route) -> None:
        if origin(route.request.url) == origin(self.home):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def _check(self, response) -> None:
        if response.status >= 400:
            self._broke(response.request, response.status)

    def _failed(self, request) -> None:
        # Aborted means the page moved on before the load finished (a favicon
        # during a quick navigation, say): nothing is wrong with the resource.
        if request.failure != "net::ERR_ABORTED":
            self._broke(request, request.failure)

    def _broke(self, request, why) -> None:
        # Pages themselves may answer 400 or 404 on purpose; what they load may not.
        if request.resource_type != "document":
            self.broken.append(f"{request.url} ({why})")

    def offsite(self) -> list[str]:
        return [url for url in self if origin(url) != origin(self.home)]

    def assert_all_same_origin(self) -> None:
        assert self, "no request was recorded; is the log attached to the page?"
        assert self.offsite() == [], f"requests left {self.home}: {self.offsite()}"

    def assert_nothing_broken(self) -> None:
        assert self.broken == [], f"resources failed to load: {self.broken}"


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(reason + "; REQUIRE_SERVICES=1 makes this an error")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps its event loop marked as running in this
    # thread between calls, so Django's async-safety check would refuse every
    # ORM call the tests make. Nothing async runs here: lift the check for as
    # long as Playwright is open (the fix Playwright's maintainers advise).
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()


@pytest.fixture
def requests_seen(live_server) -> RequestLog:
    return RequestLog(live_server.url)


@pytest.fixture
def new_page(browser, live_server, requests_seen) -> Iterator[Callable]:
    """Open a page in a new browser context; keyword arguments go to the context
    (for example java_script_enabled=False). Relative URLs go to the live server."""
    contexts = []

    def open_page(**context_options):
        context = browser.new_context(base_url=live_server.url, **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        # On the context rather than the page, so popups and extra tabs a
        # test opens are recorded as well.
        requests_seen.watch(context)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()
