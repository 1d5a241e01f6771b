"""The ranking of departments' sharing work (R20): six parts, each a number from 0 to 1 read
from published facts in the database, weighted by settings and shown beside the ranking.

    score = 100 × Σ (weight × part) ÷ Σ weight

Departments with equal scores share a rank (1, 1, 3). docs/supervision.md explains each part.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from govshare.catalog.models import Resource
from govshare.sharing.models import Deadline, Grant, Objection, Party

from .models import Finding
from .periods import Period


@dataclass(frozen=True)
class Part:
    key: str
    label: str
    formula: str


PARTS = [
    Part("catalog_completeness", _("目录完整度"),
         _("已发布资源数 ÷（已发布资源数 + 编制中资源数）；没有任何资源计0")),
    Part("freshness", _("数据鲜活度"),
         _("1 − 期末超过更新周期未更新的资源数 ÷ 已发布资源数；没有已发布资源计0")),
    Part("answer_time", _("按时答复率"),
         _("期内到期的提供方办理环节中按时办结的比例；没有到期环节计1")),
    Part("grants_served", _("授权服务量"),
         _("期内有效的、以本单位资源为对象的授权数 ÷ 本地区各部门的最高值；最高值为0时计0")),
    Part("objections_resolved", _("异议处理率"),
         _("期内对本单位资源提出的异议中已答复的比例；没有异议计1")),
    Part("findings_open", _("问题整改"),
         _("1 − 本期待整改问题数 ÷ 封顶值（不低于0）")),
]


def weights() -> dict[str, float]:
    return dict(settings.GOVSHARE_SUPERVISION_RANKING_WEIGHTS)


def _ratio(numerator, denominator, empty):
    return numerator / denominator if denominator else empty


def _values(department, period: Period):
    """The raw counts behind each part, for one department."""
    as_of, start, end = period.as_of(), period.start_at, period.end_at
    resources = Resource.objects.filter(provider=department)
    published = resources.published().filter(first_published_at__lt=as_of).count()
    compiling = resources.filter(status__in=[Resource.Status.DRAFT, Resource.Status.SUBMITTED,
                                             Resource.Status.RETURNED]).count()
    stale = Resource.objects.stale(at=as_of).filter(provider=department).count()
    due = Deadline.objects.filter(supervised=True, party=Party.PROVIDER, organization=department,
                                  due_at__gte=start, due_at__lt=end).filter(
        Q(closed_at__isnull=False) | Q(due_at__lt=as_of))
    on_time = sum(1 for d in due.only("closed_at", "due_at")
                  if d.closed_at is not None and d.closed_at <= d.due_at)
    grants = Grant.objects.filter(resource__provider=department, activated_at__lt=end).filter(
        Q(state__in=[Grant.State.ACTIVE, Grant.State.SUSPENDED]) | Q(state_changed_at__gte=start)
    ).count()
    objections = Objection.objects.filter(resource__provider=department, created_at__gte=start,
                                          created_at__lt=end)
    answered = objections.exclude(state=Objection.State.OPEN).count()
    open_findings = Finding.objects.open().filter(organization=department,
                                                  period=period.key).count()
    return {"published": published, "compiling": compiling, "stale": stale,
            "steps_due": due.count(), "steps_on_time": on_time, "grants": grants,
            "objections": objections.count(), "objections_answered": answered,
            "open_findings": open_findings}


def score_parts(values, max_grants, findings_cap) -> dict[str, float]:
    """Each part's score from 0 to 1, from a department's counts."""
    published = values["published"]
    return {
        "catalog_completeness": _ratio(published, published + values["compiling"], 0.0),
        "freshness": 1 - values["stale"] / published if published else 0.0,
        "answer_time": _ratio(values["steps_on_time"], values["steps_due"], 1.0),
        "grants_served": _ratio(values["grants"], max_grants, 0.0),
        "objections_resolved": _ratio(values["objections_answered"], values["objections"], 1.0),
        "findings_open": max(0.0, 1 - values["open_findings"] / findings_cap),
    }


def total(parts: dict[str, float], weighting: dict[str, float]) -> float:
    return 100 * sum(weighting[k] * parts[k] for k in weighting) / sum(weighting.values())


def compute(departments, period: Period, weighting, findings_cap):
    """[(department, values, parts, score, rank)], best first."""
    values = {d.pk: _values(d, period) for d in departments}
    max_grants = max((v["grants"] for v in values.values()), default=0)
    rows = []
    for department in departments:
        parts = score_parts(values[department.pk], max_grants, findings_cap)
        rows.append((department, values[department.pk], parts,
                     round(total(parts, weighting), 4)))
    rows.sort(key=lambda row: (-row[3], row[0].name))
    ranked, previous, rank = [], None, 0
    for position, (department, counts, parts, score) in enumerate(rows, start=1):
        if score != previous:
            rank, previous = position, score
        ranked.append((department, counts, parts, score, rank))
    return ranked
