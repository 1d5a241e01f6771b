"""Web forms of supervision: they parse input; the services decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from govshare.catalog.models import Resource
from govshare.exchange.models import Node
from govshare.orgs.models import Application, Region

from .models import Finding


class ScopeForm(forms.Form):
    """A region and a period (2026, 2026-Q1, 2026-03)."""

    region = forms.ModelChoiceField(label=_("行政区划"), queryset=Region.objects.all(),
                                    to_field_name="code")
    period = forms.CharField(label=_("期间"), max_length=10,
                             help_text=_("如 2026、2026-Q1、2026-03"))


class NoticeForm(forms.Form):
    findings = forms.ModelMultipleChoiceField(
        label=_("涉及的问题"), queryset=Finding.objects.none(),
        widget=forms.CheckboxSelectMultiple)
    requirements = forms.CharField(label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 3}))
    due_date = forms.DateField(label=_("整改期限"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, findings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["findings"].queryset = findings
        self.fields["findings"].label_from_instance = lambda f: f"{f.get_rule_display()}：{f.text}"


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 3}))


class DeclineForm(forms.Form):
    reasons = forms.CharField(label=_("不整改的理由"), widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(forms.Form):
    comment = forms.CharField(label=_("办结意见"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(forms.Form):
    comment = forms.CharField(label=_("重新整改的理由"), widget=forms.Textarea(attrs={"rows": 2}))
    due_date = forms.DateField(label=_("新的整改期限"),
                               widget=forms.DateInput(attrs={"type": "date"}))


def _lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ProjectForm(forms.Form):
    """A project; its planned resources and systems one per line, each either a name or, once
    registered, picked from the department's catalog, applications and nodes."""

    name = forms.CharField(label=_("项目名称"), max_length=200)
    funding = forms.DecimalField(label=_("财政资金（万元）"), min_value=0, decimal_places=2)
    description = forms.CharField(label=_("建设内容"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    is_secret = forms.BooleanField(label=_("涉密项目"), required=False)
    catalogued = forms.ModelMultipleChoiceField(
        label=_("将产生的信息资源（已编入本单位目录的）"), required=False,
        queryset=Resource.objects.none(), widget=forms.CheckboxSelectMultiple)
    planned = forms.CharField(label=_("将产生的信息资源（尚未编目的，每行一个名称）"),
                              required=False, widget=forms.Textarea(attrs={"rows": 2}))
    applications = forms.ModelMultipleChoiceField(
        label=_("将运行的系统（已登记的应用系统）"), required=False,
        queryset=Application.objects.none(), widget=forms.CheckboxSelectMultiple)
    nodes = forms.ModelMultipleChoiceField(
        label=_("将运行的系统（已登记的交换节点）"), required=False,
        queryset=Node.objects.none(), widget=forms.CheckboxSelectMultiple)
    unregistered = forms.CharField(label=_("将运行的系统（尚未登记的，每行一个名称）"),
                                   required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, department, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["catalogued"].queryset = Resource.objects.filter(
            provider=department).exclude(status=Resource.Status.WITHDRAWN)
        self.fields["catalogued"].label_from_instance = lambda r: f"{r.code} {r.name}"
        self.fields["applications"].queryset = Application.objects.filter(
            organization=department)
        self.fields["nodes"].queryset = Node.objects.filter(organization=department)

    def service_arguments(self):
        data = self.cleaned_data
        return {
            "name": data["name"], "funding": data["funding"],
            "description": data["description"], "is_secret": data["is_secret"],
            "resources": [{"name": r.name, "resource": r} for r in data["catalogued"]]
            + [{"name": name} for name in _lines(data["planned"])],
            "systems": [{"name": a.name, "application": a} for a in data["applications"]]
            + [{"name": n.name, "node": n} for n in data["nodes"]]
            + [{"name": name} for name in _lines(data["unregistered"])],
        }


class DecisionForm(forms.Form):
    comment = forms.CharField(label=_("审批意见"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
