"""Browsing the audit log (operator, authority, supervisors, department administrators) and the
published checkpoint key. Read-only: nothing here writes."""

from datetime import datetime, time

from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from govshare.core.permissions import authorize

from . import keys
from .models import OUTCOMES, AuditCheckpoint, AuditRecord

PAGE_SIZE = 50


class RecordFilter(forms.Form):
    action = forms.CharField(label=gettext_lazy("操作"), required=False)
    actor = forms.CharField(label=gettext_lazy("操作者"), required=False)
    organization = forms.TypedChoiceField(label=gettext_lazy("单位"), required=False,
                                          coerce=int, empty_value=None)
    outcome = forms.ChoiceField(label=gettext_lazy("结果"), required=False,
                                choices=[("", "—"), *OUTCOMES.items()])
    since = forms.DateField(label=gettext_lazy("起始日期"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=gettext_lazy("截止日期"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data, organizations):
        super().__init__(data)
        self.fields["organization"].choices = [("", "—"), *organizations]

    def apply(self, records):
        """Narrow `records` by the valid filters (an invalid one is ignored and shown)."""
        if not self.is_valid():
            return records
        data = self.cleaned_data
        if data["action"]:
            records = records.filter(action__startswith=data["action"])
        if data["actor"]:
            records = records.filter(actor_name__icontains=data["actor"])
        if data["organization"]:
            records = records.filter(organization_id=data["organization"])
        if data["outcome"]:
            records = records.filter(outcome=data["outcome"])
        zone = timezone.get_current_timezone()
        if data["since"]:
            records = records.filter(time__gte=datetime.combine(data["since"], time.min, zone))
        if data["until"]:
            records = records.filter(time__lte=datetime.combine(data["until"], time.max, zone))
        return records


def _organization_names(ids):
    organizations = apps.get_model("orgs", "Organization").objects
    return dict(organizations.filter(pk__in=ids).values_list("pk", "name"))


@login_required
def record_list(request):
    authorize(request.user, "audit.view")
    visible = AuditRecord.objects.restrict(request.user)
    names = _organization_names(visible.values("organization_id").distinct())
    form = RecordFilter(request.GET or None,
                        sorted(names.items(), key=lambda item: item[1]))
    records = form.apply(visible).order_by("-id")
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    for record in page:
        record.organization_name = names.get(record.organization_id, "")
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/record_list.html", {
        "form": form, "page": page, "query": query.urlencode(),
    })


def public_key(request):
    """The key checkpoints are signed with, for the authority to compare with what it keeps."""
    return render(request, "audit/public_key.html", {
        "key": keys.current_public_key(),
        "checkpoint": AuditCheckpoint.objects.order_by("-id").first(),
    })


def public_key_pem(request):
    return HttpResponse(keys.current_public_key().pem, content_type="application/x-pem-file")
