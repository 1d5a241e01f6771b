"""Web forms of the sharing workflow: they parse input; the services decide what is allowed."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from govshare.orgs.models import Application

from .models import CalendarOverride, Grant, Objection


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Any number of files (evidence, written explanations, minutes)."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("附件"))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(AttachmentsField, self).clean(f, initial) for f in files]


class RowFilterField(forms.CharField):
    """A row filter typed as JSON; the service validates it against the resource's items."""

    widget = forms.Textarea(attrs={"rows": 3, "class": "mono",
                                   "placeholder": '{"item": "region_code", "op": "prefix", '
                                                  '"value": "1301"}'})

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("数据范围（行过滤条件，JSON，可留空）"))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        text = (value or "").strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("数据范围须为合法的 JSON。")) from None


def _item_choices(resource, only=None):
    items = resource.data_items()
    return [(i.identifier, f"{i.name}（{i.identifier}）") for i in items
            if only is None or i.identifier in only]


class ShareRequestForm(forms.Form):
    application = forms.ModelChoiceField(label=_("使用数据的应用系统"),
                                         queryset=Application.objects.none())
    items = forms.MultipleChoiceField(label=_("申请的信息项"), widget=forms.CheckboxSelectMultiple)
    purpose = forms.CharField(label=_("用途"), widget=forms.Textarea(attrs={"rows": 2}))
    duty = forms.CharField(label=_("所履行的职责"), widget=forms.Textarea(attrs={"rows": 2}))
    legal_basis = forms.CharField(label=_("法律依据"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    requested_until = forms.DateField(label=_("申请使用期限至"),
                                      widget=forms.DateInput(attrs={"type": "date"}))
    expected_volume = forms.IntegerField(label=_("预计日均调用量"), required=False, min_value=0)
    row_filter = RowFilterField()
    renews = forms.ModelChoiceField(label=_("续期的授权（可选）"), queryset=Grant.objects.none(),
                                    required=False)
    comment = forms.CharField(label=_("补充说明"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    attachments = AttachmentsField()

    def __init__(self, *args, resource, user, **kwargs):
        super().__init__(*args, **kwargs)
        applications = Application.objects.restrict(user).filter(
            organization_id=user.organization_id, is_active=True)
        self.fields["application"].queryset = applications
        self.fields["items"].choices = _item_choices(resource)
        self.fields["renews"].queryset = Grant.objects.filter(
            application__in=applications, resource=resource)


class ContentForm(forms.Form):
    """The content of an agreement: items, rows, validity, quota (defaults: as requested)."""

    items = forms.MultipleChoiceField(label=_("同意的信息项"), widget=forms.CheckboxSelectMultiple)
    row_filter = RowFilterField()
    valid_until = forms.DateField(label=_("有效期至"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    daily_quota = forms.IntegerField(label=_("每日配额（条，可留空）"), required=False,
                                     min_value=1)

    def __init__(self, *args, share_request, **kwargs):
        kwargs.setdefault("initial", {
            "items": share_request.items,
            "row_filter": json.dumps(share_request.row_filter, ensure_ascii=False)
            if share_request.row_filter else "",
            "valid_until": share_request.requested_until,
        })
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = _item_choices(share_request.resource,
                                                     only=share_request.items)


class AgreeForm(ContentForm):
    comment = forms.CharField(label=_("意见"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    attachments = AttachmentsField()


class RefuseForm(forms.Form):
    reasons = forms.CharField(label=_("不同意的理由"), widget=forms.Textarea(attrs={"rows": 3}))
    statutory_ground = forms.CharField(label=_("法定依据（法律、法规名称及条款）"),
                                       widget=forms.Textarea(attrs={"rows": 2}))
    secrecy = forms.BooleanField(label=_("以涉及国家秘密为由"), required=False)
    attachments = AttachmentsField()


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("意见"), widget=forms.Textarea(attrs={"rows": 3}))
    attachments = AttachmentsField()


class OptionalCommentForm(forms.Form):
    comment = forms.CharField(label=_("意见"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ExplainForm(forms.Form):
    explanation = forms.CharField(label=_("书面说明"), widget=forms.Textarea(attrs={"rows": 4}))
    attachments = AttachmentsField()


OUTCOMES = [("grant", _("予以共享")), ("refuse", _("不予共享"))]


class DecideForm(ContentForm):
    outcome = forms.ChoiceField(label=_("决定"), choices=OUTCOMES, widget=forms.RadioSelect)
    statutory_ground = forms.CharField(label=_("不予共享的法定依据"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}))
    comment = forms.CharField(label=_("意见"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    attachments = AttachmentsField()
    field_order = ["outcome"]


class JointDecideForm(DecideForm):
    establishment = forms.CharField(label=_("参加会商的机构编制部门"), max_length=200)
    secrecy = forms.CharField(label=_("参加会商的保密部门"), max_length=200)
    field_order = ["outcome", "establishment", "secrecy"]


class SecrecyForm(forms.Form):
    secret = forms.TypedChoiceField(
        label=_("保密部门的认定"), widget=forms.RadioSelect, coerce=lambda v: v == "1",
        choices=[("1", _("涉及国家秘密")), ("0", _("不涉及国家秘密"))])
    determination = forms.CharField(label=_("认定文书（机关、文号）"), max_length=300)
    comment = forms.CharField(label=_("意见"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    attachments = AttachmentsField()


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label=_("说明"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionForm(forms.Form):
    kind = forms.ChoiceField(label=_("异议类型"), choices=Objection.Kind.choices)
    record_key = forms.CharField(label=_("记录主键（可选）"), required=False, max_length=200)
    items = forms.MultipleChoiceField(label=_("涉及的信息项（可选）"), required=False,
                                      widget=forms.CheckboxSelectMultiple)
    description = forms.CharField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 4}))
    attachments = AttachmentsField(label=_("证明材料"))

    def __init__(self, *args, resource, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = _item_choices(resource)


class CorrectionForm(forms.Form):
    correction = forms.CharField(label=_("更正情况"), widget=forms.Textarea(attrs={"rows": 3}))
    attachments = AttachmentsField()


class RejectForm(forms.Form):
    reasons = forms.CharField(label=_("不予更正的理由"), widget=forms.Textarea(attrs={"rows": 3}))
    attachments = AttachmentsField()


class CalendarOverrideForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("类型"), choices=CalendarOverride.Kind.choices)
    note = forms.CharField(label=_("说明"), required=False, max_length=100)
