from django.contrib import admin

from undersigned.areas.admin import TargetRuleInline
from undersigned.counting.counts import confirmed_counts

from .actions import save_campaign, save_translation
from .models import Campaign, CampaignTranslation, DeliveryRule, LetterVersion, Partner, Target


class DeliveryRuleInline(admin.TabularInline):
    model = DeliveryRule
    extra = 0
    fields = [
        "kind", "division_type", "batch_size", "every_n", "deliver_at_goal", "deliver_on_close",
        "include_emails",
    ]  # fmt: skip


class TargetInline(admin.StackedInline):
    model = Target
    extra = 0
    fields = ["official", "name", "title", "organisation", "postal_address", "email", "order"]
    raw_id_fields = ["official"]


class TranslationInline(admin.StackedInline):
    """The campaign in another language. Saved through save_translation(), which
    records the translated letter as a version of its own."""

    model = CampaignTranslation
    extra = 0
    fields = [
        "language", "title", "summary", "body", "letter_subject", "letter_body", "addressee",
    ]  # fmt: skip
    verbose_name_plural = "Translations (title, summary, body and letter in other languages)"


class LetterVersionInline(admin.TabularInline):
    model = LetterVersion
    extra = 0
    can_delete = False
    fields = ["language", "number", "subject", "created_at"]
    readonly_fields = fields
    verbose_name_plural = "Letter versions (recorded automatically when the letter changes)"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "goal", "confirmed", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["partners"]
    inlines = [
        TranslationInline,
        TargetInline,
        TargetRuleInline,
        DeliveryRuleInline,
        LetterVersionInline,
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "status", "goal", "organisation"]}),
        ("Languages", {"fields": [("language", "delivery_language")]}),
        ("Page", {"fields": ["summary", "body", "partners"]}),
        ("Letter", {"fields": ["letter_subject", "letter_body", "addressee"]}),
        (
            "Form",
            {
                "description": "E-mail is always asked and required: it confirms signatures.",
                "fields": [
                    "country",
                    "area_threshold",
                    ("first_name_field", "last_name_field"),
                    ("postal_code_field", "street_address_field"),
                    ("phone_field", "comment_field"),
                ],
            },
        ),
        (
            "Abuse resistance",
            {
                "description": "A sign-up over the network limit, or any sign-up while the "
                "proof of work is on, is asked for a short check that people pass (their "
                "browser solves a puzzle, or they wait a few seconds without JavaScript); "
                "nobody is turned away. See docs/privacy.md.",
                "fields": ["rate_limit_per_hour", "proof_of_work"],
            },
        ),
    ]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            # One query for the page, kept on the listed objects: the admin
            # instance is shared by every request and thread.
            campaigns = list(changelist.result_list)
            counts = confirmed_counts(campaign.pk for campaign in campaigns)
            for campaign in campaigns:
                campaign.confirmed_count = counts.get(campaign.pk, 0)
        return response

    @admin.display(description="Confirmed")
    def confirmed(self, obj):
        return obj.confirmed_count

    def save_model(self, request, obj, form, change):
        save_campaign(obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is not CampaignTranslation:
            return super().save_formset(request, form, formset, change)
        for translation in formset.save(commit=False):
            save_translation(translation)
        for translation in formset.deleted_objects:
            translation.delete()
        return None


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "url"]
    search_fields = ["name"]
