"""Workspace roles and the actions that make accounts for them.

A role is a Django group holding the workspace's permissions (models.py):

- organiser: builds, launches and runs every campaign of the installation
  (one organisation runs it), and works the review queue;
- reviewer: the review queue only;
- partner: the campaigns its partner organisation co-sponsors, nothing else.

Superusers hold every permission and keep the Django admin; workspace
accounts are not staff in Django's sense, so the admin stays closed to them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from undersigned.campaigns.models import Partner
from undersigned.privacy.audit import record
from undersigned.privacy.models import AuditEntry

from .models import PartnerAccount

ORGANISE = "staff.organise"
REVIEW = "staff.review"
SEE_PARTNER_CAMPAIGNS = "staff.see_partner_campaigns"


class Role(models.TextChoices):
    ORGANISER = "organiser", _("Organiser")
    REVIEWER = "reviewer", _("Reviewer")
    PARTNER = "partner", _("Partner")


GROUPS = {
    Role.ORGANISER: ("Organisers", ["organise", "review"]),
    Role.REVIEWER: ("Reviewers", ["review"]),
    Role.PARTNER: ("Partners", ["see_partner_campaigns"]),
}


def group_for(role: Role) -> Group:
    """The role's group, with exactly its permissions (made on first use)."""
    name, codenames = GROUPS[role]
    group, _created = Group.objects.get_or_create(name=name)
    permissions = Permission.objects.filter(content_type__app_label="staff", codename__in=codenames)
    group.permissions.set(permissions)
    return group


def partner_of(user: AbstractBaseUser | AnonymousUser) -> Partner | None:
    """The partner organisation a user acts for, if any."""
    if user.pk is None:
        return None
    account = PartnerAccount.objects.filter(user_id=user.pk).select_related("partner").first()
    return account.partner if account else None


@transaction.atomic
def create_account(
    role: Role,
    username: str,
    *,
    password: str,
    actor: str,
    email: str = "",
    partner: Partner | None = None,
) -> AbstractBaseUser:
    """A new workspace account in `role`. Raises ValidationError on a taken
    username, a weak password or a partner account without its partner."""
    user_model = get_user_model()
    if role == Role.PARTNER and partner is None:
        raise ValidationError(_("A partner account needs its partner organisation."))
    if role != Role.PARTNER and partner is not None:
        raise ValidationError(_("Only partner accounts belong to a partner organisation."))
    if user_model.objects.filter(**{user_model.USERNAME_FIELD: username}).exists():
        raise ValidationError(_("The username %(name)s is taken.") % {"name": username})
    candidate = user_model(**{user_model.USERNAME_FIELD: username, "email": email})
    password_validation.validate_password(password, candidate)
    user = user_model.objects.create_user(username, email, password)
    user.groups.add(group_for(role))
    if partner is not None:
        PartnerAccount.objects.create(user=user, partner=partner)
    record(
        actor,
        AuditEntry.Action.ACCOUNT,
        username=username,
        role=str(role),
        partner=partner.pk if partner else None,
    )
    return user


@transaction.atomic
def new_authenticator(user: AbstractBaseUser, *, replace: bool = False) -> TOTPDevice:
    """A TOTP device for the user, confirmed at once: whoever runs this hands
    the secret over. Refuses a second device unless `replace`."""
    existing = TOTPDevice.objects.filter(user=user)
    if existing.exists() and not replace:
        raise ValidationError(
            _(
                "%(name)s already has an authenticator; "
                "add --replace to remove it and make a new one."
            )
            % {"name": user.get_username()}
        )
    existing.delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def signed_in(request: HttpRequest) -> bool:
    """Signed in, with the second factor when STAFF_2FA asks for one."""
    user = request.user
    if not user.is_authenticated:
        return False
    # OTPMiddleware adds is_verified(): a session that passed the code.
    verified = getattr(user, "is_verified", None)
    return not settings.STAFF_2FA or bool(verified and verified())


def may_organise(request: HttpRequest) -> bool:
    """An organiser past the second factor (who may, say, upload a picture)."""
    return signed_in(request) and request.user.has_perm(ORGANISE)


def has_workspace_role(user: AbstractBaseUser) -> bool:
    return any(user.has_perm(p) for p in (ORGANISE, REVIEW, SEE_PARTNER_CAMPAIGNS))  # type: ignore[attr-defined]
