"""Outgoing work for staff: the workers alive, and the work that is stuck.

The list of workers (Admin → Outgoing work → Workers) opens with a report
(workers.report()): e-mails and letters late or failed, claims whose worker
died, task rows left running or taken back. The admin of each kind retries
its failed rows (outbox, deliveries).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from .models import WorkerBeat
from .workers import report


@admin.register(WorkerBeat)
class WorkerBeatAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at run time
    list_display = ("host", "pid", "started_at", "beat_at", "expires_at", "task_id")
    change_list_template = "admin/outgoing/workerbeat/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return super().changelist_view(request, {**(extra_context or {}), "report": report()})
