"""Every change to open data (R19): de-identification rules proposed by the provider and reviewed
by the authority, datasets opened (after the k-anonymity check) and closed, the registration of
enterprises and organisations with their credentials, and their applications for conditionally
open data, which the provider approves, refuses or revokes.

Each service checks its permission first, validates, writes, and records the audit entry, all in
one transaction.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from govshare.audit.services import audit_record
from govshare.catalog.models import OpenType, Resource
from govshare.core import clock
from govshare.core.exceptions import InvalidTransition, ValidationError
from govshare.core.permissions import authorize
from govshare.core.validation import require, validated
from govshare.notifications.dispatch import notify
from govshare.orgs.credit_code import credit_code_errors
from govshare.orgs.tokens import hash_secret
from govshare.sharing.parties import authority_reviewers, sharing_officers

from . import portal
from .credentials import TOKEN_PREFIX
from .deidentify import Deidentifier, k_check, rules_errors
from .models import (
    PUBLIC_OPEN_TYPES,
    AccessRequest,
    Dataset,
    Deidentification,
    Registrant,
    RegistrantCredential,
)

# The version of the terms of use (开放数据使用协议) a registrant accepts; see terms.html.
TERMS_VERSION = "2026-1"
MAX_LICENCE_DAYS = 3 * 366


def _in_force(resource):
    """The resource's version in force, refusing a resource that is not published and open."""
    if resource.status != Resource.Status.PUBLISHED or resource.current is None:
        raise InvalidTransition(_("资源尚未发布或已撤销。"))
    if resource.current.open_type not in PUBLIC_OPEN_TYPES:
        raise ValidationError({"open_type": [_("该资源的开放属性为不予开放，不能向社会开放。")]})
    return resource.current


def _k_report(resource, deidentification):
    deidentifier = Deidentifier(list(resource.data_items()), deidentification.rules)
    report = k_check(deidentifier, deidentification.quasi_identifiers,
                     portal.payloads(resource), settings.GOVSHARE_OPENDATA_K)
    if not report.passed:
        raise ValidationError(report.errors(), k=report.k)
    return report


@transaction.atomic
def deidentification_propose(actor, resource, *, rules, quasi_identifiers=(), note=""):
    """The provider states how each data item leaves (see deidentify.py) and which items are
    quasi-identifiers; the authority reviews it."""
    authorize(actor, "deidentification.propose", resource)
    version = _in_force(resource)
    if Deidentification.objects.filter(resource=resource,
                                       state=Deidentification.State.PROPOSED).exists():
        raise InvalidTransition(_("该资源已有待审核的脱敏规则。"))
    quasi = list(dict.fromkeys(quasi_identifiers or ()))
    require(rules_errors(rules, quasi, list(version.items.all())))
    number = (Deidentification.objects.filter(resource=resource)
              .aggregate(n=Max("number"))["n"] or 0) + 1
    deidentification = Deidentification.objects.create(
        resource=resource, number=number, rules=dict(rules), quasi_identifiers=quasi,
        note=(note or "").strip(), proposed_by=actor, proposed_at=clock.now())
    notify(authority_reviewers(resource.provider.region), event="deidentification.proposed",
           message=gettext_noop("%(provider)s 提交了“%(resource)s”的开放脱敏规则，请审核。"),
           params={"provider": resource.provider.name, "resource": version.name})
    audit_record(actor, "deidentification.propose", deidentification, {
        "resource": resource.code, "number": number, "rules": deidentification.rules,
        "quasi_identifiers": quasi})
    return deidentification


def _proposed(deidentification):
    if deidentification.state != Deidentification.State.PROPOSED:
        raise InvalidTransition(_("只能审核待审核的脱敏规则。"))


@transaction.atomic
def deidentification_approve(actor, deidentification, *, comment=""):
    """The authority puts the rules in force. When the dataset is already open the new rules
    must pass the k-anonymity check too, since they apply to the next download."""
    authorize(actor, "deidentification.approve", deidentification)
    _proposed(deidentification)
    resource = deidentification.resource
    version = _in_force(resource)
    require(rules_errors(deidentification.rules, deidentification.quasi_identifiers,
                         list(version.items.all())))
    if Dataset.objects.filter(resource=resource, state=Dataset.State.OPEN).exists():
        _k_report(resource, deidentification)
    Deidentification.objects.filter(resource=resource, state=Deidentification.State.APPROVED) \
        .update(state=Deidentification.State.SUPERSEDED)
    deidentification.state = Deidentification.State.APPROVED
    deidentification.reviewed_by, deidentification.reviewed_at = actor, clock.now()
    deidentification.review_comment = (comment or "").strip()
    deidentification.save(update_fields=["state", "reviewed_by", "reviewed_at",
                                         "review_comment"])
    notify(sharing_officers(resource.provider), event="deidentification.approved",
           message=gettext_noop("“%(resource)s”的开放脱敏规则已批准。"),
           params={"resource": version.name})
    audit_record(actor, "deidentification.approve", deidentification,
                 {"resource": resource.code, "number": deidentification.number})
    return deidentification


@transaction.atomic
def deidentification_return(actor, deidentification, *, comment):
    authorize(actor, "deidentification.return", deidentification)
    _proposed(deidentification)
    require({"comment": [] if (comment or "").strip() else [_("退回时须填写审核意见。")]})
    deidentification.state = Deidentification.State.RETURNED
    deidentification.reviewed_by, deidentification.reviewed_at = actor, clock.now()
    deidentification.review_comment = comment.strip()
    deidentification.save(update_fields=["state", "reviewed_by", "reviewed_at",
                                         "review_comment"])
    notify(sharing_officers(deidentification.resource.provider),
           event="deidentification.returned",
           message=gettext_noop("“%(resource)s”的开放脱敏规则被退回：%(comment)s"),
           params={"resource": deidentification.resource.name, "comment": comment.strip()})
    audit_record(actor, "deidentification.return", deidentification,
                 {"resource": deidentification.resource.code, "comment": comment.strip()})
    return deidentification


@transaction.atomic
def dataset_open(actor, resource):
    """Release the resource on the portal, its CKAN API and its DCAT catalog. Refused without
    approved rules, and when its quasi-identifiers leave a group of fewer than k records (the
    refusal names the items)."""
    authorize(actor, "dataset.open", resource)
    _in_force(resource)
    rules = Deidentification.objects.filter(resource=resource,
                                            state=Deidentification.State.APPROVED).first()
    if rules is None:
        raise ValidationError({"deidentification": [
            _("须先由信息共享主管部门批准该资源的脱敏规则。")]})
    dataset = Dataset.objects.filter(resource=resource).first()
    if dataset is not None and dataset.state == Dataset.State.OPEN:
        raise InvalidTransition(_("该资源已开放。"))
    report = _k_report(resource, rules)
    dataset = dataset or Dataset(resource=resource)
    dataset.state, dataset.opened_at, dataset.opened_by = Dataset.State.OPEN, clock.now(), actor
    dataset.checked_k, dataset.checked_records = report.k, report.records
    dataset.smallest_group = report.smallest_group
    dataset.closed_at, dataset.closed_by, dataset.close_reason = None, None, ""
    dataset.save()
    audit_record(actor, "dataset.open", dataset, {
        "resource": resource.code, "rules": rules.number, "k": report.k,
        "records": report.records, "smallest_group": report.smallest_group})
    return dataset


@transaction.atomic
def dataset_close(actor, dataset, *, reason):
    authorize(actor, "dataset.close", dataset)
    if dataset.state != Dataset.State.OPEN:
        raise InvalidTransition(_("该数据集未开放。"))
    require({"reason": [] if (reason or "").strip() else [_("请说明关闭的原因。")]})
    dataset.state, dataset.closed_at, dataset.closed_by = Dataset.State.CLOSED, clock.now(), actor
    dataset.close_reason = reason.strip()
    dataset.save(update_fields=["state", "closed_at", "closed_by", "close_reason"])
    audit_record(actor, "dataset.close", dataset,
                 {"resource": dataset.resource.code, "reason": dataset.close_reason})
    return dataset


def _new_credential(registrant):
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    credential = RegistrantCredential.objects.create(
        registrant=registrant, key_id=key_id, secret_hash=hash_secret(secret))
    return credential, f"{TOKEN_PREFIX}_{key_id}_{secret}"


@transaction.atomic
def registrant_register(actor: Registrant, *, accept_terms):
    """Register `actor`, an unsaved registrant filled in by the enterprise or organisation
    itself, which must accept the terms of use. Returns (registrant, credential token); the
    token exists in clear only in this answer."""
    authorize(actor, "registrant.register", None)
    actor.credit_code = (actor.credit_code or "").strip().upper()
    require({
        "accept_terms": [] if accept_terms is True else [_("须阅读并同意开放数据使用协议。")],
        "credit_code": credit_code_errors(actor.credit_code),
    })
    if Registrant.objects.filter(credit_code=actor.credit_code).exists():
        raise ValidationError({"credit_code": [_("该统一社会信用代码已注册。")]})
    actor.terms_version, actor.terms_accepted_at = TERMS_VERSION, clock.now()
    validated(actor).save()
    credential, token = _new_credential(actor)
    audit_record(actor, "registrant.register", actor, {
        "credit_code": actor.credit_code, "terms_version": TERMS_VERSION,
        "credential": credential.key_id})
    return actor, token


@transaction.atomic
def registrant_credential_issue(actor, registrant):
    """A new credential for `registrant`; the returned token is the only time its secret exists
    in clear."""
    authorize(actor, "registrant_credential.issue", registrant)
    if not registrant.is_active:
        raise ValidationError({"registrant": [_("该注册用户已停用。")]})
    credential, token = _new_credential(registrant)
    audit_record(actor, "registrant_credential.issue", credential,
                 {"registrant": registrant.pk})
    return credential, token


@transaction.atomic
def access_request_file(actor: Registrant, resource, *, purpose):
    """A registrant applies for a conditionally open dataset, stating its use."""
    authorize(actor, "access_request.file", resource)
    portal.public_dataset(resource.code)
    if resource.current.open_type != OpenType.CONDITIONAL:
        raise ValidationError({"resource": [_("该数据集无条件开放，无需申请。")]})
    require({"purpose": [] if (purpose or "").strip() else [_("请说明数据的用途和应用场景。")]})
    if AccessRequest.objects.filter(registrant=actor, resource=resource,
                                    state__in=["pending", "approved"]).exists():
        raise InvalidTransition(_("您已申请过该数据集，申请正在审核或已获批准。"))
    access_request = AccessRequest.objects.create(registrant=actor, resource=resource,
                                                  purpose=purpose.strip())
    notify(sharing_officers(resource.provider), event="open_access.requested",
           message=gettext_noop("%(registrant)s 申请使用有条件开放数据“%(resource)s”。"),
           params={"registrant": actor.name, "resource": resource.name})
    audit_record(actor, "access_request.file", access_request,
                 {"resource": resource.code, "credit_code": actor.credit_code})
    return access_request


def _pending(access_request):
    if access_request.state != AccessRequest.State.PENDING:
        raise InvalidTransition(_("只能审核待审核的申请。"))


@transaction.atomic
def access_request_approve(actor, access_request, *, valid_until, comment=""):
    """The provider lets the registrant download the dataset until `valid_until`."""
    authorize(actor, "access_request.approve", access_request)
    _pending(access_request)
    today = clock.today()
    if not (valid_until and today < valid_until <= today + timedelta(days=MAX_LICENCE_DAYS)):
        raise ValidationError({"valid_until": [_("有效期须晚于今天，且不超过三年。")]})
    access_request.state, access_request.valid_until = AccessRequest.State.APPROVED, valid_until
    access_request.decided_by, access_request.decided_at = actor, clock.now()
    access_request.comment = (comment or "").strip()
    access_request.save(update_fields=["state", "valid_until", "decided_by", "decided_at",
                                       "comment"])
    audit_record(actor, "access_request.approve", access_request, {
        "resource": access_request.resource.code, "registrant": access_request.registrant_id,
        "valid_until": valid_until.isoformat()})
    return access_request


@transaction.atomic
def access_request_refuse(actor, access_request, *, reason):
    authorize(actor, "access_request.refuse", access_request)
    _pending(access_request)
    require({"reason": [] if (reason or "").strip() else [_("请说明不予批准的理由。")]})
    access_request.state = AccessRequest.State.REFUSED
    access_request.decided_by, access_request.decided_at = actor, clock.now()
    access_request.comment = reason.strip()
    access_request.save(update_fields=["state", "decided_by", "decided_at", "comment"])
    audit_record(actor, "access_request.refuse", access_request, {
        "resource": access_request.resource.code, "reason": access_request.comment})
    return access_request


@transaction.atomic
def access_request_revoke(actor, access_request, *, reason):
    """End a licence (or withdraw an application): the next download is refused."""
    authorize(actor, "access_request.revoke", access_request)
    if access_request.state not in (AccessRequest.State.PENDING, AccessRequest.State.APPROVED):
        raise InvalidTransition(_("该申请已办结。"))
    require({"reason": [] if (reason or "").strip() else [_("请说明撤销的原因。")]})
    access_request.state = AccessRequest.State.REVOKED
    access_request.comment = reason.strip()
    access_request.save(update_fields=["state", "comment"])
    audit_record(actor, "access_request.revoke", access_request, {
        "resource": access_request.resource.code, "reason": access_request.comment})
    return access_request
