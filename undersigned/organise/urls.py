"""/organise/: the organisers' workspace (see access.py for who sees what)."""

from django.urls import path

from . import builder, dashboard, exports, integrations, launch, partners, review, updates, views

app_name = "organise"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/new/", builder.new_campaign, name="new_campaign"),
    path("campaigns/preview/", builder.body_preview, name="body_preview"),
    path("campaigns/<int:pk>/", views.campaign, name="campaign"),
    *[
        path(f"campaigns/<int:pk>/{step.slug}/", step.view, name=f"step_{step.slug}")
        for step in builder.STEPS
    ],
    path("campaigns/<int:pk>/letter/preview.pdf", builder.letter_pdf, name="letter_pdf"),
    path("campaigns/<int:pk>/letter/preview.png", builder.letter_png, name="letter_png"),
    path("campaigns/<int:pk>/launch/", launch.launch, name="launch"),
    path("campaigns/<int:pk>/embed/", integrations.embedding, name="embedding"),
    path(
        "campaigns/<int:pk>/deliveries/retry/",
        dashboard.retry_deliveries,
        name="retry_deliveries",
    ),
    path("campaigns/<int:pk>/deliveries/mailed/", dashboard.mark_mailed, name="mark_mailed"),
    path(
        "campaigns/<int:pk>/deliveries/<uuid:delivery_id>/pack.pdf",
        dashboard.delivery_pack,
        name="delivery_pack",
    ),
    path("campaigns/<int:pk>/place-waiting/", dashboard.place_now, name="place_now"),
    path("campaigns/<int:pk>/protection/", dashboard.protection, name="protection"),
    path("campaigns/<int:pk>/export/", exports.export_page, name="export"),
    path("campaigns/<int:pk>/export.csv", exports.export_csv, name="export_csv"),
    path("campaigns/<int:pk>/updates/", updates.updates, name="updates"),
    path("campaigns/<int:pk>/updates/new/", updates.new_update, name="new_update"),
    path("campaigns/<int:pk>/updates/<uuid:update_id>/", updates.update_page, name="update"),
    path(
        "campaigns/<int:pk>/updates/<uuid:update_id>/test/",
        updates.send_test,
        name="update_test",
    ),
    path(
        "campaigns/<int:pk>/updates/<uuid:update_id>/send/",
        updates.send,
        name="update_send",
    ),
    path("review/", review.review, name="review"),
    path("keys/", integrations.keys, name="keys"),
    path("keys/<int:pk>/revoke/", integrations.revoke_key, name="revoke_key"),
    path("webhooks/", integrations.endpoints, name="webhooks"),
    path("webhooks/<uuid:pk>/", integrations.endpoint, name="webhook"),
    path("partner/", partners.partner_campaigns, name="partner_campaigns"),
    path("partner/<int:pk>/", partners.partner_campaign_page, name="partner_campaign"),
    path("partner/<int:pk>/export.csv", exports.partner_export_csv, name="partner_export_csv"),
]
