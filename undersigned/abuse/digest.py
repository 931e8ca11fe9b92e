"""An e-mail to staff when the review queue grows: at most one a day.

Held sign-ups are sent nothing (assess.py); if one of them was a person,
only a reviewer can let them through. So those who work the organisers'
workspace's review queue (the reviewer and organiser roles, and
superusers) hear when it grows, with the counts by campaign and reason and
the link to the queue: no name, no address, nothing a reader of the mail
could take from a signer.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from undersigned.signatures.models import Signature

from .actions import review_queue
from .models import ReviewDigest

log = logging.getLogger(__name__)
# The workspace's review permission (staff/roles.py: REVIEW), named by its
# row: staff stands above abuse and is not imported.
PERMISSION = ("staff", "review")


def reviewers() -> list[str]:
    """The addresses of the active accounts that may decide on the queue.
    Workspace accounts are not staff in Django's sense: the permission is
    what counts."""
    app_label, codename = PERMISSION
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    allowed = Q(is_superuser=True)
    if permission is not None:
        allowed |= Q(user_permissions=permission) | Q(groups__permissions=permission)
    users = get_user_model().objects.filter(allowed, is_active=True)
    return sorted({user.email for user in users.exclude(email="") if user.email})


def send_review_digest(now=None) -> bool:
    """Tell staff the queue has grown since the last digest, unless one went
    out in the last 24 hours. Safe to run from every worker: a digest row
    per day is claimed before the mail goes, and given back if it fails."""
    now = now or timezone.now()
    last = ReviewDigest.objects.order_by("-sent_at").first()
    if last is not None and last.sent_at > now - timedelta(hours=24):
        return False
    queue = review_queue()
    new = queue.filter(created_at__gt=last.sent_at).count() if last else queue.count()
    if not new:
        return False
    waiting = queue.count()
    recipients = reviewers()
    if not recipients:
        log.warning("review queue grew to %s but no staff member can be told", waiting)
        return False
    try:
        with transaction.atomic():
            claim = ReviewDigest.objects.create(day=now.date(), sent_at=now, waiting=waiting)
    except IntegrityError:
        return False  # another worker sends today's
    try:
        send_mail(
            ngettext(
                "Review queue: %(n)d sign-up waiting",
                "Review queue: %(n)d sign-ups waiting",
                waiting,
            )
            % {"n": waiting},
            render_to_string("abuse/review_digest.txt", digest_context(now, waiting, new, last)),
            None,
            recipients,
        )
    except Exception:
        claim.delete()
        raise
    return True


def digest_context(now, waiting: int, new: int, last) -> dict:
    since = last.sent_at if last else now - timedelta(hours=24)
    by_reason = (
        review_queue()
        .values("campaign__title", "quarantine_reason")
        .annotate(n=Count("pk"))
        .order_by("campaign__title", "-n")
    )
    # Sign-ups that passed a check after tripping a signal: they count, but
    # staff may want to look at a burst.
    checked = (
        Signature.objects.filter(created_at__gte=since)
        .exclude(signals="")
        .values("campaign__title", "check_passed")
        .annotate(n=Count("pk"))
        .order_by("campaign__title", "check_passed")
    )
    return {
        "waiting": waiting,
        "new": new,
        "since": since,
        "by_reason": list(by_reason),
        "checked": list(checked),
        "queue_url": settings.SITE_URL + reverse("organise:review"),
    }
