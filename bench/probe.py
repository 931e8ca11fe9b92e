"""The benchmark's look inside the database, through the application's own code.

    python bench/probe.py links    SLUG SIGNERS.json OUT.json
    python bench/probe.py check    SLUG SIGNERS.json PHASE   (PHASE: signed | confirmed)
    python bench/probe.py current  SLUG SINCE TIMEOUT        (seconds until counts are current)
    python bench/probe.py drain    TIMEOUT                   (seconds until the outbox is empty)
    python bench/probe.py reconcile SLUG
    python bench/probe.py bare     create | count            (bench/bareview.py's tables)
    python bench/probe.py sizes                              (PostgreSQL: bytes per table)

Run with the same environment as the server (bench/run.py does). Every
command prints one JSON object. Nothing here writes, except `reconcile`,
which only recounts (it never fixes), and `bare create`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")

import django

django.setup()

from bareview import tables as bare_tables  # noqa: E402 (bench/bareview.py)
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from undersigned.areas.models import Division  # noqa: E402
from undersigned.campaigns.models import Campaign, DeliveryRule  # noqa: E402
from undersigned.counting.counts import confirmed_counts  # noqa: E402
from undersigned.counting.models import CountEvent, Tally  # noqa: E402
from undersigned.deliveries.models import Delivery, DeliveryAttempt, DeliverySigner  # noqa: E402
from undersigned.outbox.models import Email  # noqa: E402
from undersigned.privacy.identity import email_digest  # noqa: E402
from undersigned.signatures.links import confirm_token  # noqa: E402
from undersigned.signatures.models import Signature  # noqa: E402
from undersigned.signatures.reconcile import reconcile  # noqa: E402

CHUNK = 900


def accepted_digests(signers_path: str) -> tuple[dict[bytes, dict], int]:
    """Digest -> the signer who last submitted it, for POSTs answered as accepted."""
    with open(signers_path) as handle:
        signers = json.load(handle)["signers"]
    accepted = [signer for signer in signers if signer["accepted"]]
    return {email_digest(signer["email"]): signer for signer in accepted}, len(accepted)


def ids_by_digest(campaign: Campaign, digests) -> dict[bytes, tuple]:
    found = {}
    digests = list(digests)
    for start in range(0, len(digests), CHUNK):
        rows = Signature.objects.filter(
            campaign=campaign, email_digest__in=digests[start : start + CHUNK]
        ).values_list("email_digest", "id", "status", "quarantine_reason", "link_version")
        for digest, pk, status, reason, version in rows:
            found[bytes(digest)] = (pk, status, reason, version)
    return found


def links(slug: str, signers_path: str, out_path: str) -> dict:
    campaign = Campaign.objects.get(slug=slug)
    accepted, _ = accepted_digests(signers_path)
    found = ids_by_digest(campaign, accepted)
    items = []
    for digest, signer in accepted.items():
        if digest not in found:
            continue
        pk, _status, _reason, version = found[digest]
        items.append(
            {
                "path": f"/confirm/{pk}/{confirm_token(pk, version)}/",
                "cookie": signer["cookie"],
                "xff": signer["xff"],
            }
        )
    with open(out_path, "w") as handle:
        json.dump({"items": items}, handle)
    return {"links": len(items)}


def check(slug: str, signers_path: str, phase: str) -> dict:
    campaign = Campaign.objects.get(slug=slug)
    accepted, accepted_posts = accepted_digests(signers_path)
    found = ids_by_digest(campaign, accepted)
    lost = len(set(accepted) - set(found))
    rows = Signature.objects.filter(campaign=campaign)
    statuses = dict(rows.values_list("status").annotate(n=Count("id")).order_by())
    reasons = Counter(reason for _pk, _status, reason, _version in found.values() if reason)
    emails = dict(
        Email.objects.filter(signature__campaign=campaign)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    want = Signature.Status.PENDING if phase == "signed" else Signature.Status.CONFIRMED
    wrong_status = sum(1 for _pk, status, _r, _v in found.values() if status != want)
    result = {
        "accepted_posts": accepted_posts,
        "accepted_people": len(accepted),
        "signatures_stored": sum(statuses.values()),
        "lost_signatures": lost,
        "stored_but_not_acknowledged": sum(statuses.values()) - len(found),
        "statuses": statuses,
        "not_" + want: wrong_status,
        "quarantine_reasons": dict(reasons),
        "emails_queued_by_kind": emails,
        "confirmation_emails_missing": len(found) - emails.get(Email.Kind.CONFIRM, 0),
    }
    checks = {
        "no_lost_signature": lost == 0,
        "every_signature_acknowledged": result["stored_but_not_acknowledged"] == 0,
        f"all_{want}": wrong_status == 0,
        "one_confirmation_email_each": result["confirmation_emails_missing"] == 0,
    }
    if phase == "confirmed":
        counts = counting_checks(campaign)
        result.update(counts["figures"])
        checks.update(counts["checks"])
    result["checks"] = checks
    result["passed"] = all(checks.values())
    return result


def counting_checks(campaign: Campaign) -> dict:
    confirmed = Signature.objects.filter(campaign=campaign, status="confirmed").count()
    pending_events = CountEvent.objects.filter(campaign=campaign).count()
    drifts = reconcile(campaign_ids=[campaign.pk])
    public = confirmed_counts([campaign.pk]).get(campaign.pk, 0)
    milestone_problems = []
    rules = {rule.kind: rule for rule in DeliveryRule.objects.filter(campaign=campaign)}
    local = rules.get(DeliveryRule.Kind.LOCAL)
    national = rules.get(DeliveryRule.Kind.NATIONAL)
    delivered = Counter(
        Delivery.objects.filter(campaign=campaign, kind=Delivery.Kind.MILESTONE).values_list(
            "division_id", flat=True
        )
    )
    sizes = dict(
        DeliverySigner.objects.filter(campaign=campaign)
        .values_list("delivery_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    expected_total = 0
    if local is not None:
        types = dict(Division.objects.filter(type=local.division_type).values_list("pk", "type"))
        for tally in Tally.objects.filter(campaign=campaign, division_id__in=list(types)):
            due = tally.confirmed // local.batch_size
            expected_total += due
            if tally.milestones_created != due or delivered.get(tally.division_id, 0) != due:
                milestone_problems.append(
                    {
                        "division": tally.division_id,
                        "confirmed": tally.confirmed,
                        "milestones_created": tally.milestones_created,
                        "deliveries": delivered.get(tally.division_id, 0),
                    }
                )
    if national is not None and national.every_n:
        due = confirmed // national.every_n
        expected_total += due
        if delivered.get(None, 0) != due:
            milestone_problems.append({"national": True, "due": due, "made": delivered.get(None)})
    wrong_sizes = 0
    for delivery in Delivery.objects.filter(campaign=campaign, kind=Delivery.Kind.MILESTONE):
        size = local.batch_size if delivery.division_id else national.every_n
        if sizes.get(delivery.pk) != size or delivery.signer_count != size:
            wrong_sizes += 1
    figures = {
        "confirmed": confirmed,
        "public_count": public,
        "count_events_pending": pending_events,
        "tally_drifts": len(drifts),
        "milestones_expected": expected_total,
        "milestone_deliveries": sum(delivered.values()),
        "milestone_problems": milestone_problems[:10],
        "deliveries_with_wrong_signer_count": wrong_sizes,
    }
    checks = {
        "tallies_equal_confirmed_signatures": not drifts and pending_events == 0,
        "public_count_exact": public == confirmed,
        "milestones_exactly_as_expected": not milestone_problems and wrong_sizes == 0,
    }
    return {"figures": figures, "checks": checks}


def current(slug: str, since: float, timeout: float) -> dict:
    """Seconds from `since` (a Unix time) until no count event of the campaign is
    waiting, which is when tallies and milestone deliveries are up to date (the
    processor folds events and creates deliveries in one transaction)."""
    campaign = Campaign.objects.get(slug=slug)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not CountEvent.objects.filter(campaign=campaign).exists():
            return {"current_after_s": round(time.time() - since, 2), "timed_out": False}
        time.sleep(0.05)
    return {"current_after_s": None, "timed_out": True}


def drain(timeout: float) -> dict:
    """Wait until every e-mail and every delivery e-mail is sent (or failed)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        emails = Email.objects.filter(state__in=[Email.State.PENDING, Email.State.SENDING])
        attempts = DeliveryAttempt.objects.filter(
            state__in=[DeliveryAttempt.State.PENDING, DeliveryAttempt.State.SENDING]
        )
        undispatched = Delivery.objects.filter(dispatched_at__isnull=True)
        if not (emails.exists() or attempts.exists() or undispatched.exists()):
            break
        time.sleep(0.25)
    waited = time.monotonic() - started
    return {
        "drained_after_s": round(waited, 2),
        "timed_out": waited >= timeout,
        "emails": dict(Email.objects.values_list("state").annotate(n=Count("id")).order_by()),
        "delivery_attempts": dict(
            DeliveryAttempt.objects.values_list("state").annotate(n=Count("id")).order_by()
        ),
        "deliveries": Delivery.objects.count(),
    }


def timed_reconcile(slug: str) -> dict:
    campaign = Campaign.objects.get(slug=slug)
    started = time.monotonic()
    drifts = reconcile(campaign_ids=[campaign.pk])
    return {"reconcile_seconds": round(time.monotonic() - started, 2), "drifts": len(drifts)}


def area_page(campaign: Campaign, division: Division) -> tuple[str, str] | None:
    """The public page of one area of a campaign, if the application has one.

    Area pages are being built (issue 5); rather than guess one spelling,
    this fills in the parameters of any URL pattern named like an area page.
    """
    from django.urls import NoReverseMatch, get_resolver, reverse
    from django.urls.converters import IntConverter

    resolver = get_resolver()
    names = [
        name
        for name in resolver.reverse_dict
        if isinstance(name, str) and "area" in name and not name.startswith("api")
    ]
    for name in sorted(names):
        for _possibilities, _pattern, _defaults, converters in resolver.reverse_dict.getlist(name):
            kwargs = {}
            for param, converter in converters.items():
                if param in ("slug", "campaign", "campaign_slug"):
                    kwargs[param] = campaign.slug
                elif isinstance(converter, IntConverter):
                    kwargs[param] = division.pk
                else:
                    kwargs[param] = division.ocd_id.removeprefix("ocd-division/")
            try:
                return name, reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                continue
    return None


def paths(slug: str) -> dict:
    from loader import place_id

    campaign = Campaign.objects.get(slug=slug)
    hot = Division.objects.get(ocd_id=place_id(0))
    tally = Tally.objects.filter(campaign=campaign, division=hot).values_list(
        "confirmed", flat=True
    )
    read = {"campaign_page": f"/c/{slug}/", "count_json": f"/api/campaigns/{slug}/count.json"}
    found = area_page(campaign, hot)
    if found:
        read["area_page"] = found[1]
    else:
        # No area page yet: the area look-up the sign form uses, for the hot area.
        read["area_lookup_json"] = f"/api/areas/lookup?campaign={slug}&postal_code=10000"
    return {"read": read, "area_url_name": found[0] if found else None,
            "hot_area_signatures": tally.first()}  # fmt: skip


def sizes() -> dict:
    """Bytes on disk per table (with its indexes and TOAST), the database's
    size, and the signatures they hold: what a signature costs in storage."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC"
        )
        tables = dict(cursor.fetchall())
        cursor.execute("SELECT pg_database_size(current_database())")
        (database,) = cursor.fetchone()
    return {
        "signatures": Signature.objects.count(),
        "database_bytes": database,
        "table_bytes": {name: size for name, size in tables.items() if size > 65536},
    }


def main() -> None:
    command, args = sys.argv[1], sys.argv[2:]
    if command == "links":
        result = links(*args)
    elif command == "check":
        result = check(*args)
    elif command == "current":
        result = current(args[0], float(args[1]), float(args[2]))
    elif command == "drain":
        result = drain(float(args[0]))
    elif command == "paths":
        result = paths(args[0])
    elif command == "reconcile":
        result = timed_reconcile(args[0])
    elif command == "bare":
        result = bare_tables(args[0])
    elif command == "sizes":
        result = sizes()
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
