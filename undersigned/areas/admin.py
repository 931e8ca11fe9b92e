from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .actions import tell_changed
from .importers.base import ImportFailed, ImportReport
from .importers.registry import IMPORTERS, run_importer
from .models import ContactPoint, Division, Official, PostalCodeDivision, TargetRule


class ImportForm(forms.Form):
    importer = forms.ChoiceField(label="What the file holds")
    file = forms.FileField()
    dry_run = forms.BooleanField(
        required=False,
        initial=True,
        label="Dry run: show what would change and save nothing",
    )

    def __init__(self, model: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["importer"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (importer.name, importer.label)
            for importer in IMPORTERS.values()
            if importer.model == model
        ]
        if any(i.postal_areas for i in IMPORTERS.values() if i.model == model):
            self.fields["postal_areas"] = forms.FileField(
                required=False,
                label="Postal-code areas (boundaries only, optional)",
                help_text="GeoJSON or zipped shapefile of postal-code polygons, e.g. Census "
                "ZCTAs: links each code to the boundaries covering it, by share of area. "
                "Without it, the ZIP code centres that ship with undersigned are used.",
            )
        if model == "official":
            self.fields["retire_missing"] = forms.BooleanField(
                required=False,
                label="End the term of this source's officials that the file no longer lists",
            )


class ImportMixin(admin.ModelAdmin):
    """An 'Import' page beside the changelist: upload a file, see every bad line
    or what changed. It runs the same importers as `undersigned areas import`."""

    change_list_template = "admin/areas/change_list_with_import.html"
    import_model = ""

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_import"
        urls = [path("import/", self.admin_site.admin_view(self.import_view), name=name)]
        return urls + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = ImportForm(self.import_model, request.POST or None, request.FILES or None)
        report = failure = problem = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = run_importer(
                    form.cleaned_data["importer"],
                    upload,
                    dry_run=form.cleaned_data["dry_run"],
                    retire_missing=form.cleaned_data.get("retire_missing", False),
                    file=upload.name,
                    postal_areas=form.cleaned_data.get("postal_areas"),
                )
            except ImportFailed as error:
                failure = error
            except (ValueError, OSError) as error:
                problem = str(error)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Import {self.opts.verbose_name_plural}",
            "form": form,
            "report": report,
            "failure": failure,
            "problem": problem,
            "changelist_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"
            ),
        }
        status = 400 if failure or problem else 200
        return TemplateResponse(request, "admin/areas/import.html", context, status=status)


@admin.register(Division)
class DivisionAdmin(ImportMixin):
    import_model = "division"
    list_display = [
        "name", "display_name", "type", "ocd_id", "valid_from", "valid_through", "source",
    ]  # fmt: skip
    list_filter = ["type", "country"]
    search_fields = ["ocd_id", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["country", "type"]
    show_full_result_count = False


@admin.register(PostalCodeDivision)
class PostalCodeDivisionAdmin(admin.ModelAdmin):
    list_display = ["country", "postal_code", "division", "weight", "method", "source"]
    list_filter = ["country", "method"]
    search_fields = ["postal_code", "division__ocd_id"]
    raw_id_fields = ["division"]
    list_select_related = ["division"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        # Signatures waiting for an area of this code are placed now, as after an import.
        report = ImportReport("postal link saved in the admin")
        report.postal_codes_changed.add((obj.country, obj.postal_code))
        tell_changed(report)


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    extra = 0
    fields = ["kind", "value", "label", "for_delivery"]


@admin.register(Official)
class OfficialAdmin(ImportMixin):
    import_model = "official"
    list_display = ["name", "office", "role", "division", "party", "start_date", "end_date"]
    list_filter = ["role", "source"]
    search_fields = ["name", "office", "division__ocd_id", "division__name"]
    raw_id_fields = ["division"]
    list_select_related = ["division"]
    inlines = [ContactPointInline]
    readonly_fields = ["key"]

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # With its contacts saved: letters that waited for a lawmaker here go now.
        tell_changed(ImportReport("official saved in the admin", officials_changed=True))


class TargetRuleInline(admin.TabularInline):
    """Shown on the campaign: whom each signer's letter goes to, by area."""

    model = TargetRule
    extra = 0
    fields = ["division_type", "roles", "order"]
    verbose_name = "target by area"
    verbose_name_plural = (
        "Targets by area (the officials of each signer's division of this type; "
        "roles comma-separated, empty for all)"
    )
