"""Every change to organisations, people, roles, applications and credentials.

Each service checks its permission first, validates, writes, and records the audit entry, all in
one transaction.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from govshare.audit.services import audit_record
from govshare.core import clock
from govshare.core.exceptions import ValidationError
from govshare.core.permissions import authorize
from govshare.core.validation import require, validated

from .models import Application, Credential, Organization, RoleAssignment, User
from .tokens import TOKEN_PREFIX, hash_secret


@transaction.atomic
def organization_create(actor, *, name, credit_code, region, kind=Organization.Kind.ORGAN,
                        duty=Organization.Duty.DEPARTMENT, parent=None, short_code=""):
    authorize(actor, "organization.create", region)
    organization = validated(Organization(
        name=name, credit_code=credit_code.strip().upper(), region=region, kind=kind, duty=duty,
        parent=parent, short_code=short_code or credit_code[8:17],
    ))
    organization.save()
    audit_record(actor, "organization.create", organization, {"credit_code": credit_code})
    return organization


@transaction.atomic
def organization_update(actor, organization, *, name=None, kind=None, parent=None):
    authorize(actor, "organization.update", organization)
    changes = {k: v for k, v in {"name": name, "kind": kind, "parent": parent}.items()
               if v is not None}
    for field, value in changes.items():
        setattr(organization, field, value)
    validated(organization).save()
    audit_record(actor, "organization.update", organization,
                 {k: str(v) for k, v in changes.items()})
    return organization


def _password_errors(password, user):
    try:
        validate_password(password, user)
    except DjangoValidationError as error:
        return list(error.messages)
    return []


@transaction.atomic
def user_create(actor, *, organization, username, password, display_name="", email=""):
    authorize(actor, "user.create", organization)
    user = User(username=username.strip(), display_name=display_name, email=email,
                organization=organization)
    validated(user, exclude=["password"])
    require({"password": _password_errors(password, user)})
    user.set_password(password)
    user.save()
    audit_record(actor, "user.create", user, {"organization": organization.pk})
    return user


@transaction.atomic
def user_update(actor, target, *, display_name=None, email=None, is_active=None):
    authorize(actor, "user.update", target)
    changes = {k: v for k, v in
               {"display_name": display_name, "email": email, "is_active": is_active}.items()
               if v is not None}
    for field, value in changes.items():
        setattr(target, field, value)
    validated(target, exclude=["password"]).save()
    audit_record(actor, "user.update", target, changes)
    return target


@transaction.atomic
def role_assign(actor, *, user, role, organization=None, region=None):
    assignment = RoleAssignment(user=user, role=role, organization=organization, region=region)
    authorize(actor, "role.assign", assignment)
    if RoleAssignment.objects.filter(user=user, role=role, organization=organization,
                                     region=region).exists():
        raise ValidationError({"role": [_("该用户已拥有此角色。")]})
    validated(assignment).save()
    user.forget_roles()
    audit_record(actor, "role.assign", assignment,
                 {"user": user.pk, "role": role, "scope": str(assignment.scope)})
    return assignment


@transaction.atomic
def role_revoke(actor, assignment):
    authorize(actor, "role.revoke", assignment)
    summary = {"user": assignment.user_id, "role": assignment.role,
               "scope": str(assignment.scope)}
    audit_record(actor, "role.revoke", assignment, summary)
    assignment.delete()
    assignment.user.forget_roles()


@transaction.atomic
def application_create(actor, *, organization, name, description="", contact=""):
    authorize(actor, "application.create", organization)
    application = Application(organization=organization, name=name.strip(),
                              description=description, contact=contact)
    if Application.objects.filter(organization=organization, name=application.name).exists():
        raise ValidationError({"name": [_("本单位已有同名应用系统。")]})
    validated(application).save()
    audit_record(actor, "application.create", application, {"organization": organization.pk})
    return application


@transaction.atomic
def application_update(actor, application, *, name=None, description=None, contact=None,
                       is_active=None):
    authorize(actor, "application.update", application)
    changes = {k: v for k, v in {"name": name, "description": description, "contact": contact,
                                 "is_active": is_active}.items() if v is not None}
    for field, value in changes.items():
        setattr(application, field, value)
    validated(application).save()
    audit_record(actor, "application.update", application, changes)
    return application


@transaction.atomic
def credential_issue(actor, application, *, valid_days=None):
    """A new credential; the returned token is the only time the secret exists in clear."""
    authorize(actor, "credential.issue", application)
    if not application.is_active:
        raise ValidationError({"application": [_("应用系统已停用，不能签发凭证。")]})
    days = settings.GOVSHARE_CREDENTIAL_DAYS if valid_days is None else valid_days
    if days < 0 or days > 3650:
        raise ValidationError({"valid_days": [_("有效天数应在0到3650之间（0表示长期有效）。")]})
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    credential = Credential.objects.create(
        application=application, key_id=key_id, secret_hash=hash_secret(secret),
        expires_at=clock.now() + timedelta(days=days) if days else None,
    )
    audit_record(actor, "credential.issue", credential, {"application": application.pk})
    return credential, f"{TOKEN_PREFIX}_{key_id}_{secret}"


@transaction.atomic
def credential_revoke(actor, credential):
    authorize(actor, "credential.revoke", credential)
    if credential.revoked_at is None:
        credential.revoked_at = clock.now()
        credential.save(update_fields=["revoked_at"])
    audit_record(actor, "credential.revoke", credential,
                 {"application": credential.application_id})
    return credential


@transaction.atomic
def credential_rotate(actor, credential):
    """Revoke `credential` and issue its replacement for the same application."""
    authorize(actor, "credential.revoke", credential)
    credential_revoke(actor, credential)
    return credential_issue(actor, credential.application)
