from django.contrib import admin
from django.urls import path

from undersigned.api import views as api
from undersigned.campaigns import views as campaigns
from undersigned.outbox import views as outbox
from undersigned.signatures import manage_views
from undersigned.signatures import views as signatures

admin.site.site_header = "undersigned: organisers"
admin.site.site_title = "undersigned"

urlpatterns = [
    path("", campaigns.home, name="home"),
    path("c/<slug:slug>/", campaigns.campaign_page, name="campaign"),
    path("c/<slug:slug>/sign/", signatures.sign, name="sign"),
    path("c/<slug:slug>/thanks/", campaigns.thanks, name="thanks"),
    path("confirm/<uuid:signature_id>/<str:token>/", signatures.confirm, name="confirm"),
    path("my/<str:token>/", manage_views.manage, name="manage"),
    path("unsubscribe/<str:token>/", manage_views.unsubscribe, name="unsubscribe"),
    path("device/forget/", signatures.forget_device, name="forget_device"),
    path("api/campaigns/<slug:slug>/count.json", api.campaign_count, name="api_count"),
    path("outbox/", outbox.outbox, name="outbox"),
    path("outbox/<str:name>", outbox.message, name="outbox_message"),
    path("admin/", admin.site.urls),
]
