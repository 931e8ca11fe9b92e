"""What every piece of outgoing work is, and the workers that send it.

`OutgoingWork` is the abstract model of one thing the platform owes the
outside world: an e-mail to a signer (outbox.Email), a letter to a lawmaker
(deliveries.DeliveryAttempt), later a supporter update or a webhook call.
The row is the queue: its state and `next_try_at` say whether and when it is
due; `work.py` claims, records and retries it the same way whatever it is.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Failure(models.TextChoices):
    """Why the last try failed, which decides what happens next (work.py)."""

    NONE = "", "—"
    # We could not hand anything over: the server was unreachable, timed
    # out, dropped the connection or said it is closing. Retried with
    # backoff; once anything of the same transport goes out again, every
    # row that failed like this is tried again at once, given up or not.
    OUTAGE = "outage", _("Server unreachable")
    # The server refused this one for now (a 4xx reply): retried with backoff.
    TEMPORARY = "temporary", _("Refused for now")
    # The server refused this one for good (a 5xx reply): not retried unless staff ask.
    REFUSED = "refused", _("Refused for good")
    # Anything else, a bug in rendering say: retried with backoff.
    ERROR = "error", _("Error")


class OutgoingWork(models.Model):
    """One thing to send, with everything needed to send it once.

    A concrete model adds what it is about (a signature, a recipient) and
    may redefine `state` with more choices (DeliveryAttempt adds
    "awaiting mailing"); the four states here keep their meaning.
    """

    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    # Lower goes first among rows that are due (confirmations before news).
    priority = models.PositiveSmallIntegerField(default=0)
    # Tries begun, crashed ones included. Informative only: giving up is a
    # matter of time (queued_at), never of a number of tries.
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the work was queued, or queued again by staff or a recovery: the
    # give-up clock starts here.
    queued_at = models.DateTimeField(default=timezone.now)
    next_try_at = models.DateTimeField(default=timezone.now)
    # When the current (or last) try was claimed; a sending row whose claim
    # is older than its transport's lease belongs to a worker that died.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failure = models.CharField(max_length=10, choices=Failure.choices, blank=True, default="")
    # The error's class and SMTP code only: a server's reply can quote an address.
    last_error = models.CharField(max_length=200, blank=True)

    objects = models.Manager()

    class Meta:
        abstract = True
        indexes = [
            # The claim: due rows of a state, in priority order.
            models.Index(fields=["state", "priority", "next_try_at"], name="%(class)s_due"),
            # Recovery after an outage finds its rows without a scan.
            models.Index(fields=["state"], condition=Q(failure="outage"), name="%(class)s_outage"),
        ]


class WorkerBeat(models.Model):
    """A running `undersigned worker`, as it last reported itself.

    Each worker writes its row every few seconds and deletes it when it
    stops. A row past `expires_at` belongs to a worker that was killed or
    lost the database; a task it was running is taken back (workers.py).
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # The django-tasks task result it is running, if any.
    task_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]
        verbose_name = "worker"

    def __str__(self) -> str:
        return f"{self.host} pid {self.pid}"

    @property
    def alive(self) -> bool:
        return self.expires_at >= timezone.now()
