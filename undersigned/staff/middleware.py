"""Sign staff out after a spell of inactivity."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout

LAST_SEEN_KEY = "staff_last_seen"
# Write the session at most once a minute, not on every click.
RESOLUTION_SECONDS = 60


class StaffIdleTimeoutMiddleware:
    """Log out a signed-in user idle for more than STAFF_IDLE_MINUTES.

    The session cookie's own lifetime (SESSION_COOKIE_AGE) caps a session
    however busy it is; this ends one that was left open and unattended.
    Requests without a session cookie (every supporter's) pass straight through
    without touching the session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > settings.STAFF_IDLE_MINUTES * 60:
                logout(request)
            elif last_seen is None or now - last_seen >= RESOLUTION_SECONDS:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)
