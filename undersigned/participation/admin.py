from django.contrib import admin

from .models import LocalGroup


@admin.register(LocalGroup)
class LocalGroupAdmin(admin.ModelAdmin):
    """Local groups appear on the area pages of the campaigns their partner co-sponsors."""

    list_display = ["display_name", "partner", "division", "email", "url"]
    list_filter = ["partner"]
    search_fields = ["name", "partner__name", "division__name", "division__ocd_id"]
    autocomplete_fields = ["partner", "division"]
    fields = ["partner", "division", "name", "email", "url", "meets"]
