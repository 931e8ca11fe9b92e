from django.apps import AppConfig

# Imported as a module, not a class, so this module's only default AppConfig
# stays StaffConfig (Django picks an app's config among the classes it finds here).
from django.contrib.admin import apps as admin_apps


class StaffConfig(AppConfig):
    default = True
    name = "undersigned.staff"
    label = "staff"
    verbose_name = "Staff accounts"


class StaffAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our admin site (two-factor when STAFF_2FA is on)."""

    default = False
    default_site = "undersigned.staff.admin_site.StaffAdminSite"
