"""Every change to the catalog: compiling, submitting, reviewing and publishing resources,
changing and withdrawing them, their data's freshness, the data element register, the single
source (一数一源) and spreadsheet import.

Each service checks its permission first, validates, writes, and records the audit entry, all in
one transaction. A version is frozen once submitted: publication never edits content in place, a
change opens a new version and the one in force stays until the new one is published.
"""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from govshare.audit.services import audit_record
from govshare.core import clock
from govshare.core.exceptions import InvalidTransition, NotFound, ValidationError
from govshare.core.permissions import authorize
from govshare.core.validation import require, validated
from govshare.orgs.models import Organization, User
from govshare.search.index import index_document, remove_document

from . import spreadsheets
from .indexing import search_document
from .models import (
    ChangeReason,
    Classification,
    DataElement,
    DataItem,
    DataType,
    Resource,
    ResourceVersion,
    SourceClaim,
    SourceConflict,
)

# The metadata a department fills in; everything else on a version is set by the lifecycle.
METADATA_FIELDS = ("name", "summary", "classification", "keywords", "format", "share_type",
                   "share_conditions", "legal_basis", "share_modes", "open_type",
                   "open_conditions", "update_cycle", "contact")
ITEM_FIELDS = ("identifier", "name", "data_type", "length", "description", "element", "is_key",
               "is_source")
IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


def _user(actor):
    return actor if isinstance(actor, User) else None


def _classification(value):
    if isinstance(value, Classification) or value in (None, ""):
        return value or None
    found = Classification.objects.filter(code=str(value).strip()).first()
    if found is None:
        raise ValidationError({"classification": [
            _("分类代码 %(code)s 不存在。") % {"code": value}]})
    return found


def _apply_metadata(version, metadata):
    unknown = sorted(set(metadata) - set(METADATA_FIELDS))
    require({field: [_("不是可填写的字段。")] for field in unknown})
    for field, value in metadata.items():
        if field == "classification":
            value = _classification(value)
        elif isinstance(value, str):
            value = value.strip()
        setattr(version, field, value)
    if "share_modes" in metadata and isinstance(version.share_modes, list | tuple):
        version.share_modes = list(dict.fromkeys(str(m) for m in version.share_modes))


def _element(value, field):
    if value in (None, "") or isinstance(value, DataElement):
        return value or None
    found = DataElement.objects.filter(identifier=str(value).strip()).first()
    if found is None:
        raise ValidationError({field: [_("数据元 %(id)s 不存在。") % {"id": value}]})
    return found


def _build_items(items):
    """Unsaved DataItems from dicts, every bad field reported as items.<n>.<field>."""
    built, errors, seen = [], {}, set()
    for index, raw in enumerate(items):
        prefix = f"items.{index}"
        unknown = sorted(set(raw) - set(ITEM_FIELDS))
        for field in unknown:
            errors[f"{prefix}.{field}"] = [_("不是可填写的字段。")]
        values = {k: (v.strip() if isinstance(v, str) else v) for k, v in raw.items()
                  if k in ITEM_FIELDS}
        try:
            values["element"] = _element(values.get("element"), f"{prefix}.element")
        except ValidationError as error:
            errors.update(error.field_errors)
            values["element"] = None
        item = DataItem(position=index, **{k: v for k, v in values.items() if v is not None})
        identifier = item.identifier
        if identifier and not IDENTIFIER.match(identifier):
            errors[f"{prefix}.identifier"] = [
                _("标识符以字母开头，只含字母、数字和下划线，最长64个字符。")]
        elif identifier in seen:
            errors[f"{prefix}.identifier"] = [_("信息项标识符重复：%(id)s。") % {"id": identifier}]
        seen.add(identifier)
        if item.is_source and item.element is None:
            errors[f"{prefix}.element"] = [_("声明为权威来源的信息项须关联数据元。")]
        try:
            validated(item, exclude=["version"])
        except ValidationError as error:
            for field, msgs in error.field_errors.items():
                errors.setdefault(f"{prefix}.{field}", []).extend(msgs)
        built.append(item)
    require(errors)
    return built


def _related(values, resource=None):
    found = []
    for value in values:
        related = value if isinstance(value, Resource) else Resource.objects.filter(
            code=str(value).strip()).first()
        if related is None or (resource is not None and related.pk == resource.pk):
            raise ValidationError({"related_resources": [
                _("关联资源 %(code)s 不存在或不能关联自身。") % {"code": value}]})
        found.append(related)
    return found


def _checked(version, items, related_resources, resource=None):
    """Validate a version's metadata, items and related resources together, so one refusal
    names every wrong field; returns the unsaved items and the related resources."""
    errors = {}
    checks = [
        ("built", lambda: None if items is None else _build_items(items)),
        ("related", lambda: None if related_resources is None
         else _related(related_resources, resource)),
        ("version", lambda: validated(version, exclude=None if resource else ["resource"])),
    ]
    results = {}
    for name, check in checks:
        try:
            results[name] = check()
        except ValidationError as error:
            errors.update(error.field_errors)
    require(errors)
    return results["built"], results["related"]


def _write_version(version, items, related):
    """Save an editable version with its items and related resources (replacing them)."""
    version.save()
    if items is not None:
        version.items.all().delete()
        for item in items:
            item.version = version
        DataItem.objects.bulk_create(items)
    if related is not None:
        version.related_resources.set(related)


def _next_code(classification, provider):
    """类项目细目 (nine digits) + provider code + a four-digit sequence within both."""
    provider_code = provider.short_code or provider.credit_code[8:17]
    prefix = f"{classification.padded_code}-{provider_code}-"
    taken = Resource.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    sequence = max((int(c[len(prefix):]) for c in taken if c[len(prefix):].isdigit()), default=0)
    return f"{prefix}{sequence + 1:04d}"


def _editable_version(resource):
    version = resource.pending_version
    if version is None or not version.is_editable:
        raise InvalidTransition(_("该资源没有可编辑的草稿；已提交或已发布的内容不能直接修改。"))
    return version


def _submitted_version(resource):
    version = resource.pending_version
    if version is None or version.status != ResourceVersion.Status.SUBMITTED:
        raise InvalidTransition(_("该资源没有待审核的版本。"))
    return version


def _set_status_unless_published(resource, status):
    """A resource in force stays published while its next version is compiled and reviewed."""
    if resource.published_version_id is None:
        resource.status = status
        resource.save(update_fields=["status"])


@transaction.atomic
def resource_create(actor, *, provider, items=(), related_resources=(), **metadata):
    """A new resource of `provider`, with its first version as a draft."""
    authorize(actor, "resource.create", provider)
    version = ResourceVersion(number=1, created_by=_user(actor))
    _apply_metadata(version, metadata)
    built, related = _checked(version, list(items), list(related_resources))
    # Lock the provider so two drafts of one department never draw the same sequence number.
    provider = Organization.objects.select_for_update().get(pk=provider.pk)
    resource = Resource.objects.create(
        code=_next_code(version.classification, provider), provider=provider,
        created_by=_user(actor),
    )
    version.resource = resource
    _write_version(version, built, related)
    audit_record(actor, "resource.create", resource, {"code": resource.code, "version": 1})
    return resource


@transaction.atomic
def resource_update(actor, resource, *, items=None, related_resources=None, **metadata):
    """Edit the draft (or returned) version; `items`, when given, replaces the data items."""
    authorize(actor, "resource.update", resource)
    version = _editable_version(resource)
    _apply_metadata(version, metadata)
    built, related = _checked(version, items, related_resources, resource)
    _write_version(version, built, related)
    audit_record(actor, "resource.update", resource, {
        "version": version.number, "fields": sorted(metadata),
        "items": None if built is None else len(built),
    })
    return resource


@transaction.atomic
def resource_submit(actor, resource):
    """Send the draft to the authority of the provider's region for review (R7)."""
    authorize(actor, "resource.submit", resource)
    version = _editable_version(resource)
    validated(version)
    require({
        "items": [] if version.items.exists() else [_("至少需要一个信息项。")],
        "change_reason": [_("变更须说明原因。")] if version.number > 1
        and not version.change_reason else [],
    })
    version.status = ResourceVersion.Status.SUBMITTED
    version.submitted_at = clock.now()
    version.submitted_by = _user(actor)
    version.save(update_fields=["status", "submitted_at", "submitted_by"])
    _set_status_unless_published(resource, Resource.Status.SUBMITTED)
    audit_record(actor, "resource.submit", resource, {"version": version.number})
    return resource


@transaction.atomic
def resource_return(actor, resource, *, comment):
    """The authority sends the submitted version back with its comments."""
    authorize(actor, "resource.return", resource)
    version = _submitted_version(resource)
    require({"comment": [] if (comment or "").strip() else [_("退回时须填写审核意见。")]})
    version.status = ResourceVersion.Status.RETURNED
    version.reviewed_at = clock.now()
    version.reviewed_by = _user(actor)
    version.review_comment = comment.strip()
    version.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_comment"])
    _set_status_unless_published(resource, Resource.Status.RETURNED)
    audit_record(actor, "resource.return", resource,
                 {"version": version.number, "comment": version.review_comment})
    return resource


@transaction.atomic
def resource_publish(actor, resource, *, comment=""):
    """The authority approves the submitted version; it replaces the one in force and enters the
    region's catalog and, through it, the province's (R7)."""
    authorize(actor, "resource.publish", resource)
    version = _submitted_version(resource)
    now = clock.now()
    previous = resource.published_version
    if previous is not None:
        previous.status = ResourceVersion.Status.SUPERSEDED
        previous.save(update_fields=["status"])
    version.status = ResourceVersion.Status.PUBLISHED
    version.reviewed_at = version.published_at = now
    version.reviewed_by = _user(actor)
    version.review_comment = (comment or "").strip()
    version.publish_date = clock.today()
    version.save(update_fields=["status", "reviewed_at", "published_at", "reviewed_by",
                                "review_comment", "publish_date"])
    resource.published_version = version
    resource.status = Resource.Status.PUBLISHED
    resource.first_published_at = resource.first_published_at or now
    resource.save(update_fields=["published_version", "status", "first_published_at"])
    raised = _sync_claims(resource, version)
    index_document(search_document(resource))
    audit_record(actor, "resource.publish", resource, {
        "version": version.number, "replaces": previous.number if previous else None,
        "conflicts": [c.pk for c in raised],
    })
    return resource


@transaction.atomic
def resource_change(actor, resource, *, change_reason, change_description=""):
    """Open a new version of a published resource (e.g. after an institutional reform, R11),
    starting as a copy of the one in force, which stays in force until the new one is
    published."""
    authorize(actor, "resource.change", resource)
    if resource.status != Resource.Status.PUBLISHED or resource.pending_version is not None:
        raise InvalidTransition(_("只有已发布且没有待办变更的资源才能发起变更。"))
    require({"change_reason": [] if change_reason in ChangeReason.values
             else [_("请选择变更原因。")]})
    current = resource.published_version
    version = ResourceVersion.objects.get(pk=current.pk)
    version.pk = None
    version._state.adding = True
    version.number = resource.versions.order_by("-number").first().number + 1
    version.status = ResourceVersion.Status.DRAFT
    version.change_reason = change_reason
    version.change_description = (change_description or "").strip()
    version.created_at, version.created_by = clock.now(), _user(actor)
    for field in ("submitted_at", "submitted_by", "reviewed_at", "reviewed_by",
                  "published_at", "publish_date"):
        setattr(version, field, None)
    version.review_comment = ""
    items = list(current.items.all())
    for item in items:
        item.pk = None
    _write_version(version, items, list(current.related_resources.all()))
    audit_record(actor, "resource.change", resource,
                 {"version": version.number, "reason": change_reason})
    return version


@transaction.atomic
def resource_discard(actor, resource):
    """Drop the draft or returned version; a resource never published disappears with it."""
    authorize(actor, "resource.discard", resource)
    version = _editable_version(resource)
    audit_record(actor, "resource.discard", resource,
                 {"code": resource.code, "version": version.number})
    if resource.published_version_id is None:
        resource.delete()
    else:
        version.delete()


@transaction.atomic
def resource_withdraw(actor, resource, *, reason):
    """Take a published resource out of the catalog; its versions stay as history."""
    authorize(actor, "resource.withdraw", resource)
    if resource.status != Resource.Status.PUBLISHED:
        raise InvalidTransition(_("只有已发布的资源才能撤销。"))
    require({"reason": [] if (reason or "").strip() else [_("撤销时须说明原因。")]})
    resource.versions.filter(
        status__in=(ResourceVersion.Status.PUBLISHED, *ResourceVersion.OPEN_STATUSES)
    ).update(status=ResourceVersion.Status.WITHDRAWN)
    resource.status = Resource.Status.WITHDRAWN
    resource.withdrawn_at = clock.now()
    resource.withdraw_reason = reason.strip()
    resource.save(update_fields=["status", "withdrawn_at", "withdraw_reason"])
    for claim in resource.source_claims.filter(status__in=SourceClaim.LIVE_STATUSES):
        _drop_claim(claim)
    remove_document(resource.pk)
    audit_record(actor, "resource.withdraw", resource, {"reason": resource.withdraw_reason})
    return resource


@transaction.atomic
def resource_mark_data_updated(actor, resource, *, at=None):
    """Record that the resource's data was refreshed at `at` (now by default); the exchange
    calls this after each ingestion so supervision can find stale resources."""
    authorize(actor, "resource.mark_data_updated", resource)
    now = clock.now()
    at = at or now
    require({"at": [_("数据更新时间不能晚于当前时间。")] if at > now else []})
    if resource.data_updated_at is None or at > resource.data_updated_at:
        resource.data_updated_at = at
        resource.save(update_fields=["data_updated_at"])
    audit_record(actor, "resource.mark_data_updated", resource, {"at": at.isoformat()})
    return resource


# --- single source (一数一源, R11) ---------------------------------------------------------

def _sync_claims(resource, version):
    """Make the resource's claims match the items of the version now in force; returns the
    conflicts this raised. A conflict never blocks publication."""
    wanted = dict(version.items.filter(is_source=True, element__isnull=False)
                  .values_list("element_id", "identifier"))
    raised = []
    for claim in resource.source_claims.select_related("element"):
        if claim.element_id not in wanted:
            if claim.status in SourceClaim.LIVE_STATUSES:
                _drop_claim(claim)
            continue
        identifier = wanted.pop(claim.element_id)
        claim.item_identifier = identifier
        # A claim the authority rejected stays rejected: re-publishing does not reopen it.
        if claim.status == SourceClaim.Status.WITHDRAWN:
            claim.status = SourceClaim.Status.CLAIMED
            claim.save(update_fields=["item_identifier", "status"])
            raised += _evaluate_claim(claim)
        else:
            claim.save(update_fields=["item_identifier"])
    for element_id, identifier in wanted.items():
        claim = SourceClaim.objects.create(element_id=element_id, resource=resource,
                                           item_identifier=identifier)
        raised += _evaluate_claim(claim)
    return raised


def _evaluate_claim(claim):
    """Recognise an unchallenged claim; open (or widen) a conflict when another department
    already claims the element."""
    element = claim.element
    rivals = [c for c in element.claims.filter(status__in=SourceClaim.LIVE_STATUSES)
              .exclude(pk=claim.pk).select_related("resource")
              if c.resource.provider_id != claim.resource.provider_id]
    if not rivals:
        if element.source_id is None:
            claim.status = SourceClaim.Status.RECOGNISED
            claim.save(update_fields=["status"])
            element.source = claim
            element.save(update_fields=["source"])
        return []
    conflict, created = SourceConflict.objects.get_or_create(
        element=element, status=SourceConflict.Status.OPEN)
    conflict.claims.add(claim, *rivals)
    return [conflict] if created else []


def _drop_claim(claim):
    claim.status = SourceClaim.Status.WITHDRAWN
    claim.save(update_fields=["status"])
    element = claim.element
    if element.source_id == claim.pk:
        element.source = None
        element.save(update_fields=["source"])


@transaction.atomic
def source_conflict_resolve(actor, conflict, *, claim, comment=""):
    """The authority names the one authoritative source; the other claims are rejected."""
    authorize(actor, "source_conflict.resolve", conflict)
    if conflict.status != SourceConflict.Status.OPEN:
        raise InvalidTransition(_("该冲突已处理。"))
    live = conflict.claims.filter(status__in=SourceClaim.LIVE_STATUSES)
    if claim is None or not live.filter(pk=claim.pk).exists():
        raise ValidationError({"claim": [_("请从本冲突的有效声明中选择权威来源。")]})
    live.exclude(pk=claim.pk).update(status=SourceClaim.Status.REJECTED)
    claim.status = SourceClaim.Status.RECOGNISED
    claim.save(update_fields=["status"])
    element = conflict.element
    element.source = claim
    element.save(update_fields=["source"])
    conflict.status = SourceConflict.Status.RESOLVED
    conflict.resolved_at = clock.now()
    conflict.resolved_by = _user(actor)
    conflict.decision = claim
    conflict.comment = (comment or "").strip()
    conflict.save()
    audit_record(actor, "source_conflict.resolve", conflict,
                 {"element": element.identifier, "source": claim.resource.code})
    return conflict


# --- data element register ---------------------------------------------------------------

ELEMENT_FIELDS = ("identifier", "name", "definition", "data_type", "length", "standard")


@transaction.atomic
def data_element_create(actor, *, identifier, name, definition="", data_type=DataType.STRING,
                        length=None, standard=""):
    authorize(actor, "data_element.create", None)
    element = DataElement(identifier=identifier.strip(), name=name.strip(),
                          definition=definition, data_type=data_type, length=length,
                          standard=standard)
    validated(element).save()
    audit_record(actor, "data_element.create", element, {"identifier": element.identifier})
    return element


@transaction.atomic
def data_element_update(actor, element, **changes):
    authorize(actor, "data_element.update", element)
    require({field: [_("不是可填写的字段。")] for field in changes if field not in ELEMENT_FIELDS})
    for field, value in changes.items():
        setattr(element, field, value.strip() if isinstance(value, str) else value)
    validated(element).save()
    audit_record(actor, "data_element.update", element, {"fields": sorted(changes)})
    return element


# --- spreadsheets --------------------------------------------------------------------------

@transaction.atomic
def resource_import(actor, *, provider, file):
    """Create or update drafts of `provider` from a filled template. All or nothing: when any
    row is bad nothing is written, and every bad row is reported by sheet and row number."""
    authorize(actor, "resource.create", provider)
    rows, errors = spreadsheets.read_workbook(file)
    results = []
    for row in rows:
        try:
            with transaction.atomic():
                results.append(_import_row(actor, provider, row))
        except ValidationError as error:
            errors += spreadsheets.locate_errors(row, error.field_errors)
        except (InvalidTransition, NotFound) as error:
            errors.append((row.sheet, row.number, str(error.message)))
    if errors:
        raise spreadsheets.import_error(errors)
    audit_record(actor, "resource.import", provider,
                 {"created": sum(1 for _r, new in results if new),
                  "updated": sum(1 for _r, new in results if not new)})
    return results


def _import_row(actor, provider, row):
    if not row.code:
        return resource_create(actor, provider=provider, items=row.items, **row.metadata), True
    resource = Resource.objects.filter(code=row.code, provider=provider).first()
    if resource is None:
        raise NotFound(_("本单位没有代码为 %(code)s 的资源。") % {"code": row.code})
    return resource_update(actor, resource, items=row.items, **row.metadata), False
