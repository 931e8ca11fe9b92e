from django.contrib import admin

from .models import Tally


@admin.register(Tally)
class TallyAdmin(admin.ModelAdmin):
    list_display = ["campaign", "division", "confirmed", "milestones_created", "updated_at"]
    list_filter = ["campaign"]
    list_select_related = ["campaign", "division"]
    readonly_fields = [
        "campaign", "division", "confirmed", "milestones_created", "signers_delivered",
        "goal_delivered", "updated_at",
    ]  # fmt: skip
    search_fields = ["division__name", "division__ocd_id"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
