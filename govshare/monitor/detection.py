"""The anomaly detector (R15): reads the access records the gateway leaves in the audit log,
folds them into hourly windows per application and resource, learns each application's
baseline from the windows of the days before, and applies four rules. It is incremental: each
run reads only the records after the cursor, and judges only the hours and days they touched.

- volume_spike: an application's calls in one hour exceed `spike_factor` × its usual hourly
  calls and `spike_min_calls` (judged after `baseline_min_days` days of history);
- key_enumeration: the distinct keys one application asked of one resource in a day exceed
  `keys_factor` × its usual daily number and `keys_min` (scraping through a lookup grant);
- new_network: a credential is used from a network (/24, /48) the application never used in
  its baseline days (judged after one day of history);
- off_hours: at least `off_hours_min_calls` calls outside working hours in a day, making at
  least `off_hours_share` of the day's calls, by an application that does not usually work
  then.

Thresholds are the settings in GOVSHARE_ALERTS. `run` returns findings; the service
`alert_detect` turns them into alerts and notifies.
"""

import ipaddress
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.apps import apps
from django.conf import settings
from django.db.models import Max, Min
from django.utils import timezone

from govshare.core import clock

from . import sketch
from .models import AccessWindow, Alert, Baseline

ACCESS = "resource.access"
CHUNK = 2000
SOURCES_KEPT = 100
SAMPLE_KEYS = 20


def _setting(name):
    return settings.GOVSHARE_ALERTS[name]


@dataclass
class Finding:
    """A rule's verdict on one window, before it becomes (or updates) an alert."""

    rule: str
    application_id: int
    subject: str
    window_start: datetime
    window_end: datetime
    observed: float
    threshold: float
    resource_code: str = ""
    evidence: dict = field(default_factory=dict)


@dataclass
class _Fold:
    calls: int = 0
    refused: int = 0
    rows: int = 0
    keys: set = field(default_factory=set)
    sources: set = field(default_factory=set)


def network_of(address: str) -> str:
    """The network an address belongs to, by the configured prefix lengths; "" if none."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = _setting("network_prefix_v4") if ip.version == 4 else _setting("network_prefix_v6")
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def keys_of(summary: dict) -> list[str]:
    """What a call looked up: its keys, and its equality filters (a scraper may walk either)."""
    keys = [str(k) for k in summary.get("keys") or []]
    filters = summary.get("filters") or {}
    return keys + [f"{name}={value}" for name, value in sorted(filters.items())]


def _hour_of(moment) -> datetime:
    return timezone.localtime(moment).replace(minute=0, second=0, microsecond=0)


def _day_bounds(day) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _working_hours() -> tuple[int, int]:
    start, _dash, end = _setting("working_hours").partition("-")
    return int(start.split(":")[0]), int(end.split(":")[0])


def is_off_hours(hour: datetime) -> bool:
    """Whether the hour starting at `hour` lies outside working hours (Monday to Friday)."""
    local = timezone.localtime(hour)
    first, last = _working_hours()
    return local.weekday() >= 5 or not first <= local.hour < last


def _fold(records) -> dict:
    folds: dict = defaultdict(_Fold)
    for actor_id, moment, summary, outcome, address in records:
        if not actor_id.isdigit():
            continue
        fold = folds[(int(actor_id), str(summary.get("resource", "")), _hour_of(moment))]
        fold.calls += 1
        if outcome != "ok":
            fold.refused += 1
        fold.rows += int(summary.get("rows") or 0)
        fold.keys.update(keys_of(summary))
        if address and len(fold.sources) < SOURCES_KEPT:
            fold.sources.add((address, str(summary.get("credential", ""))))
    return folds


def _store(folds) -> None:
    """Add this run's folds to the stored windows (the caller holds the detector's lock)."""
    for (application_id, code, hour), fold in folds.items():
        window, _created = AccessWindow.objects.get_or_create(
            application_id=application_id, resource_code=code, hour=hour)
        window.calls += fold.calls
        window.refused += fold.refused
        window.rows += fold.rows
        window.keys = sketch.add(bytes(window.keys), fold.keys)
        sources = {tuple(s) for s in window.sources} | fold.sources
        window.sources = sorted(sources)[:SOURCES_KEPT]
        window.save()


def read_new_records(after_id: int):
    """(last id read, folds) of the access records after `after_id` up to the log's head now;
    records appended meanwhile wait for the next run."""
    records = apps.get_model("audit", "AuditRecord").objects
    head = records.aggregate(head=Max("id"))["head"] or after_id
    rows = (records.filter(id__gt=after_id, id__lte=head, action=ACCESS,
                           actor_type="application")
            .order_by("id").values_list("actor_id", "time", "summary", "outcome",
                                        "source_address"))
    return head, _fold(rows.iterator(chunk_size=CHUNK))


def _windows(application_id, start, end):
    return AccessWindow.objects.filter(application_id=application_id, hour__gte=start,
                                       hour__lt=end)


def learn_baseline(application_id: int, day) -> Baseline:
    """The application's usual use, from its windows of the `baseline_days` before `day`;
    stored when it is the newest, so the operator sees what the rules compare against.

    Days with an alert the operator has not dismissed are left out: a scraper's first day must
    not become the measure of its second."""
    stored = Baseline.objects.filter(application_id=application_id).first()
    if stored is not None and stored.day == day:
        return stored
    end, _next = _day_bounds(day)
    start = end - timedelta(days=_setting("baseline_days"))
    flagged = {timezone.localdate(moment) for moment in Alert.objects.filter(
        application_id=application_id, window_start__gte=start, window_start__lt=end,
    ).exclude(state=Alert.State.DISMISSED).values_list("window_start", flat=True)}
    calls_by_hour: dict = defaultdict(int)
    keys_by_day: dict = defaultdict(list)
    off_hours = total = 0
    networks = set()
    for window in _windows(application_id, start, end):
        if timezone.localdate(window.hour) in flagged:
            continue
        calls_by_hour[window.hour] += window.calls
        total += window.calls
        off_hours += window.calls if is_off_hours(window.hour) else 0
        if window.keys:
            keys_by_day[(window.resource_code, timezone.localdate(window.hour))].append(
                bytes(window.keys))
        networks.update(network_of(address) for address, _credential in window.sources)
    per_resource: dict = defaultdict(list)
    for (code, _day), bitmaps in keys_by_day.items():
        per_resource[code].append(sketch.estimate(sketch.merge(bitmaps)))
    baseline = Baseline(
        application_id=application_id, day=day,
        active_days=len({timezone.localdate(h) for h, n in calls_by_hour.items() if n}),
        hourly_calls=round(total / len(calls_by_hour), 2) if calls_by_hour else 0,
        daily_keys={code: round(sum(n) / len(n), 2) for code, n in per_resource.items()},
        off_hours_share=round(off_hours / total, 4) if total else 0,
        networks=sorted(n for n in networks if n), computed_at=clock.now())
    if stored is None or stored.day < day:
        baseline.pk = stored.pk if stored else None
        baseline.save()
    return baseline


def _record_span(application_id, start, end, code=None) -> dict:
    """Where the evidence lies in the audit log: the access records of the window."""
    records = apps.get_model("audit", "AuditRecord").objects.filter(
        action=ACCESS, actor_type="application", actor_id=str(application_id),
        time__gte=start, time__lt=end)
    if code is not None:
        records = records.filter(summary__resource=code)
    span = records.aggregate(first_id=Min("id"), last_id=Max("id"))
    sample = []
    for summary in records.order_by("-id").values_list("summary", flat=True)[:SAMPLE_KEYS]:
        sample.extend(keys_of(summary))
    return {**span, "sample_keys": sample[:SAMPLE_KEYS]}


def _volume_spike(application_id, hour, baseline) -> Finding | None:
    if baseline.active_days < _setting("baseline_min_days"):
        return None
    windows = list(_windows(application_id, hour, hour + timedelta(hours=1)))
    calls = sum(w.calls for w in windows)
    threshold = max(_setting("spike_min_calls"),
                    _setting("spike_factor") * baseline.hourly_calls)
    if calls <= threshold:
        return None
    end = hour + timedelta(hours=1)
    return Finding(
        Alert.Rule.VOLUME_SPIKE, application_id, "", hour, end, calls, threshold,
        evidence={"calls": calls, "usual_hourly_calls": baseline.hourly_calls,
                  "by_resource": {w.resource_code: w.calls for w in windows},
                  "records": _record_span(application_id, hour, end)})


def _key_enumeration(application_id, code, day, baseline) -> Finding | None:
    start, end = _day_bounds(day)
    windows = list(_windows(application_id, start, end).filter(resource_code=code))
    distinct = sketch.estimate(sketch.merge(bytes(w.keys) for w in windows))
    usual = baseline.daily_keys.get(code, 0)
    threshold = max(_setting("keys_min"), _setting("keys_factor") * usual)
    if distinct <= threshold:
        return None
    return Finding(
        Alert.Rule.KEY_ENUMERATION, application_id, code, start, end, distinct, threshold,
        resource_code=code,
        evidence={"distinct_keys": distinct, "usual_daily_keys": usual,
                  "calls": sum(w.calls for w in windows), "rows": sum(w.rows for w in windows),
                  "keys_by_hour": {f"{timezone.localtime(w.hour):%H}:00":
                                   sketch.estimate(bytes(w.keys)) for w in windows},
                  "records": _record_span(application_id, start, end, code)})


def _new_networks(application_id, day, baseline) -> list[Finding]:
    if baseline.active_days < 1:
        return []
    start, end = _day_bounds(day)
    seen: dict = defaultdict(lambda: {"addresses": set(), "credentials": set(), "calls": 0})
    for window in _windows(application_id, start, end):
        for address, credential in window.sources:
            network = network_of(address)
            if network and network not in baseline.networks:
                seen[network]["addresses"].add(address)
                seen[network]["credentials"].add(credential)
                seen[network]["calls"] += window.calls
    return [Finding(
        Alert.Rule.NEW_NETWORK, application_id, network, start, end, 1, 0,
        evidence={"network": network, "addresses": sorted(facts["addresses"]),
                  "credentials": sorted(c for c in facts["credentials"] if c),
                  "known_networks": baseline.networks,
                  "records": _record_span(application_id, start, end)})
        for network, facts in sorted(seen.items())]


def _off_hours(application_id, day, baseline) -> Finding | None:
    start, end = _day_bounds(day)
    by_hour: dict = defaultdict(int)
    for window in _windows(application_id, start, end):
        by_hour[window.hour] += window.calls
    total = sum(by_hour.values())
    off = sum(n for hour, n in by_hour.items() if is_off_hours(hour))
    share = _setting("off_hours_share")
    if (off < _setting("off_hours_min_calls") or not total or off / total < share
            or baseline.off_hours_share >= share):
        return None
    return Finding(
        Alert.Rule.OFF_HOURS, application_id, "", start, end, off,
        _setting("off_hours_min_calls"),
        evidence={"off_hours_calls": off, "calls": total, "share": round(off / total, 4),
                  "usual_share": baseline.off_hours_share,
                  "working_hours": _setting("working_hours"),
                  "calls_by_hour": {f"{timezone.localtime(h):%H}:00": n
                                    for h, n in sorted(by_hour.items())},
                  "records": _record_span(application_id, start, end)})


def judge(touched) -> list[Finding]:
    """Apply the rules to the windows a run touched: {(application id, resource, hour)}."""
    findings = []
    hours = {(app, hour) for app, _code, hour in touched}
    days = {(app, timezone.localdate(hour)) for app, hour in hours}
    resource_days = {(app, code, timezone.localdate(hour)) for app, code, hour in touched
                     if code}
    baselines = {(app, day): learn_baseline(app, day) for app, day in days}
    for app, hour in sorted(hours):
        findings.append(_volume_spike(app, hour, baselines[(app, timezone.localdate(hour))]))
    for app, code, day in sorted(resource_days):
        findings.append(_key_enumeration(app, code, day, baselines[(app, day)]))
    for app, day in sorted(days):
        findings.extend(_new_networks(app, day, baselines[(app, day)]))
        findings.append(_off_hours(app, day, baselines[(app, day)]))
    return [f for f in findings if f is not None]


def run(after_id: int) -> tuple[int, int, list[Finding]]:
    """Fold the access records after `after_id` into the windows and judge what they touched;
    (last id read, records read, findings). Old windows are dropped on the way."""
    head, folds = read_new_records(after_id)
    _store(folds)
    retention = timedelta(days=_setting("window_retention_days"))
    AccessWindow.objects.filter(hour__lt=clock.now() - retention).delete()
    return head, sum(f.calls for f in folds.values()), judge(set(folds))
