from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, override

# Pages of a form's answer: in another language, the page the form was on
# (the search's postal code does not travel on in a link).
ANSWERS = {"sign": "campaign", "find_area": "areas"}


def site(request):
    return {
        "site_name": settings.SITE_NAME,
        "demo": settings.DEMO,
        "site_url": settings.SITE_URL,
        "languages": languages(request),
    }


def languages(request) -> list[dict]:
    """This page in each language, for the switcher and hreflang links: plain
    links, no cookie and no script, so the switcher works everywhere and
    remembers nothing about the visitor."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.url_name:
        return []
    name = ANSWERS.get(match.url_name, match.url_name)
    links: list[dict[str, Any]] = []
    for code, label in settings.LANGUAGES:
        try:
            with override(code):
                url = reverse(name, args=match.args, kwargs=match.kwargs)
        except NoReverseMatch:
            return []
        links.append({"code": code, "name": label, "url": url})
    if len({link["url"] for link in links}) < len(links):
        return []  # an address outside the translated pages (the demo's outbox)
    current = get_language()
    for link in links:
        link["current"] = link["code"] == current
    return links
