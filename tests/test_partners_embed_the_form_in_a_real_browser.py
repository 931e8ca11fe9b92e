"""A partner's page on another site embeds the sign form, in a real Chromium.

Three loopback origins: ours (the live server, http://localhost:…), a
partner's page the organiser listed (http://127.0.0.1:…, another site, so
the browser treats our frame as third-party and withholds our SameSite
cookies), and a page the organiser did not list. On the listed one a person
signs inside the frame and the signature is recorded; on the unlisted one
the browser refuses to show the frame; and the frame asks nothing of any
origin but ours.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from undersigned.integrations.embeds import set_embed_origins
from undersigned.signatures.models import Signature

from .browser import TIMEOUT_MS, origin
from .conftest import make_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class PartnerSite:
    """A partner's web server on loopback: one page, framing ours."""

    def __init__(self, frame_url: str):
        page = (
            "<!doctype html><html><head><title>Partner</title></head><body>"
            "<h1>Our local campaign</h1>"
            f'<iframe id="sign" src="{frame_url}" title="Sign" width="600" height="1200"></iframe>'
            "</body></html>"
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> PartnerSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def campaign(settings, live_server):
    settings.SITE_URL = live_server.url
    settings.SIGN_MIN_SECONDS = 0  # a test types faster than any person
    return make_campaign()


@pytest.fixture
def partner_pages(campaign, live_server):
    frame = f"{live_server.url}/embed/c/{campaign.slug}/"
    with PartnerSite(frame) as listed, PartnerSite(frame) as unlisted:
        set_embed_origins(campaign, [listed.url], actor="organiser")
        yield listed, unlisted


@pytest.fixture
def browse(browser, live_server, partner_pages):
    """A fresh browser context that may reach the three loopback origins and
    nothing else, and records every request with the frame that made it."""
    allowed = {origin(live_server.url), *(origin(site.url) for site in partner_pages)}
    seen: list[tuple[str, bool]] = []
    consoles: list[str] = []
    contexts = []

    def open_page():
        context = browser.new_context()
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)

        def route(route):
            if origin(route.request.url) in allowed:
                route.continue_()
            else:
                route.abort("blockedbyclient")

        context.route("**/*", route)
        page = context.new_page()
        page.on("request", lambda r: seen.append((r.url, r.frame != page.main_frame)))
        page.on("console", lambda message: consoles.append(message.text))
        return page

    yield open_page, seen, consoles
    for context in contexts:
        context.close()


def our_frame(page, live_server):
    return next(frame for frame in page.frames if frame.url.startswith(live_server.url))


def test_a_person_signs_in_the_frame_on_a_listed_site(browse, partner_pages, live_server):
    open_page, seen, _consoles = browse
    listed, _unlisted = partner_pages
    page = open_page()
    page.goto(listed.url)
    frame = page.frame_locator("#sign")
    expect(frame.get_by_role("heading", level=1)).to_have_text("Stop face surveillance")

    def field(label):
        return frame.get_by_role("textbox", name=re.compile(rf"^{re.escape(label)}\b"))

    field("First name").fill("Jane")
    field("Last name").fill("Doe")
    field("E-mail").fill("jane@example.org")
    field("Postal code").fill("02143")
    frame.get_by_role("button", name="Sign", exact=True).click()
    expect(frame.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    signature = Signature.objects.get()
    assert (signature.status, signature.quarantine_reason) == ("pending", "")
    # Everything the frame asked for came from our origin; the page itself
    # asked only its own.
    from_frame = {origin(url) for url, in_frame in seen if in_frame}
    assert from_frame == {origin(live_server.url)}
    assert {origin(url) for url, in_frame in seen if not in_frame} == {origin(listed.url)}
    # No cookie was needed, and none was set for our site.
    cookies = page.context.cookies([live_server.url])
    assert cookies == []


def test_the_browser_refuses_the_frame_on_a_site_not_listed(browse, partner_pages, live_server):
    open_page, _seen, consoles = browse
    _listed, unlisted = partner_pages
    page = open_page()
    page.goto(unlisted.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Our local campaign")
    # Chromium reports the refusal on the console once the frame's answer is in.
    for _ in range(100):
        if any("frame-ancestors" in text for text in consoles):
            break
        page.wait_for_timeout(100)
    assert any("frame-ancestors" in text for text in consoles), consoles
    assert page.frame_locator("#sign").locator("form").count() == 0
    assert not Signature.objects.exists()
