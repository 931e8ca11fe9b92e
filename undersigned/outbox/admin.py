"""E-mails to signers for staff: their state and errors, and "send again" for
failed ones (the organisers' workspace will call the same action)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import actions
from .models import Email


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "state", "attempts", "next_try_at", "sent_at",
                    "failure", "last_error"]  # fmt: skip
    list_filter = ["state", "failure", "kind"]
    fields = ("id", "kind", "signature", "state", "priority", "attempts", "created_at",
              "queued_at", "next_try_at", "claimed_at", "sent_at", "failure",
              "last_error")  # fmt: skip
    readonly_fields = fields
    actions = ["send_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Send the selected failed e-mails again"), permissions=["change"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[Email]) -> None:
        count = actions.retry(queryset, actor=request.user.get_username())
        self.message_user(
            request,
            ngettext(
                "%(count)d failed e-mail queued again.",
                "%(count)d failed e-mails queued again.",
                count,
            )
            % {"count": count},
        )
