"""Deliveries for staff: attempts and their errors, retry, deliver now, mark mailed,
download the printable pack. Every button calls an action in milestones.py or sending.py."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from undersigned.campaigns.models import Campaign

from . import milestones, sending
from .models import Delivery, DeliveryAttempt
from .rendering import file_stem

State = DeliveryAttempt.State


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = [
        "name", "office", "channel", "address", "state", "attempts", "last_error", "next_try_at",
        "sent_at", "mailed_by",
    ]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at", "campaign", "area", "kind", "milestone", "signer_count", "progress",
        "receipt",
    ]  # fmt: skip
    list_filter = ["campaign", "kind", "completed_at"]
    list_select_related = ["campaign", "division"]
    inlines = [AttemptInline]
    actions = ["retry_failed", "mark_mailed", "download_pack", "look_up_recipients_again"]
    fields = [
        "campaign", "division", "kind", "milestone", "first_number", "signer_count",
        "letter_version", "include_emails", "requested_by", "created_at", "rendered_at",
        "dispatched_at", "completed_at", "pdf_sha256", "csv_sha256", "receipt",
    ]  # fmt: skip
    readonly_fields = fields
    change_list_template = "admin/deliveries/delivery/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                sent=Count("attempts", filter=Q(attempts__state=State.SENT)),
                failed=Count("attempts", filter=Q(attempts__state=State.FAILED)),
                to_mail=Count("attempts", filter=Q(attempts__state=State.AWAITING_MAILING)),
                total=Count("attempts"),
            )
        )

    @admin.display(description="Area")
    def area(self, obj):
        return obj.area_name or "national"

    @admin.display(description="Attempts")
    def progress(self, obj):
        if not obj.total:
            return "no recipients yet"
        parts = [f"{obj.sent}/{obj.total} sent"]
        if obj.failed:
            parts.append(f"{obj.failed} failed")
        if obj.to_mail:
            parts.append(f"{obj.to_mail} to mail")
        return ", ".join(parts)

    @admin.display(description="Receipt")
    def receipt(self, obj):
        return format_html('<a href="{}">receipt</a>', obj.get_absolute_url())

    def _attempts(self, queryset):
        return DeliveryAttempt.objects.filter(delivery__in=queryset)

    def has_pack_permission(self, request) -> bool:
        """The pack lists every signer's name, as a signature export does."""
        return self.has_view_permission(request) and request.user.has_perm(
            "signatures.view_signature"
        )

    def has_deliver_now_permission(self, request) -> bool:
        """Deliver now sends letters to a campaign's targets: a change to deliveries."""
        return self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_deliver_now": self.has_deliver_now_permission(request),
        }
        return super().changelist_view(request, extra_context)

    @admin.action(
        description="Retry failed e-mails of the selected deliveries", permissions=["change"]
    )
    def retry_failed(self, request, queryset):
        count = sending.retry(self._attempts(queryset), actor=request.user.get_username())
        self.message_user(request, f"{count} failed e-mail(s) queued again.")

    @admin.action(
        description="Mark the selected deliveries' letters to post as mailed",
        permissions=["change"],
    )
    def mark_mailed(self, request, queryset):
        count = sending.mark_mailed(self._attempts(queryset), actor=request.user.get_username())
        self.message_user(request, f"{count} letter(s) marked as mailed.")

    @admin.action(
        description="Look up recipients again (officials imported since)", permissions=["change"]
    )
    def look_up_recipients_again(self, request, queryset):
        count = sum(sending.redispatch(delivery) for delivery in queryset)
        self.message_user(request, f"{count} new e-mail(s) queued.")

    @admin.action(description="Download the printable pack (letters to post)", permissions=["pack"])
    def download_pack(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose one delivery.", level=messages.WARNING)
            return None
        return self.pack_view(request, str(queryset.get().pk))

    def get_urls(self):
        return [
            path(
                "deliver-now/",
                self.admin_site.admin_view(self.deliver_now_view),
                name="deliveries_delivery_deliver_now",
            ),
            path(
                "<uuid:delivery_id>/pack/",
                self.admin_site.admin_view(self.pack_view),
                name="deliveries_delivery_pack",
            ),
            *super().get_urls(),
        ]

    def pack_view(self, request, delivery_id):
        """The letters to post, one per recipient awaiting mailing (all recipients if none)."""
        if not self.has_pack_permission(request):
            raise PermissionDenied
        delivery = get_object_or_404(
            Delivery.objects.select_related("campaign", "division", "letter_version"),
            pk=delivery_id,
        )
        pdf = sending.pack(delivery, actor=request.user.get_username())
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{file_stem(delivery)}-pack.pdf"'
        response["Cache-Control"] = "no-store"
        return response

    def deliver_now_view(self, request):
        """Deliver every confirmed signer not yet delivered to a campaign's fixed targets."""
        if not self.has_deliver_now_permission(request):
            raise PermissionDenied
        form = DeliverNowForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            campaign = form.cleaned_data["campaign"]
            try:
                delivery = milestones.deliver_now(campaign, actor=request.user.get_username())
            except milestones.NothingToDeliver as error:
                self.message_user(request, str(error), level=messages.WARNING)
            else:
                self.message_user(
                    request, f"{delivery.label} are on their way to {campaign.title}'s targets."
                )
                return HttpResponseRedirect(
                    reverse("admin:deliveries_delivery_change", args=[delivery.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Deliver now",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/deliveries/delivery/deliver_now.html", context)


class DeliverNowForm(forms.Form):
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.filter(targets__isnull=False).distinct().order_by("title"),
        help_text="Every confirmed signer not yet delivered goes to the campaign's fixed targets.",
    )
