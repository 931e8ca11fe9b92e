"""Partners' tools, for organisers: API keys, webhooks, and what a
partner's site needs to embed a campaign (the sites allowed, the snippets to
copy). docs/api.md is what the partners read."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from undersigned.counting.counts import confirmed_count
from undersigned.integrations import keys as api_keys
from undersigned.integrations import webhooks
from undersigned.integrations.embeds import embed_origins, set_embed_origins
from undersigned.integrations.models import ApiKey, WebhookEndpoint

from .access import organiser_campaign, organiser_view
from .builder import actor
from .forms import ApiKeyForm, EmbedOriginsForm, WebhookForm


def keys_page(request: HttpRequest, form: ApiKeyForm, *, status: int = 200, new=None):
    context = {
        "form": form,
        "keys": ApiKey.objects.select_related("partner"),
        "new": new,
        "api_url": settings.SITE_URL + reverse("api_v1"),
    }
    response = render(request, "organise/keys.html", context, status=status)
    # The page that shows a new key is its only copy: no cache may keep it.
    response["Cache-Control"] = "no-store"
    return response


@organiser_view
def keys(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return keys_page(request, ApiKeyForm())
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return keys_page(request, form, status=400)
    new = api_keys.create_key(
        form.cleaned_data["label"],
        actor=actor(request),
        partner=form.cleaned_data["partner"],
        scopes=form.chosen_scopes(),
    )
    return keys_page(request, ApiKeyForm(), status=201, new=new)


@organiser_view
@require_POST
def revoke_key(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, pk=pk)
    if api_keys.revoke_key(key, actor=actor(request)):
        messages.success(request, _("“%(label)s” is revoked: it opens nothing from now on.")
                         % {"label": key.label})  # fmt: skip
    return redirect("organise:keys")


def snippets(campaign) -> dict[str, str]:
    site = settings.SITE_URL
    form_url = site + reverse("embed_form", args=[campaign.slug])
    badge_url = site + reverse("embed_badge", args=[campaign.slug])
    svg_url = site + reverse("embed_badge_svg", args=[campaign.slug])
    page_url = site + campaign.get_absolute_url()
    title = campaign.title.replace('"', "&quot;").replace("<", "&lt;")
    return {
        "form": f'<iframe src="{form_url}" title="{title}" width="100%" height="1100" '
        'style="border:0;max-width:36rem" loading="lazy"></iframe>',
        "badge": f'<iframe src="{badge_url}" title="{title}" width="320" height="110" '
        'style="border:0" loading="lazy"></iframe>',
        "image": f'<a href="{page_url}"><img src="{svg_url}" width="320" height="64" '
        f'alt="{title}"></a>',
        "count": site + reverse("api_count", args=[campaign.slug]),
    }


@organiser_view
def embedding(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = organiser_campaign(pk)
    if request.method == "POST":
        form = EmbedOriginsForm(request.POST)
        if form.is_valid():
            set_embed_origins(campaign, form.cleaned_data["origins"], actor=actor(request))
            messages.success(request, _("Saved."))
            return redirect("organise:embedding", pk=campaign.pk)
        status = 400
    else:
        form = EmbedOriginsForm(initial={"origins": "\n".join(embed_origins(campaign))})
        status = 200
    context = {
        "campaign": campaign,
        "form": form,
        "snippets": snippets(campaign),
        "count": confirmed_count(campaign),
    }
    return render(request, "organise/embedding.html", context, status=status)


def uuid_or_404(text: str | None) -> uuid.UUID:
    try:
        return uuid.UUID(text or "")
    except ValueError:
        raise Http404 from None


def no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@organiser_view
def endpoints(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST if request.method == "POST" else None)
    new, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            new = webhooks.add_endpoint(
                data["url"],
                actor=actor(request),
                label=data["label"],
                partner=data["partner"],
                events=data["events"],
            )
            form, status = WebhookForm(), 201
        else:
            status = 400
    context = {"form": form, "endpoints": WebhookEndpoint.objects.select_related("partner"),
               "new": new}  # fmt: skip
    return no_store(render(request, "organise/webhooks.html", context, status=status))


@organiser_view
def endpoint(request: HttpRequest, pk: str) -> HttpResponse:
    found = get_object_or_404(WebhookEndpoint, pk=pk)
    secret = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "secret":
            secret = webhooks.replace_secret(found, actor=actor(request))
        elif action == "remove":
            webhooks.remove_endpoint(found, actor=actor(request))
            messages.success(request, _("“%(label)s” is removed: nothing more is sent to it.")
                             % {"label": found.label})  # fmt: skip
            return redirect("organise:webhooks")
        elif action == "retry":
            delivery = get_object_or_404(
                found.deliveries, pk=uuid_or_404(request.POST.get("delivery"))
            )
            if webhooks.retry_delivery(delivery, actor=actor(request)):
                messages.success(request, _("It will be sent again in a moment."))
            return redirect("organise:webhook", pk=found.pk)
        elif action in {"on", "off"}:
            webhooks.switch(found, on=action == "on", actor=actor(request))
            return redirect("organise:webhook", pk=found.pk)
        else:
            return HttpResponse(_("Unknown action."), status=400)
    context = {"endpoint": found, "secret": secret, "log": webhooks.endpoint_log(found)}
    return no_store(render(request, "organise/webhook.html", context))
