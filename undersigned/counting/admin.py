from django.contrib import admin
from django.http import HttpRequest

from .models import Tally


@admin.register(Tally)
class TallyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at run time
    list_display = ["campaign", "division", "confirmed", "milestones_created", "updated_at"]
    list_filter = ["campaign"]
    list_select_related = ["campaign", "division"]
    readonly_fields = [
        "campaign", "division", "confirmed", "milestones_created", "signers_delivered",
        "goal_delivered", "updated_at",
    ]  # fmt: skip
    search_fields = ["division__name", "division__ocd_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Tally | None = None) -> bool:
        return False
