"""The daily statistics (R17): each day's figures per provider, resource, consumer and
application, computed from the source tables and the access records, and the queries the
dashboards and reports make of them.

A day is a calendar day in the platform's time zone. Flows (what happened during the day) add
up over a period; stocks (a count at the end of the day) are read on the period's last day.
Other apps' models are read through the app registry (monitor imports no other app).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.db.models import BigIntegerField, Count, Max, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govshare.core import clock

from .models import DailyStat, StatsDay


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    stock: bool
    definition: str


MEASURES = (
    Measure("requests_filed", _("提交的共享申请"), False,
            _("当日提交的共享申请数（按申请时间）。")),
    Measure("requests_granted", _("获得授权的申请"), False,
            _("当日进入“已授权”状态的共享申请数。")),
    Measure("requests_refused", _("被拒绝的申请"), False,
            _("当日被提供方拒绝、协调或会商决定不予共享、或认定涉密的次数。")),
    Measure("steps_overdue", _("逾期环节"), False,
            _("办理期限在前一日届满而当时未办结（或办结晚于期限）的受监督环节数。")),
    Measure("grants_active", _("有效授权"), True,
            _("当日结束时已实施、在有效期内且未暂停、撤销或过期的授权数。")),
    Measure("gateway_calls", _("接口调用"), False,
            _("当日经数据接口、库表同步、批量获取和文件下载的访问次数（含被拒绝的）。")),
    Measure("rows_served", _("提供记录数"), False, _("当日成功访问返回的记录条数。")),
    Measure("rows_ingested", _("汇聚记录数"), False, _("当日前置交换系统推送到平台的记录条数。")),
    Measure("errors", _("访问被拒绝"), False,
            _("当日被拒绝的访问次数（无授权、超出授权、配额用尽等）。")),
    Measure("objections_opened", _("提出的异议"), False, _("当日提出或重新提出的数据异议数。")),
    Measure("objections_closed", _("办结的异议"), False, _("当日确认办结的数据异议数。")),
    Measure("resources_stale", _("未按期更新的资源"), True,
            _("当日结束时超过更新周期未更新数据的已发布资源数。")),
)
NAMES = [m.name for m in MEASURES]
FLOWS = [m.name for m in MEASURES if not m.stock]
STOCKS = [m.name for m in MEASURES if m.stock]
REFUSALS = ("refuse", "decide_refuse", "joint_refuse", "secrecy_confirm")
ACCESS = "resource.access"


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The first instant of `day` and of the day after, in the platform's time zone."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _model(label):
    return apps.get_model(*label.split("."))


class _Facts:
    """The figures of one day, keyed by (provider, resource, consumer, application) ids."""

    def __init__(self):
        self.rows: dict = defaultdict(Counter)

    def add(self, measure, key, n):
        if n:
            self.rows[key][measure] += n

    def add_rows(self, measure, rows, key_fields, value="n"):
        for row in rows:
            self.add(measure, tuple(row[f] if f else None for f in key_fields), row[value])


REQUEST_KEY = ("resource__provider_id", "resource_id", "consumer_id", "application_id")


def _requests(facts, start, end):
    requests = _model("sharing.ShareRequest").objects
    filed = (requests.filter(created_at__gte=start, created_at__lt=end)
             .values(*REQUEST_KEY).annotate(n=Count("id")))
    facts.add_rows("requests_filed", filed, REQUEST_KEY)
    entries = _model("sharing.TimelineEntry").objects.filter(
        share_request__isnull=False, at__gte=start, at__lt=end)
    key = tuple(f"share_request__{f}" for f in REQUEST_KEY)
    granted = (entries.filter(to_state="granted").exclude(from_state="granted")
               .values(*key).annotate(n=Count("id")))
    facts.add_rows("requests_granted", granted, key)
    refused = entries.filter(action__in=REFUSALS).values(*key).annotate(n=Count("id"))
    facts.add_rows("requests_refused", refused, key)


def _overdue(facts, day):
    """Supervised steps due the day before (so overdue from this day's start) and late."""
    due = (_model("sharing.Deadline").objects
           .filter(supervised=True, due_date=day - timedelta(days=1))
           .select_related("share_request__resource", "objection__resource"))
    now = clock.now()
    for deadline in due:
        if not deadline.is_overdue(now):
            continue
        if deadline.share_request_id:
            subject = deadline.share_request
            key = (subject.resource.provider_id, subject.resource_id, subject.consumer_id,
                   subject.application_id)
        else:
            subject = deadline.objection
            key = (subject.resource.provider_id, subject.resource_id, subject.consumer_id,
                   None)
        facts.add("steps_overdue", key, 1)


def _grants(facts, day, start, end):
    grants = (_model("sharing.Grant").objects
              .filter(activated_at__lt=end, valid_from__lte=day, valid_until__gte=day)
              .filter(Q(state="active") | Q(state_changed_at__gte=end)))
    key = ("resource__provider_id", "resource_id", "application__organization_id",
           "application_id")
    facts.add_rows("grants_active", grants.values(*key).annotate(n=Count("id")), key)


def _accesses(facts, start, end):
    records = (_model("audit.AuditRecord").objects
               .filter(action=ACCESS, actor_type="application", time__gte=start, time__lt=end)
               .values("actor_id", "organization_id", "outcome", code=KT("summary__resource"))
               .annotate(n=Count("id"),
                         rows=Sum(Cast(KT("summary__rows"), BigIntegerField()))))
    records = list(records)
    resources = dict(((code, (pk, provider)) for pk, code, provider in
                      _model("catalog.Resource").objects.filter(
                          code__in={r["code"] for r in records})
                      .values_list("pk", "code", "provider_id")))
    for row in records:
        resource_id, provider_id = resources.get(row["code"], (None, None))
        key = (provider_id, resource_id, row["organization_id"], int(row["actor_id"]))
        facts.add("gateway_calls", key, row["n"])
        if row["outcome"] == "ok":
            facts.add("rows_served", key, row["rows"] or 0)
        else:
            facts.add("errors", key, row["n"])


def _ingested(facts, start, end):
    batches = (_model("exchange.Batch").objects.filter(received_at__gte=start, received_at__lt=end)
               .values("resource__provider_id", "resource_id").annotate(n=Sum("rows")))
    facts.add_rows("rows_ingested", batches, ("resource__provider_id", "resource_id", "", ""))


def _objections(facts, start, end):
    entries = _model("sharing.TimelineEntry").objects.filter(
        objection__isnull=False, at__gte=start, at__lt=end)
    key = ("objection__resource__provider_id", "objection__resource_id",
           "objection__consumer_id", "")
    for measure, actions in (("objections_opened", ("raise", "reopen")),
                             ("objections_closed", ("confirm",))):
        rows = entries.filter(action__in=actions).values(*key[:3]).annotate(n=Count("id"))
        facts.add_rows(measure, rows, key)


def last_updates(end) -> dict:
    """When each resource's data was last updated before `end`: the batches and files it
    received (a resource updated since keeps its earlier date here)."""
    updates: dict = {}
    for label, field in (("exchange.Batch", "received_at"),
                         ("exchange.FileVersion", "uploaded_at")):
        rows = (_model(label).objects.filter(**{f"{field}__lt": end})
                .values("resource_id").annotate(last=Max(field)))
        for row in rows:
            previous = updates.get(row["resource_id"])
            updates[row["resource_id"]] = max(filter(None, (previous, row["last"])))
    return updates


def _stale(facts, end):
    resources = (_model("catalog.Resource").objects.published()
                 .filter(first_published_at__lt=end).select_related("published_version"))
    history = None
    for resource in resources:
        if resource.data_updated_at and resource.data_updated_at >= end:
            # Updated since: judge the day by the update it had then (never saved).
            history = history if history is not None else last_updates(end)
            resource.data_updated_at = history.get(resource.pk)
        if resource.is_stale(at=end):
            facts.add("resources_stale", (resource.provider_id, resource.pk, None, None), 1)


def compute(day: date) -> list[DailyStat]:
    """The figures of `day`, from the source tables as they are now (unsaved rows)."""
    start, end = day_bounds(day)
    facts = _Facts()
    _requests(facts, start, end)
    _overdue(facts, day)
    _grants(facts, day, start, end)
    _accesses(facts, start, end)
    _ingested(facts, start, end)
    _objections(facts, start, end)
    _stale(facts, end)
    return [DailyStat(day=day, provider_id=provider, resource_id=resource, consumer_id=consumer,
                      application_id=application, **counts)
            for (provider, resource, consumer, application), counts in sorted(
                facts.rows.items(), key=lambda item: tuple(v or 0 for v in item[0]))]


def store(day: date) -> StatsDay:
    """Replace `day`'s rows with freshly computed ones (the caller's transaction)."""
    rows = compute(day)
    DailyStat.objects.filter(day=day).delete()
    DailyStat.objects.bulk_create(rows, batch_size=1000)
    stats_day, _created = StatsDay.objects.update_or_create(
        day=day, defaults={"computed_at": clock.now(), "rows": len(rows)})
    return stats_day


def stale_days(start: date, end: date) -> list[date]:
    """Days of [start, end] (not after today) never computed, or computed before they ended."""
    today = clock.today()
    computed = dict(StatsDay.objects.filter(day__gte=start, day__lte=end)
                    .values_list("day", "computed_at"))
    days = []
    day = start
    while day <= min(end, today):
        if day not in computed or computed[day] < day_bounds(day)[1]:
            days.append(day)
        day += timedelta(days=1)
    return days


# --- reading ------------------------------------------------------------------------------

def totals(rows, start: date, end: date) -> dict:
    """Each measure over [start, end]: flows summed, stocks on the last day computed."""
    in_period = rows.between(start, end)
    figures = in_period.aggregate(**{name: Sum(name) for name in FLOWS})
    last = in_period.aggregate(last=Max("day"))["last"]
    stocks = (rows.filter(day=last).aggregate(**{name: Sum(name) for name in STOCKS})
              if last else {})
    return {name: (figures | stocks).get(name) or 0 for name in NAMES}


def series(rows, start: date, end: date, names) -> dict:
    """Per day of [start, end], each of `names`: {"days": [...], name: [...]}."""
    by_day = {row["day"]: row for row in rows.between(start, end).values("day")
              .annotate(**{name: Sum(name) for name in names})}
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return {"days": [d.isoformat() for d in days],
            **{name: [(by_day.get(d) or {}).get(name) or 0 for d in days] for name in names}}


def by_department(rows, start: date, end: date) -> list[dict]:
    """Each department's figures over [start, end], as provider and as consumer."""
    in_period = rows.between(start, end)
    last = in_period.aggregate(last=Max("day"))["last"]
    table: dict = defaultdict(Counter)
    as_provider = in_period.values("provider_id").annotate(
        received=Sum("requests_filed"), served_calls=Sum("gateway_calls"),
        served_rows=Sum("rows_served"), overdue=Sum("steps_overdue"),
        objections=Sum("objections_opened"))
    as_consumer = in_period.values("consumer_id").annotate(
        filed=Sum("requests_filed"), calls=Sum("gateway_calls"), refused=Sum("errors"))
    stocks = rows.filter(day=last).values("provider_id").annotate(
        grants=Sum("grants_active"), stale=Sum("resources_stale")) if last else []
    for group, key in ((as_provider, "provider_id"), (as_consumer, "consumer_id"),
                       (stocks, "provider_id")):
        for row in group:
            if row[key] is not None:
                table[row[key]].update({k: v or 0 for k, v in row.items() if k != key})
    names = dict(_model("orgs.Organization").objects.filter(pk__in=table)
                 .values_list("pk", "name"))
    return sorted(({"organization_id": pk, "organization": names.get(pk, ""), **counts}
                   for pk, counts in table.items()),
                  key=lambda row: (-row.get("served_calls", 0) - row.get("calls", 0),
                                   row["organization"]))
