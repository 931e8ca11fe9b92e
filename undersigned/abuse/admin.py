from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.contrib import admin
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone

from undersigned.signatures.models import Signature

from . import actions
from .models import ListRule, ReviewSignature

BURST_WINDOW = timedelta(hours=24)
# The domain filter opens recent e-mail addresses in memory to count domains;
# this bounds the work on a busy day.
DOMAIN_SCAN_LIMIT = 5000


@admin.register(ListRule)
class ListRuleAdmin(admin.ModelAdmin):
    list_display = ["pattern", "kind", "verdict", "note", "created_at"]
    list_filter = ["kind", "verdict"]
    search_fields = ["pattern", "note"]


class NetworkBurstFilter(admin.SimpleListFilter):
    title = "network, busiest in the last 24 hours"
    parameter_name = "network"

    def lookups(self, request, model_admin):
        rows = (
            Signature.objects.filter(
                created_at__gte=timezone.now() - BURST_WINDOW, network_digest__isnull=False
            )
            .values("network_digest")
            .annotate(n=Count("pk"))
            .order_by("-n")[:10]
        )
        return [
            (
                bytes(row["network_digest"]).hex(),
                f"network {bytes(row['network_digest']).hex()[:8]} ({row['n']})",
            )
            for row in rows
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        try:
            return queryset.filter(network_digest=bytes.fromhex(value))
        except ValueError:
            return queryset.none()


def recent_domains() -> dict[str, list]:
    recent = Signature.objects.filter(
        created_at__gte=timezone.now() - BURST_WINDOW, erased_at__isnull=True
    ).order_by("-created_at")[:DOMAIN_SCAN_LIMIT]
    by_domain: dict[str, list] = {}
    for signature in recent:
        by_domain.setdefault(signature.email.rpartition("@")[2].lower(), []).append(signature.pk)
    return by_domain


class DomainBurstFilter(admin.SimpleListFilter):
    title = "e-mail domain, busiest in the last 24 hours"
    parameter_name = "domain"

    def lookups(self, request, model_admin):
        counts = Counter({domain: len(ids) for domain, ids in recent_domains().items()})
        return [(domain, f"{domain} ({n})") for domain, n in counts.most_common(10)]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(pk__in=recent_domains().get(value.lower(), []))


@admin.register(ReviewSignature)
class ReviewAdmin(admin.ModelAdmin):
    """Quarantined signatures and bursts, with bulk decisions counted before they happen."""

    list_display = [
        "created_at", "campaign", "status", "held_status", "quarantine_reason", "signals",
        "check_passed", "postal_code", "network",
    ]  # fmt: skip
    list_filter = [
        "status", NetworkBurstFilter, DomainBurstFilter, "campaign", "quarantine_reason",
        "check_passed",
    ]  # fmt: skip
    list_select_related = ["campaign"]
    actions = ["release_selected", "invalidate_selected", "quarantine_selected"]
    fields = [
        "campaign", "status", "held_status", "quarantine_reason", "signals", "check_passed",
        "postal_code", "created_at",
    ]  # fmt: skip
    readonly_fields = fields
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request) -> bool:
        # The rows are never edited one by one (has_change_permission above):
        # the change permission is what lets staff release, invalidate or
        # quarantine them in bulk.
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    def changelist_view(self, request, extra_context=None):
        # The queue opens on what needs a decision.
        if request.method == "GET" and not request.GET:
            return HttpResponseRedirect(f"{request.path}?status__exact=quarantined")
        return super().changelist_view(request, extra_context)

    @admin.display(description="Network")
    def network(self, obj):
        return bytes(obj.network_digest).hex()[:8] if obj.network_digest else ""

    def _decide(self, request, queryset, action_name: str, verb: str, act):
        if request.POST.get("confirmed") == "yes":
            changed = act(queryset, actor=request.user.get_username())
            self.message_user(request, f"{changed} signature{'s' if changed != 1 else ''} {verb}.")
            return None
        counts = list(queryset.values("status").annotate(n=Count("pk")).order_by("status"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Are you sure? ({verb})",
            "opts": self.model._meta,
            "action_name": action_name,
            "verb": verb,
            "counts": counts,
            "total": sum(row["n"] for row in counts),
            "selected": [str(pk) for pk in queryset.values_list("pk", flat=True)],
        }
        return TemplateResponse(request, "admin/abuse/confirm_decision.html", context)

    @admin.action(
        description="Release selected (they count as confirmed or pending)", permissions=["decide"]
    )
    def release_selected(self, request, queryset):
        return self._decide(request, queryset, "release_selected", "released", actions.release)

    @admin.action(description="Invalidate selected (never count)", permissions=["decide"])
    def invalidate_selected(self, request, queryset):
        return self._decide(
            request, queryset, "invalidate_selected", "invalidated", actions.invalidate
        )

    @admin.action(
        description="Quarantine selected (stop counting until reviewed)", permissions=["decide"]
    )
    def quarantine_selected(self, request, queryset):
        return self._decide(
            request, queryset, "quarantine_selected", "quarantined", actions.quarantine
        )
