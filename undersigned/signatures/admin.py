from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from undersigned.addresses import InvalidAddress, checked
from undersigned.areas.models import TargetRule
from undersigned.campaigns.models import Campaign
from undersigned.privacy.csvsafe import streaming_csv_response
from undersigned.privacy.identity import email_digest

from . import exports, placing
from .models import Consent, Device, Signature


class WaitingFilter(admin.SimpleListFilter):
    title = "waiting for an area"
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [("yes", "Waiting for an area")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=placing.waiting().values("pk"))
        return queryset


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
    list_filter = ["status", WaitingFilter, "campaign"]
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

    def get_urls(self):
        view = self.admin_site.admin_view(self.waiting_view)
        return [path("waiting/", view, name="signatures_signature_waiting"), *super().get_urls()]

    def waiting_view(self, request):
        """Per campaign and state: how many signatures wait for an area, and why."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        can_place = request.user.has_perm("areas.change_postalcodedivision")
        placed = None
        if request.method == "POST":
            if not can_place:
                raise PermissionDenied
            placed = placing.place_waiting()
        by_area = TargetRule.objects.values("campaign_id")
        campaigns = Campaign.objects.filter(pk__in=by_area).exclude(status="archived")
        context = {
            **self.admin_site.each_context(request),
            "title": "Signatures waiting for an area",
            "campaigns": [(c, placing.waiting_by_state(c)) for c in campaigns],
            "can_place": can_place,
            "placed": placed,
            "changelist_url": reverse("admin:signatures_signature_changelist"),
        }
        return TemplateResponse(request, "admin/signatures/waiting.html", context)

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
