"""Response headers that keep pages to our own origin.

Every page gets a Content Security Policy that names no other origin: scripts,
styles, images, fonts and connections come from this site only, forms post
only here, and nothing may frame us. The one exception is the pages partners
embed (front/embed.py): their `frame-ancestors` names exactly the sites an
organiser listed for that campaign (`allow_framing`). Inline scripts need the per-request
nonce (`request.csp_nonce`); public pages have none. The admin's own
templates use a few inline styles, so only under /admin/ are those allowed.
"""

from __future__ import annotations

import secrets

PUBLIC_STYLE = "style-src 'self'"
ADMIN_STYLE = "style-src 'self' 'unsafe-inline'"

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer",
        "microphone", "payment", "usb", "interest-cohort", "browsing-topics",
    )
)  # fmt: skip


def content_security_policy(
    nonce: str, *, admin: bool, frame_ancestors: tuple[str, ...] | list[str] = ()
) -> str:
    """`frame_ancestors`: origins already checked to be bare origins
    (integrations/origins.py); none means no site may frame the page."""
    ancestors = " ".join(frame_ancestors) or "'none'"
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            ADMIN_STYLE if admin else PUBLIC_STYLE,
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            f"frame-ancestors {ancestors}",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


def allow_framing(request, response, origins: tuple[str, ...] | list[str]) -> None:
    """Let these sites (and no other) show the response in a frame. The view
    must also be exempt from X-Frame-Options (xframe_options_exempt): CSP's
    frame-ancestors is what browsers obey when both are present, but
    `DENY` would still stop older ones."""
    response["Content-Security-Policy"] = content_security_policy(
        request.csp_nonce, admin=False, frame_ancestors=origins
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        admin = request.path.startswith("/admin/")
        response.setdefault(
            "Content-Security-Policy", content_security_policy(request.csp_nonce, admin=admin)
        )
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if not request.path.startswith("/api/"):
            response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
