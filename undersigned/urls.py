from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path

from undersigned.api import osdi
from undersigned.api import views as api
from undersigned.deliveries import views as deliveries
from undersigned.front import embed, signing
from undersigned.front import views as pages
from undersigned.outbox import views as outbox
from undersigned.participation import views as participation
from undersigned.signatures import manage_views

handler500 = "undersigned.http.server_error"

admin.site.site_header = "undersigned: organisers"
admin.site.site_title = "undersigned"

SLUG = r"(?P<slug>[-a-zA-Z0-9_]+)"

# What a supporter or a target reads, in every language: English at the
# addresses it always had, Spanish under /es/. The language is in the address,
# not in a cookie or the Accept-Language header, so a shared link shows the
# same page to everyone who opens it and the first-visit page stays cacheable.
urlpatterns = i18n_patterns(
    path("", pages.home, name="home"),
    path("c/<slug:slug>/", pages.campaign_page, name="campaign"),
    path("c/<slug:slug>/share.png", pages.share_image, name="share_image"),
    path("c/<slug:slug>/sign/", signing.sign, name="sign"),
    path("c/<slug:slug>/thanks/", pages.thanks, name="thanks"),
    path("c/<slug:slug>/picture/<str:name>", pages.share_picture, name="share_picture"),
    path("c/<slug:slug>/areas/", participation.overview, name="areas"),
    path("c/<slug:slug>/areas/find/", participation.find, name="find_area"),
    # The area's Open Civic Data id without 'ocd-division/': country:us/state:ma/place:x
    path("c/<slug:slug>/areas/<path:ocd>/", participation.area, name="area"),
    path("confirm/<uuid:signature_id>/<str:token>/", signing.confirm, name="confirm"),
    path("my/<str:token>/", manage_views.manage, name="manage"),
    path("unsubscribe/<str:token>/", manage_views.unsubscribe, name="unsubscribe"),
    # What partners put on their sites (front/embed.py, docs/api.md).
    path("embed/c/<slug:slug>/", embed.form_page, name="embed_form"),
    path("embed/c/<slug:slug>/sign/", embed.sign, name="embed_sign"),
    path("embed/c/<slug:slug>/badge/", embed.badge, name="embed_badge"),
    path("embed/c/<slug:slug>/badge.svg", embed.badge_svg, name="embed_badge_svg"),
    path("device/forget/", signing.forget_device, name="forget_device"),
    path("receipts/<str:public_id>/", deliveries.receipt, name="receipt"),
    prefix_default_language=False,
)
urlpatterns += [
    path("api/campaigns/<slug:slug>/count.json", api.campaign_count, name="api_count"),
    path("api/areas/lookup", api.area_lookup, name="api_area_lookup"),
    path("api/campaigns/<slug:slug>/areas.json", api.campaign_areas, name="api_areas"),
    # The OSDI-shaped API (docs/api.md): with or without a trailing slash, as
    # OSDI's examples write both; anything else under it answers a JSON 404.
    re_path(r"^api/v1/?$", osdi.entry_point, name="api_v1"),
    re_path(r"^api/v1/petitions/?$", osdi.petitions, name="api_v1_petitions"),
    re_path(rf"^api/v1/petitions/{SLUG}/?$", osdi.petition, name="api_v1_petition"),
    re_path(rf"^api/v1/petitions/{SLUG}/signatures/?$", osdi.signatures, name="api_v1_signatures"),
    re_path(
        rf"^api/v1/petitions/{SLUG}/signatures/(?P<signature_id>[^/]+)/?$",
        osdi.signature,
        name="api_v1_signature",
    ),
    re_path(
        rf"^api/v1/petitions/{SLUG}/record_signature_helper/?$",
        osdi.record_signature_helper,
        name="api_v1_record_signature",
    ),
    re_path(r"^api/v1/(?P<rest>.*)$", osdi.not_found_here),
    path("outbox/", outbox.outbox, name="outbox"),
    path("outbox/<str:name>", outbox.message, name="outbox_message"),
    path("organise/", include("undersigned.organise.urls")),
    path("admin/", admin.site.urls),
]
