"""What a consuming application may read, and the reading itself: a grant's view of a resource
(its items, rows and masks), point lookups and filtered pages, the change feed, and the daily
quota. Only granted items ever leave, only rows the grant's filter admits, masked as told.
"""

import json
import time
from dataclasses import dataclass, field
from datetime import timedelta

import pyarrow as pa
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from govshare.audit.services import audit_access
from govshare.catalog.models import DataItem, Resource
from govshare.core import clock
from govshare.core.exceptions import NotFound, PermissionDenied, QuotaExceeded, ValidationError
from govshare.core.localcache import LocalCache
from govshare.node.protocol import DELETED_COLUMN, SEQUENCE_COLUMN, arrow_type, record_key
from govshare.node.sink import KEY_METADATA
from govshare.sharing.access import grant_check

from . import store
from .batches import arrow_type_name
from .masking import mask
from .models import Masking, QuotaUsage, Record

MAX_PAGE = 1000
MAX_FEED_PAGE = 50_000


@dataclass
class GrantView:
    """One grant's window on one resource. Built once per grant and reused (see `grant_view`),
    so what it derives from the grant is derived here, once."""

    grant: object
    resource: Resource
    all_items: tuple = ()
    items: list = field(default_factory=list)
    masks: dict[str, str] = field(default_factory=dict)
    identifiers: list[str] = field(init=False)
    key: list[str] = field(init=False)

    def __post_init__(self):
        self.identifiers = [i.identifier for i in self.items]
        self.key = [i.identifier for i in self.all_items if i.is_key]
        self._plan = [(identifier, self.masks.get(identifier)) for identifier in self.identifiers]
        self._admitted = None

    def project(self, payload: dict) -> dict:
        """The granted items of a record, masked where the grant says so."""
        get = payload.get
        return {identifier: mask(rule, get(identifier)) if rule else get(identifier)
                for identifier, rule in self._plan}

    def rows(self):
        """The records the grant admits (live ones, within its row filter)."""
        return Record.objects.filter(resource=self.resource, deleted=False).filter(
            self.grant.row_q("payload"))

    def by_keys(self, keys: list[str], after: int | None, limit: int) -> list[tuple]:
        """(pk, payload) of the admitted records with these keys, in pk order: the gateway's
        commonest call. The ORM would compile the grant's row filter again on every call (as
        long as the query takes), so the admitted rows' SQL is compiled once per view and the
        keys are added around it."""
        if self._admitted is None:
            self._admitted = (self.rows().order_by().values_list("id", "key", "payload")
                              .query.sql_with_params())
        admitted, params = self._admitted
        sql = (f"SELECT id, payload FROM ({admitted}) admitted "  # noqa: S608 (no values in it)
               f"WHERE key IN ({', '.join(['%s'] * len(keys))})")
        params = [*params, *keys]
        if after is not None:
            sql += " AND id > %s"
            params.append(after)
        with connection.cursor() as cursor:
            cursor.execute(sql + " ORDER BY id LIMIT %s", [*params, limit])
            return cursor.fetchall()


# Grant views by (application, resource code, items asked for); emptied whenever a grant, its
# masking, the resource or its items change (apps.py), so a revocation holds from the next
# request. Denials are never cached.
_views = LocalCache()


def grant_view(application, code: str, items=()) -> GrantView:
    """The view of `application`'s usable grant on resource `code`; PermissionDenied (with the
    grant check's reason) when there is none, NotFound when no such resource is published."""
    cache_key = (application.pk, code, tuple(sorted(items)))
    view = _views.get(cache_key)
    # A cached grant still has to be usable today: expiry changes no row.
    if (view is not None and application.is_active
            and view.grant.is_usable(clock.today())):
        return view
    view = _grant_view(application, code, items)
    _views.put(cache_key, view)
    return view


def _grant_view(application, code: str, items) -> GrantView:
    grant = grant_check(application, code, list(items))
    resource = grant.resource
    if resource.status != Resource.Status.PUBLISHED or resource.published_version_id is None:
        raise NotFound()
    # The grant check read the grant alone; the audit record names its application.
    grant.application = application
    granted = set(grant.items)
    masking = Masking.objects.filter(grant=grant).values_list("rules", flat=True).first()
    all_items = tuple(DataItem.objects.filter(version_id=resource.published_version_id)
                      .order_by("position", "pk"))
    return GrantView(grant=grant, resource=resource, all_items=all_items,
                     items=[i for i in all_items if i.identifier in granted],
                     masks=dict(masking or {}))


def _seconds_to_midnight() -> int:
    now = timezone.localtime(clock.now())
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((midnight - now).total_seconds()))


def quota_left(view: GrantView) -> int | None:
    """Records the grant may still read today; QuotaExceeded (429) at zero."""
    quota = view.grant.daily_quota
    if quota is None:
        return None
    used = (QuotaUsage.objects.filter(grant=view.grant, day=clock.today())
            .values_list("records", flat=True).first() or 0)
    if used >= quota:
        raise QuotaExceeded(_("今日配额（%(quota)d 条）已用完。") % {"quota": quota},
                            retry_after=_seconds_to_midnight())
    return quota - used


def _count_usage(view: GrantView, records: int) -> None:
    if view.grant.daily_quota is None or not records:
        return
    today = clock.today()
    if not QuotaUsage.objects.filter(grant=view.grant, day=today).update(
            records=F("records") + records):
        QuotaUsage.objects.create(grant=view.grant, day=today, records=records)


def record_access(application, view: GrantView | None, code: str, summary: dict,
                  started: float, outcome="ok") -> None:
    """The access record of one call (R17): who, which grant, what, how many, how long.
    Committed before the caller answers; chained into the log moments later."""
    credential = getattr(application, "credential", None)
    summary = {**summary, "resource": code,
               "grant": view.grant.pk if view else None,
               # Which credential called, so a passed-on one can be told apart (R15).
               "credential": credential.key_id if credential else "",
               "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
    if view is not None and outcome == "ok" and view.grant.daily_quota is not None:
        with transaction.atomic():
            _count_usage(view, summary.get("rows", 0))
    audit_access(application, code, summary, outcome=outcome,
                 obj=view.grant if view else None)


def lookup(view: GrantView, *, keys: list[str], filters: dict[str, str], after: int | None,
           limit: int) -> tuple[list[dict], int | None]:
    """A page of granted rows: by key, or by equality on granted items; (rows, next cursor)."""
    unknown = [name for name in filters if name not in view.identifiers]
    if unknown:
        raise PermissionDenied(_("不能按未授权的信息项查询：%(items)s。") %
                               {"items": "、".join(unknown)}, reason="items_not_granted")
    masked = [name for name in filters if name in view.masks]
    if masked:
        raise ValidationError({masked[0]: [_("该信息项已脱敏，不能作为查询条件。")]})
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError({"limit": [_("每页条数应在1到%(n)d之间。") % {"n": MAX_PAGE}]})
    if keys and not filters:
        page = view.by_keys(keys, after, limit)
    else:
        page = list(_filtered(view, keys, filters, after).order_by("pk")
                    .values_list("pk", "payload")[:limit])
    next_cursor = page[-1][0] if len(page) == limit else None
    return [view.project(_loaded(payload)) for _pk, payload in page], next_cursor


def _filtered(view: GrantView, keys, filters, after):
    rows = view.rows()
    if keys:
        rows = rows.filter(key__in=keys)
    types = {i.identifier: i.data_type for i in view.items}
    for name, value in filters.items():
        rows = rows.filter(**{f"payload__{name}": _typed(types[name], name, value)})
    if after is not None:
        rows = rows.filter(pk__gt=after)
    return rows


def _typed(data_type: str, name: str, text: str):
    if data_type == "integer":
        try:
            return int(text)
        except ValueError:
            raise ValidationError({name: [_("应为整数。")]}) from None
    if data_type == "decimal":
        try:
            return float(text)
        except ValueError:
            raise ValidationError({name: [_("应为数值。")]}) from None
    if data_type == "boolean":
        return text.lower() in ("1", "true", "yes")
    return text


def _loaded(payload):
    return json.loads(payload) if isinstance(payload, str) else payload


def key_of(view: GrantView, values: dict) -> str:
    return record_key([values[k] for k in view.key])


def feed_schema(view: GrantView) -> pa.Schema:
    """The change feed's Arrow schema: granted items (masked ones as text), sequence, marker;
    the key columns are named in the metadata for the consumer's table."""
    key = view.key
    withheld = [k for k in key if k not in view.identifiers or k in view.masks]
    if withheld:
        raise PermissionDenied(
            _("库表同步须授权未脱敏的主键信息项：%(items)s。") % {"items": "、".join(withheld)},
            reason="key_not_granted")
    fields = [pa.field(i.identifier, pa.string() if i.identifier in view.masks
                       else arrow_type(arrow_type_name(i))) for i in view.items]
    fields += [pa.field(SEQUENCE_COLUMN, pa.int64()), pa.field(DELETED_COLUMN, pa.bool_())]
    return pa.schema(fields, metadata={KEY_METADATA: json.dumps(key).encode()})


def changes(view: GrantView, cursor: int, limit: int) -> tuple[pa.Table, int, bool]:
    """Changes after `cursor` as the grant sees them: a record that left the grant's rows, or
    was deleted, is a deletion. Returns (page, next cursor, more to come)."""
    if not 1 <= limit <= MAX_FEED_PAGE:
        raise ValidationError({"limit": [_("每页条数应在1到%(n)d之间。") % {"n": MAX_FEED_PAGE}]})
    schema = feed_schema(view)
    admits = view.grant.row_predicate()
    records = store.stream(
        Record.objects.filter(resource=view.resource, seq__gt=cursor).order_by("seq"),
        ["payload", "seq", "deleted"])
    columns: dict[str, list] = {f.name: [] for f in schema}
    count = 0
    last = cursor
    for payload, seq, deleted in records:
        payload = _loaded(payload)
        gone = deleted or not admits(payload)
        row = view.project(payload)
        for name in view.identifiers:
            columns[name].append(row[name] if not gone or name in view.key else None)
        columns[SEQUENCE_COLUMN].append(seq)
        columns[DELETED_COLUMN].append(gone)
        last = seq
        count += 1
        if count >= limit:
            break
    arrays = [_column(columns[f.name], f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema), last, count >= limit


def _column(values: list, type_: pa.DataType) -> pa.Array:
    if pa.types.is_date(type_) or pa.types.is_timestamp(type_):
        return pa.array(values, pa.string()).cast(type_)
    return pa.array(values, type_)
