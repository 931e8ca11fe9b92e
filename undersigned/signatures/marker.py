"""The thank-you page's one-shot marker: "this browser has just signed campaign N".

Set, signed, on the redirect after a confirmation (or after a remembered
supporter signs at once); read and deleted by the thank-you page, which says
"You have signed" only when it finds it. Anyone else who opens the same
address, or the signer reloading it later, gets a page that claims nothing.
It holds the campaign's id and no personal data, and lives minutes at most:
the thank-you page is the next request.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

SALT = "undersigned.signatures.just-signed"
MAX_AGE_SECONDS = 600


def mark_just_signed(response: HttpResponse, campaign) -> None:
    response.set_signed_cookie(
        settings.SIGNED_COOKIE,
        str(campaign.pk),
        salt=SALT,
        max_age=MAX_AGE_SECONDS,
        secure=settings.SECURE,
        httponly=True,
        samesite="Lax",
        path="/",
    )


def just_signed(request: HttpRequest, campaign) -> bool:
    value = request.get_signed_cookie(
        settings.SIGNED_COOKIE, default=None, salt=SALT, max_age=MAX_AGE_SECONDS
    )
    return value == str(campaign.pk)


def forget_just_signed(request: HttpRequest, response: HttpResponse) -> None:
    if settings.SIGNED_COOKIE in request.COOKIES:
        response.delete_cookie(settings.SIGNED_COOKIE, path="/", samesite="Lax")
