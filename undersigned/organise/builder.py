"""The campaign builder: one page per step, a draft saved at every step.

Each step's form is validated whole before anything is written; the write
is one action call (campaigns.actions and the apps owning the data), which
records it in the audit log. A step answers a bad submission with 400 and
the form as it was sent, with every problem next to its field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from undersigned.areas.coverage import coverage_by_type, roles_by_type
from undersigned.areas.models import Official
from undersigned.campaigns import actions
from undersigned.campaigns.markup import render_markdown
from undersigned.campaigns.models import Campaign, DeliveryRule, ShareImage
from undersigned.deliveries.preview import (
    attachment_names,
    first_page_png,
    preview_email,
    preview_pdf,
)
from undersigned.participation.groups import add_local_group
from undersigned.participation.models import LocalGroup
from undersigned.signatures.forms import consent_texts

from . import forms
from .access import organiser_campaign, organiser_view


@dataclass(frozen=True)
class Step:
    slug: str
    title: str | Promise
    view: Callable[..., HttpResponseBase]


def actor(request: HttpRequest) -> str:
    return request.user.get_username()


def step_url(campaign: Campaign, slug: str) -> str:
    return reverse(f"organise:step_{slug}", args=[campaign.pk])


def render_step(
    request: HttpRequest,
    campaign: Campaign | None,
    slug: str,
    context: dict,
    *,
    status: int = 200,
) -> HttpResponse:
    steps = [
        {
            "number": n,
            "title": step.title,
            "url": step_url(campaign, step.slug) if campaign and campaign.pk else "",
            "current": step.slug == slug,
        }
        for n, step in enumerate(STEPS, 1)
    ]
    context = {"campaign": campaign, "steps": steps, "step": slug, **context}
    return render(request, f"organise/step_{slug}.html", context, status=status)


def saved(request: HttpRequest, campaign: Campaign, slug: str) -> HttpResponse:
    """After a save: on to the next step, or back to this one ('Save')."""
    messages.success(request, _("Saved."))
    if "stay" in request.POST:
        return redirect(step_url(campaign, slug))
    slugs = [step.slug for step in STEPS]
    index = slugs.index(slug)
    if index + 1 < len(slugs):
        return redirect(step_url(campaign, slugs[index + 1]))
    return redirect("organise:launch", campaign.pk)


def bad(request, campaign, slug, context) -> HttpResponse:
    return render_step(request, campaign, slug, context, status=400)


# 1. Basics --------------------------------------------------------------------


def default_organisation() -> str:
    """One organisation runs the installation: as on its last campaign, else the site's name."""
    latest = Campaign.objects.exclude(organisation="").order_by("-created_at").first()
    return latest.organisation if latest else settings.SITE_NAME


@organiser_view
def new_campaign(request: HttpRequest) -> HttpResponse:
    return _basics(request, None)


@organiser_view
def basics(request: HttpRequest, pk: int) -> HttpResponse:
    return _basics(request, organiser_campaign(pk))


def _basics(request: HttpRequest, campaign: Campaign | None) -> HttpResponse:
    instance = (
        Campaign.objects.get(pk=campaign.pk)
        if campaign
        else Campaign(organisation=default_organisation())
    )
    if request.method != "POST":
        form = forms.BasicsForm(instance=instance)
        preview = render_markdown(instance.body) if instance.body else ""
        return render_step(request, campaign, "basics", {"form": form, "preview": preview})
    form = forms.BasicsForm(request.POST, instance=instance)
    if "preview" in request.POST or not form.is_valid():
        preview = render_markdown(request.POST.get("body", ""))
        status = 200 if "preview" in request.POST else 400
        context = {"form": form, "preview": preview}
        return render_step(request, campaign, "basics", context, status=status)
    target = campaign or Campaign(status=Campaign.Status.DRAFT)
    campaign = actions.edit_campaign(target, form.cleaned_data, actor=actor(request), step="basics")
    return saved(request, campaign, "basics")


@organiser_view
@require_POST
def body_preview(request: HttpRequest) -> HttpResponse:
    """The page text as it will show, for the builder's script (the same HTML
    the page renders once saved; the no-script path re-renders the step)."""
    html = render_markdown(request.POST.get("body", "")[:100_000])
    return render(request, "organise/body_preview.html", {"preview": html})


# 2. The letter ------------------------------------------------------------------


@organiser_view
def letter(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = organiser_campaign(pk)
    form = forms.LetterForm(request.POST or None, instance=Campaign.objects.get(pk=pk))
    if request.method == "POST":
        if not form.is_valid():
            return bad(request, campaign, "letter", {"form": form})
        actions.edit_campaign(campaign, form.cleaned_data, actor=actor(request), step="letter")
        return saved(request, campaign, "letter")
    context: dict[str, object] = {"form": form}
    if campaign.letter_body:
        message = preview_email(campaign)
        context["email"] = {
            "subject": message.subject,
            "to": ", ".join(message.to),
            "body": message.body,
            "attachments": attachment_names(message),
        }
    return render_step(request, campaign, "letter", context)


@organiser_view
def letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _letter_file(organiser_campaign(pk), png=False)


@organiser_view
def letter_png(request: HttpRequest, pk: int) -> HttpResponse:
    return _letter_file(organiser_campaign(pk), png=True)


def _letter_file(campaign: Campaign, *, png: bool) -> HttpResponse:
    pdf = preview_pdf(campaign)
    if png:
        response = HttpResponse(first_page_png(pdf), content_type="image/png")
    else:
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{campaign.slug}-preview.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# 3. Targets -----------------------------------------------------------------


def _rules_form(campaign: Campaign, data=None) -> forms.TargetRulesForm:
    rules = list(campaign.target_rules.all())
    initial = {"types": [rule.division_type for rule in rules]}
    initial.update({f"roles_{rule.division_type}": rule.role_list for rule in rules})
    return forms.TargetRulesForm(
        data,
        initial=initial,
        coverage=coverage_by_type(campaign.country),
        roles=roles_by_type(campaign.country),
    )


def _officials_found(query: str) -> list[Official]:
    query = " ".join(query.split())[:100]
    if len(query) < 2:
        return []
    return list(
        Official.objects.current()
        .filter(
            Q(name__icontains=query)
            | Q(office__icontains=query)
            | Q(division__name__icontains=query)
        )
        .select_related("division")
        .order_by("name", "pk")[:20]
    )


def _targets_context(request, campaign, rules_form=None, typed=None) -> dict:
    query = request.GET.get("q", "")
    return {
        "form": rules_form or _rules_form(campaign),
        "typed": typed or forms.TypedTargetForm(),
        "targets": list(campaign.targets.select_related("official")),
        "query": query,
        "found": _officials_found(query),
    }


@organiser_view
def targets(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = organiser_campaign(pk)
    if request.method != "POST":
        return render_step(request, campaign, "targets", _targets_context(request, campaign))
    action = request.POST.get("action", "rules")
    if action == "add_official":
        return _add_official(request, campaign)
    if action == "add_typed":
        typed = forms.TypedTargetForm(request.POST)
        if not typed.is_valid():
            return bad(
                request, campaign, "targets", _targets_context(request, campaign, typed=typed)
            )
        actions.add_target(campaign, actor=actor(request), **typed.cleaned_data)
        messages.success(request, _("Target added."))
        return redirect(step_url(campaign, "targets"))
    if action == "remove":
        try:
            target_id = int(request.POST.get("target", ""))
        except ValueError:
            return bad(request, campaign, "targets", _targets_context(request, campaign))
        actions.remove_target(campaign, target_id, actor=actor(request))
        messages.success(request, _("Target removed."))
        return redirect(step_url(campaign, "targets"))
    form = _rules_form(campaign, request.POST)
    if not form.is_valid():
        return bad(request, campaign, "targets", _targets_context(request, campaign, form))
    rules = [actions.Rule(division_type, roles) for division_type, roles in form.rules()]
    actions.set_target_rules(campaign, rules, actor=actor(request))
    return saved(request, campaign, "targets")


def _add_official(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    chosen = request.POST.get("official", "")
    official = Official.objects.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    if official is None:
        messages.error(request, _("Choose an official from the search results."))
        return bad(request, campaign, "targets", _targets_context(request, campaign))
    if campaign.targets.filter(official=official).exists():
        messages.info(request, _("%(name)s is already a target.") % {"name": official.name})
    else:
        actions.add_target(campaign, actor=actor(request), official=official)
        messages.success(request, _("%(name)s added.") % {"name": official.name})
    return redirect(step_url(campaign, "targets"))


# 4. Delivery ----------------------------------------------------------------


@organiser_view
def delivery(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = organiser_campaign(pk)
    rules = {rule.kind: rule for rule in DeliveryRule.objects.filter(campaign=campaign)}
    local = rules.get(DeliveryRule.Kind.LOCAL)
    national = rules.get(DeliveryRule.Kind.NATIONAL)
    initial = {
        "batch_size": local.batch_size if local else actions.DEFAULT_BATCH,
        "every_n": national.every_n if national else 0,
        "deliver_at_goal": national.deliver_at_goal if national else True,
        "deliver_on_close": national.deliver_on_close if national else True,
        "include_emails": any(rule.include_emails for rule in (local, national) if rule),
    }
    form = forms.DeliveryForm(
        request.POST or None, initial=initial, local=bool(local), national=bool(national)
    )
    context = {"form": form, "local": local, "national": national}
    if request.method != "POST":
        return render_step(request, campaign, "delivery", context)
    if not form.is_valid():
        return bad(request, campaign, "delivery", context)
    values = {**initial, **form.cleaned_data}
    actions.set_delivery(campaign, actor=actor(request), **values)
    return saved(request, campaign, "delivery")


# 5. The form ----------------------------------------------------------------


@organiser_view
def form_settings(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = organiser_campaign(pk)
    form = forms.FormSettingsForm(request.POST or None, instance=Campaign.objects.get(pk=pk))
    context = {"form": form, "consents": [text for text, _p in consent_texts(campaign).values()]}
    if request.method != "POST":
        return render_step(request, campaign, "form", context)
    if not form.is_valid():
        return bad(request, campaign, "form", context)
    actions.edit_campaign(campaign, form.cleaned_data, actor=actor(request), step="form")
    return saved(request, campaign, "form")


# 6. Partners and local groups ---------------------------------------------------


def _partners_context(campaign, chosen=None, new=None, group=None) -> dict:
    partners = campaign.partners.all()
    return {
        "form": chosen or forms.PartnersForm(initial={"partners": list(partners)}),
        "new_partner": new or forms.NewPartnerForm(),
        "group_form": group or forms.LocalGroupForm(partners=partners, country=campaign.country),
        "groups": list(
            LocalGroup.objects.filter(partner__in=partners).select_related("partner", "division")
        ),
    }


@organiser_view
def partners(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = organiser_campaign(pk)
    if request.method != "POST":
        return render_step(request, campaign, "partners", _partners_context(campaign))
    action = request.POST.get("action", "partners")
    if action == "new_partner":
        new = forms.NewPartnerForm(request.POST)
        if not new.is_valid():
            return bad(request, campaign, "partners", _partners_context(campaign, new=new))
        partner = actions.add_partner(**new.cleaned_data, actor=actor(request))
        actions.set_partners(campaign, [*campaign.partners.all(), partner], actor=actor(request))
        messages.success(request, _("%(name)s added as a co-sponsor.") % {"name": partner.name})
        return redirect(step_url(campaign, "partners"))
    if action == "local_group":
        return _add_group(request, campaign)
    chosen = forms.PartnersForm(request.POST)
    if not chosen.is_valid():
        return bad(request, campaign, "partners", _partners_context(campaign, chosen=chosen))
    actions.set_partners(campaign, chosen.cleaned_data["partners"], actor=actor(request))
    return saved(request, campaign, "partners")


def _add_group(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    group = forms.LocalGroupForm(
        request.POST, partners=campaign.partners.all(), country=campaign.country
    )
    if group.is_valid():
        data = group.cleaned_data
        try:
            add_local_group(
                data["partner"],
                data["area"],
                actor=actor(request),
                name=data["name"],
                email=data["email"],
                url=data["url"],
                meets=data["meets"],
            )
        except ValidationError as error:
            group.add_error(None, error)
        else:
            messages.success(request, _("Local group added."))
            return redirect(step_url(campaign, "partners"))
    return bad(request, campaign, "partners", _partners_context(campaign, group=group))


# 7. Dates and sharing -----------------------------------------------------------


@organiser_view
def dates(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = organiser_campaign(pk)
    form = forms.DatesForm(
        request.POST or None, request.FILES or None, instance=Campaign.objects.get(pk=pk)
    )
    image = ShareImage.objects.filter(campaign=campaign).defer("data").first()
    context = {"form": form, "image": image}
    if request.method != "POST":
        return render_step(request, campaign, "dates", context)
    if not form.is_valid():
        return bad(request, campaign, "dates", context)
    data = dict(form.cleaned_data)
    upload, remove = data.pop("image"), data.pop("remove_image")
    actions.edit_campaign(campaign, data, actor=actor(request), step="dates")
    if upload:
        actions.set_share_image(campaign, upload.pop("data"), actor=actor(request), **upload)
    elif remove and image:
        actions.remove_share_image(campaign, actor=actor(request))
    return saved(request, campaign, "dates")


# The steps, in order. The translations step (campaign text in other
# languages: CampaignTranslation and campaigns.actions.save_translation from
# the i18n work) goes after "dates" once that lands on main.
STEPS = [
    Step("basics", gettext_lazy("Basics"), basics),
    Step("letter", gettext_lazy("The letter"), letter),
    Step("targets", gettext_lazy("Targets"), targets),
    Step("delivery", gettext_lazy("Delivery"), delivery),
    Step("form", gettext_lazy("The form"), form_settings),
    Step("partners", gettext_lazy("Partners"), partners),
    Step("dates", gettext_lazy("Dates and sharing"), dates),
]
