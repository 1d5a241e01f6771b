"""The inspection rules: one function per violation of article 22, each reading the database
for one region (and the regions below it) and one period and yielding a `Hit` per violation,
with the evidence it read. The service `inspection_run` turns hits into findings.

States (a catalog, a resource's data, a department's node, an approved project) are judged as
they stand at the end of the period, or now while it runs; events (refusals, deadlines,
refused pushes) count when they fall inside the period. docs/supervision.md lists each rule.
"""

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils.translation import gettext_noop

from govshare.audit.models import AuditRecord
from govshare.catalog.models import ChangeReason, Resource, ResourceVersion, ShareMode, ShareType
from govshare.exchange.models import FileVersion, Node, Record, RefusedPush
from govshare.monitor.models import Alert
from govshare.orgs.models import Organization, Region
from govshare.sharing.models import Deadline, Party, TimelineEntry
from govshare.sharing.workflow import OBJECTION, SHARE_REQUEST

from .models import InfoProject, Rule
from .periods import Period
from .projects import sharing_gaps


@dataclass
class Hit:
    rule: str
    organization: Organization
    object_type: str
    object_id: str
    object_repr: str
    message: str
    params: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)


def organizations_in(region: Region):
    """The organisations of `region` and the regions below it."""
    return Organization.objects.filter(
        Q(region=region) | Q(region__path__startswith=region.path + "/"))


@dataclass(frozen=True)
class Scope:
    region: Region
    period: Period

    def organizations(self):
        return organizations_in(self.region)

    def departments(self):
        return self.organizations().filter(duty=Organization.Duty.DEPARTMENT)


def _when(value) -> str:
    return value.isoformat() if value else ""


def _grace() -> timedelta:
    return timedelta(days=settings.GOVSHARE_SUPERVISION_GRACE_DAYS)


def _resource_hit(rule, resource, message, params=None, evidence=None):
    return Hit(rule, resource.provider, "catalog.resource", str(resource.pk),
               f"{resource.code} {resource.name}"[:300], message,
               {"code": resource.code, "name": resource.name, **(params or {})},
               {"resource": resource.code, "name": resource.name, **(evidence or {})})


# --- 三: catalog not compiled or not updated as required -------------------------------------

def catalog_missing(scope: Scope) -> Iterator[Hit]:
    """A department with no resource published by the period's end."""
    as_of = scope.period.as_of()
    published = Resource.objects.published().filter(first_published_at__lt=as_of)
    for department in scope.departments().exclude(
            pk__in=published.values("provider_id")).order_by("pk"):
        counts = dict(Resource.objects.filter(provider=department).values_list("status")
                      .annotate(n=Count("pk")).values_list("status", "n"))
        yield Hit(Rule.CATALOG_MISSING, department, "orgs.organization", str(department.pk),
                  department.name,
                  gettext_noop("截至%(as_of)s未发布任何信息资源目录（编制中%(compiling)d项）。"),
                  {"as_of": f"{as_of:%Y-%m-%d}", "compiling": sum(counts.values())},
                  {"as_of": _when(as_of), "resources_by_status": counts})


def catalog_stale(scope: Scope) -> Iterator[Hit]:
    """A published resource whose data was not updated within its update cycle."""
    as_of = scope.period.as_of()
    stale = (Resource.objects.stale(at=as_of).filter(provider__in=scope.organizations())
             .select_related("provider", "published_version").order_by("pk"))
    for resource in stale:
        since = resource.data_updated_at or resource.first_published_at
        yield _resource_hit(
            Rule.CATALOG_STALE, resource,
            gettext_noop("资源 %(code)s（%(name)s）更新周期为“%(cycle)s”，最近一次数据更新在"
                         "%(since)s，至%(as_of)s已%(days)d天未更新。"),
            {"cycle": resource.current.get_update_cycle_display(), "since": f"{since:%Y-%m-%d}",
             "as_of": f"{as_of:%Y-%m-%d}", "days": (as_of - since).days},
            {"update_cycle": resource.current.update_cycle,
             "data_updated_at": _when(resource.data_updated_at),
             "first_published_at": _when(resource.first_published_at), "as_of": _when(as_of)})


def _reforms(scope: Scope, before):
    """(organisation id, time, changes) of each institutional reform recorded in the audit log
    (a change of an organisation's name or parent) before `before`."""
    updates = AuditRecord.objects.filter(
        action="organization.update", outcome="ok", object_type="orgs.organization",
        time__lt=before,
        object_id__in=[str(pk) for pk in scope.organizations().values_list("pk", flat=True)])
    for record in updates.order_by("time"):
        changes = {k: v for k, v in record.summary.items() if k in ("name", "parent")}
        if changes:
            yield int(record.object_id), record.time, changes


def reform_not_resubmitted(scope: Scope) -> Iterator[Hit]:
    """After an institutional reform, the catalog changes are re-submitted within the grace
    days: a change opened for the reform and left unsubmitted, or (a reform recorded for the
    department) a resource in force with no version submitted since."""
    deadline = scope.period.as_of() - _grace()
    left = (ResourceVersion.objects.filter(
        change_reason=ChangeReason.INSTITUTIONAL_REFORM,
        status__in=ResourceVersion.EDITABLE_STATUSES,
        created_at__lt=deadline, resource__provider__in=scope.organizations())
        .select_related("resource__provider", "resource__published_version").order_by("pk"))
    reported = set()
    for version in left:
        reported.add(version.resource_id)
        yield _resource_hit(
            Rule.REFORM_NOT_RESUBMITTED, version.resource,
            gettext_noop("资源 %(code)s（%(name)s）因机构改革发起的变更（第%(number)d版）自"
                         "%(opened)s起未报送审核。"),
            {"number": version.number, "opened": f"{version.created_at:%Y-%m-%d}"},
            {"version": version.number, "version_status": version.status,
             "change_opened_at": _when(version.created_at)})
    for organization_id, at, changes in _reforms(scope, deadline):
        resources = (Resource.objects.published().filter(provider_id=organization_id)
                     .exclude(pk__in=reported)
                     .exclude(versions__submitted_at__gte=at)
                     .select_related("provider", "published_version").order_by("pk"))
        for resource in resources:
            reported.add(resource.pk)
            yield _resource_hit(
                Rule.REFORM_NOT_RESUBMITTED, resource,
                gettext_noop("%(reformed)s机构改革（%(changes)s）后，资源 %(code)s（%(name)s）"
                             "未重新报送目录变更。"),
                {"reformed": f"{at:%Y-%m-%d}",
                 "changes": "、".join(f"{k}: {v}" for k, v in changes.items())},
                {"reform_at": _when(at), "reform_changes": changes,
                 "version_in_force": resource.current.number,
                 "version_published_at": _when(resource.current.published_at)})


# --- 四: catalogued data not shared free through the platform --------------------------------

def _shared(resources):
    return resources.filter(published_version__share_type__in=[ShareType.UNCONDITIONAL,
                                                               ShareType.CONDITIONAL])


def shared_without_data(scope: Scope) -> Iterator[Hit]:
    """A published shared resource, past the grace days, with no record and no file on the
    platform."""
    as_of = scope.period.as_of()
    resources = (_shared(Resource.objects.published())
                 .filter(provider__in=scope.organizations(),
                         first_published_at__lt=as_of - _grace())
                 .exclude(Exists(Record.objects.filter(resource=OuterRef("pk"), deleted=False)))
                 .exclude(Exists(FileVersion.objects.filter(resource=OuterRef("pk"))))
                 .select_related("provider", "published_version").order_by("pk"))
    for resource in resources:
        nodes = Node.objects.filter(organization=resource.provider,
                                    state=Node.State.APPROVED).count()
        yield _resource_hit(
            Rule.SHARED_WITHOUT_DATA, resource,
            gettext_noop("资源 %(code)s（%(name)s）编目为%(share_type)s，发布于%(published)s，"
                         "平台上至今没有它的任何数据。"),
            {"share_type": resource.current.get_share_type_display(),
             "published": f"{resource.first_published_at:%Y-%m-%d}"},
            {"share_type": resource.current.share_type,
             "share_modes": resource.current.share_modes, "records": 0, "files": 0,
             "approved_nodes": nodes, "first_published_at": _when(resource.first_published_at)})


def no_node(scope: Scope) -> Iterator[Hit]:
    """A department whose shared resources travel by interface or table sync, with no
    approved exchange node to send them."""
    resources = (_shared(Resource.objects.published())
                 .filter(provider__in=scope.organizations())
                 .select_related("published_version").order_by("code"))
    by_provider = defaultdict(list)
    for resource in resources:
        if {ShareMode.API, ShareMode.TABLE} & set(resource.current.share_modes):
            by_provider[resource.provider_id].append(resource.code)
    approved = set(Node.objects.filter(state=Node.State.APPROVED,
                                       organization_id__in=list(by_provider))
                   .values_list("organization_id", flat=True))
    for organization in Organization.objects.filter(
            pk__in=set(by_provider) - approved).order_by("pk"):
        nodes = dict(Node.objects.filter(organization=organization).values_list("state")
                     .annotate(n=Count("pk")).values_list("state", "n"))
        codes = by_provider[organization.pk]
        yield Hit(Rule.NO_NODE, organization, "orgs.organization", str(organization.pk),
                  organization.name,
                  gettext_noop("有%(count)d项须以接口或库表方式共享的资源，但没有经批准的前置"
                               "交换节点。"), {"count": len(codes)},
                  {"resources": codes, "nodes_by_state": nodes})


def refusal_without_ground(scope: Scope) -> Iterator[Hit]:
    """A provider's refusal within the period that cites no statutory ground: no law named in
    《》 and no article number (the pattern is a setting)."""
    pattern = re.compile(settings.GOVSHARE_SUPERVISION_STATUTORY_PATTERN)
    refusals = (TimelineEntry.objects.filter(
        action="refuse", at__gte=scope.period.start_at, at__lt=scope.period.end_at,
        share_request__resource__provider__in=scope.organizations())
        .select_related("share_request__resource__provider").order_by("pk"))
    for entry in refusals:
        ground = str((entry.data or {}).get("statutory_ground", "")).strip()
        if pattern.search(ground):
            continue
        share_request = entry.share_request
        yield Hit(Rule.REFUSAL_WITHOUT_GROUND, share_request.resource.provider,
                  "sharing.sharerequest", str(share_request.pk),
                  f"{share_request.number} {share_request.resource.code}",
                  gettext_noop("%(at)s拒绝共享申请 %(number)s，所称依据“%(ground)s”未引用法律、"
                               "法规条款。"),
                  {"at": f"{entry.at:%Y-%m-%d}", "number": share_request.number,
                   "ground": ground or "—"},
                  {"request": share_request.number, "resource": share_request.resource.code,
                   "refused_at": _when(entry.at), "statutory_ground": ground,
                   "reasons": entry.comment, "refused_by": entry.actor_name})


def _holder(deadline, duty_organizations):
    """The organisation that held an overdue step: the provider, or the authority of the
    coordinating region, or the operator."""
    if deadline.organization_id:
        return deadline.organization
    if deadline.party == Party.AUTHORITY and deadline.region_id:
        return duty_organizations.get((Organization.Duty.AUTHORITY, deadline.region_id))
    if deadline.party == Party.OPERATOR:
        subject = deadline.share_request or deadline.objection
        region = subject.resource.provider.region
        for candidate in [region, *reversed(region.ancestors())]:
            found = duty_organizations.get((Organization.Duty.OPERATOR, candidate.pk))
            if found:
                return found
    return None


def overdue_step(scope: Scope) -> Iterator[Hit]:
    """A supervised step due within the period that was closed late, or is still open past
    its due time (answers, explanations, decisions, activations, objection answers)."""
    as_of = scope.period.as_of()
    deadlines = (Deadline.objects.filter(
        supervised=True, due_at__gte=scope.period.start_at, due_at__lt=scope.period.end_at)
        .filter(Q(closed_at__gt=F("due_at")) | Q(closed_at__isnull=True, due_at__lt=as_of))
        .select_related("organization", "share_request__resource__provider__region",
                        "objection__resource__provider__region").order_by("pk"))
    duty_organizations = {(o.duty, o.region_id): o for o in scope.organizations().exclude(
        duty=Organization.Duty.DEPARTMENT)}
    in_scope = set(scope.organizations().values_list("pk", flat=True))
    for deadline in deadlines:
        holder = _holder(deadline, duty_organizations)
        if holder is None or holder.pk not in in_scope:
            continue
        subject = deadline.share_request or deadline.objection
        machine = SHARE_REQUEST if deadline.share_request_id else OBJECTION
        late = deadline.overdue_time(at=as_of)
        yield Hit(Rule.OVERDUE_STEP, holder, "sharing.deadline", str(deadline.pk),
                  f"{subject.number} {machine.states(deadline.step).label}"[:300],
                  gettext_noop("%(number)s 的“%(step)s”环节应于%(due)s前办结，%(closed)s才办结，"
                               "逾期%(days)s天。") if deadline.closed_at else
                  gettext_noop("%(number)s 的“%(step)s”环节应于%(due)s前办结，至今未办结，"
                               "已逾期%(days)s天。"),
                  {"number": subject.number, "step": str(machine.states(deadline.step).label),
                   "due": f"{deadline.due_date:%Y-%m-%d}",
                   "closed": f"{deadline.closed_at:%Y-%m-%d}" if deadline.closed_at else "",
                   "days": f"{late.total_seconds() / 86400:.1f}"},
                  {"subject": subject.number, "step": deadline.step, "party": deadline.party,
                   "duration": deadline.duration, "due_at": _when(deadline.due_at),
                   "closed_at": _when(deadline.closed_at),
                   "overdue_at": _when(deadline.overdue_at),
                   "overdue_seconds": int(late.total_seconds())})


# --- 一: private exchange channels -----------------------------------------------------------

PRIVATE_CHANNEL_REASONS = [RefusedPush.Reason.UNSIGNED, RefusedPush.Reason.UNKNOWN_KEY,
                           RefusedPush.Reason.PENDING, RefusedPush.Reason.REVOKED]


def private_channel(scope: Scope) -> Iterator[Hit]:
    """Pushes of a department's data by something the platform has not approved as its node
    (unsigned, unknown key, pending or revoked node), within the period: one finding per
    department and sender."""
    refused = (RefusedPush.objects.filter(reason__in=PRIVATE_CHANNEL_REASONS,
                                          at__gte=scope.period.start_at,
                                          at__lt=scope.period.end_at)
               .select_related("node__organization", "resource__provider").order_by("at", "pk"))
    in_scope = set(scope.organizations().values_list("pk", flat=True))
    groups = defaultdict(list)
    for push in refused:
        department = (push.node.organization if push.node_id
                      else push.resource.provider if push.resource_id else None)
        if department is None or department.pk not in in_scope:
            continue
        sender = push.key_id or f"unsigned@{push.source_address}"
        groups[(department, sender)].append(push)
    for (department, sender), pushes in groups.items():
        yield Hit(Rule.PRIVATE_CHANNEL, department, "exchange.sender", sender[:64], sender[:300],
                  gettext_noop("%(first)s至%(last)s间，未经批准的发送方 %(sender)s 向平台推送"
                               "本单位资源的数据%(count)d次，均被拒绝。"),
                  {"first": f"{pushes[0].at:%Y-%m-%d}", "last": f"{pushes[-1].at:%Y-%m-%d}",
                   "sender": sender, "count": len(pushes)},
                  {"sender": sender, "count": len(pushes),
                   "reasons": sorted({p.reason for p in pushes}),
                   "resources": sorted({p.resource_code for p in pushes}),
                   "addresses": sorted({p.source_address for p in pushes}),
                   "first_at": _when(pushes[0].at), "last_at": _when(pushes[-1].at)})


# --- 五: selling or passing on access ---------------------------------------------------------

def access_redistributed(scope: Scope) -> Iterator[Hit]:
    """An anomaly alert the operator confirmed as access sold or passed on (monitor's
    `Alert.objects.confirmed_redistribution()`), about access within the period; found against
    the organisation whose consuming application's access it was."""
    alerts = (Alert.objects.confirmed_redistribution()
              .filter(window_start__gte=scope.period.start_at, window_start__lt=scope.period.end_at,
                      organization__in=scope.organizations())
              .select_related("organization", "application", "decided_by").order_by("pk"))
    for alert in alerts:
        yield Hit(Rule.ACCESS_REDISTRIBUTED, alert.organization, "monitor.alert", str(alert.pk),
                  f"{alert.number} {alert.application}"[:300],
                  gettext_noop("应用系统“%(application)s”对资源 %(resource)s 的访问经运维单位核实"
                               "为出售或转让访问权（告警 %(number)s，%(window)s）：%(comment)s"),
                  {"application": alert.application.name, "resource": alert.resource_code or "—",
                   "number": alert.number, "window": f"{alert.window_start:%Y-%m-%d %H:%M}",
                   "comment": alert.comment},
                  {"alert": alert.number, "alert_rule": alert.rule,
                   "application": alert.application.name, "resource": alert.resource_code,
                   "window_start": _when(alert.window_start), "window_end": _when(alert.window_end),
                   "observed": alert.observed, "threshold": alert.threshold,
                   "confirmed_by": str(alert.decided_by or ""),
                   "confirmed_at": _when(alert.decided_at), "comment": alert.comment,
                   "alert_evidence": alert.evidence})


# --- 二: funded projects approved without sharing --------------------------------------------

def project_unshared(scope: Scope) -> Iterator[Hit]:
    """An approved project, not secret, whose resources are not all catalogued or whose
    systems are not all connected to the platform."""
    projects = (InfoProject.objects.filter(state=InfoProject.State.APPROVED, is_secret=False,
                                           department__in=scope.organizations())
                .select_related("department").order_by("pk"))
    for project in projects:
        gaps = sharing_gaps(project)
        if not gaps:
            continue
        yield Hit(Rule.PROJECT_UNSHARED, project.department, "supervision.infoproject",
                  str(project.pk), project.name,
                  gettext_noop("信息化项目“%(name)s”（财政资金%(funding)s万元）已批准，但%(gaps)s"),
                  {"name": project.name, "funding": str(project.funding),
                   "gaps": " ".join(m for messages in gaps.values() for m in messages)},
                  {"project": project.name, "funding": str(project.funding),
                   "approved_at": _when(project.decided_at), "gaps": gaps})


RULES = {
    Rule.PRIVATE_CHANNEL: private_channel,
    Rule.PROJECT_UNSHARED: project_unshared,
    Rule.CATALOG_MISSING: catalog_missing,
    Rule.CATALOG_STALE: catalog_stale,
    Rule.REFORM_NOT_RESUBMITTED: reform_not_resubmitted,
    Rule.SHARED_WITHOUT_DATA: shared_without_data,
    Rule.NO_NODE: no_node,
    Rule.REFUSAL_WITHOUT_GROUND: refusal_without_ground,
    Rule.OVERDUE_STEP: overdue_step,
    Rule.ACCESS_REDISTRIBUTED: access_redistributed,
}


def inspect(region: Region, period: Period) -> Iterator[Hit]:
    """Every hit of every rule for the region and period."""
    scope = Scope(region, period)
    for check in RULES.values():
        yield from check(scope)
