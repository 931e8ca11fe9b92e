from django.contrib import admin
from django.utils import timezone

from undersigned.addresses import InvalidAddress, checked
from undersigned.privacy.csvsafe import streaming_csv_response
from undersigned.privacy.identity import email_digest

from . import exports
from .models import Consent, Device, Signature


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    can_delete = False
    fields = ["kind", "partner", "text", "given_at", "withdrawn_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    """Staff see signatures, decrypted, one page at a time.

    The one bulk way out is "Export selected as CSV" (names, postal codes,
    status and dates; no e-mail addresses), recorded in the audit log.
    """

    list_display = ["created_at", "campaign", "status", "name", "postal_code", "confirmed_at"]
    list_filter = ["status", "campaign"]
    list_select_related = ["campaign"]
    search_fields = ["postal_code"]
    search_help_text = "Search by exact e-mail address or by postal code."
    inlines = [ConsentInline]
    fields = [
        "campaign", "status", "letter_version", "name", "email_address", "postal_code",
        "country", "street", "phone_number", "comment_text", "created_at", "confirmed_at",
        "withdrawn_at",
    ]  # fmt: skip
    readonly_fields = fields
    list_per_page = 50
    actions = ["export_csv"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Export selected as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        rows = exports.export_signatures(queryset, actor=request.user.get_username())
        filename = f"signatures-{timezone.now():%Y%m%d-%H%M%S}.csv"
        return streaming_csv_response(filename, exports.HEADER, rows)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if "@" in term:
            try:
                checked(term)
            except InvalidAddress:
                return queryset.none(), False
            return queryset.filter(email_digest=email_digest(term)), False
        return super().get_search_results(request, queryset, term)

    @admin.display(description="Name")
    def name(self, obj):
        return obj.full_name

    @admin.display(description="E-mail")
    def email_address(self, obj):
        return obj.email

    @admin.display(description="Street address")
    def street(self, obj):
        return obj.street_address

    @admin.display(description="Phone")
    def phone_number(self, obj):
        return obj.phone

    @admin.display(description="Comment")
    def comment_text(self, obj):
        return obj.comment


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "last_used_at"]
    fields = ["id", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
