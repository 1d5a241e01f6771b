"""Forms of the catalog pages: a resource's metadata, its editable data-item table, and the
small forms of the lifecycle steps. They parse input only; the services validate the rules."""

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import (
    ChangeReason,
    Classification,
    DataElement,
    DataType,
    OpenType,
    ResourceFormat,
    ShareMode,
    ShareType,
    UpdateCycle,
)


class ClassificationField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {' · '.join(obj.lineage())}"


class ResourceForm(forms.Form):
    name = forms.CharField(label=_("资源名称"), max_length=200)
    summary = forms.CharField(label=_("资源摘要"), widget=forms.Textarea(attrs={"rows": 3}))
    classification = ClassificationField(
        label=_("资源分类"), to_field_name="code",
        queryset=Classification.objects.filter(level__gte=Classification.Level.ITEM)
        .select_related("parent__parent__parent"),
    )
    keywords = forms.CharField(label=_("关键字"), max_length=200, required=False)
    format = forms.ChoiceField(label=_("资源格式"), choices=ResourceFormat.choices)
    share_type = forms.ChoiceField(label=_("共享类型"), choices=ShareType.choices)
    share_conditions = forms.CharField(label=_("共享条件"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}))
    legal_basis = forms.CharField(label=_("不予共享依据"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    share_modes = forms.MultipleChoiceField(label=_("共享方式"), choices=ShareMode.choices,
                                            required=False,
                                            widget=forms.CheckboxSelectMultiple)
    open_type = forms.ChoiceField(label=_("开放属性"), choices=OpenType.choices,
                                  initial=OpenType.NOT_OPEN)
    open_conditions = forms.CharField(label=_("开放条件"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    update_cycle = forms.ChoiceField(label=_("更新周期"), choices=UpdateCycle.choices,
                                     initial=UpdateCycle.MONTHLY)
    contact = forms.CharField(label=_("联系人及电话"), max_length=200, required=False)
    related_resources = forms.CharField(
        label=_("关联资源"), required=False, help_text=_("资源代码，多个用逗号分隔。"))

    def metadata(self):
        data = dict(self.cleaned_data)
        data["related_resources"] = [c.strip() for c in
                                     data["related_resources"].replace("，", ",").split(",")
                                     if c.strip()]
        return data

    @classmethod
    def initial_from(cls, version):
        initial = {name: getattr(version, name) for name in cls.base_fields
                   if name not in ("classification", "related_resources")}
        initial["classification"] = version.classification.code
        initial["related_resources"] = ", ".join(
            r.code for r in version.related_resources.all())
        return initial


def new_row_id():
    return secrets.token_hex(4)


class ItemRow:
    """One row of the data-item table as the page shows it (with its errors)."""

    def __init__(self, row_id, values, errors=None):
        self.row_id = row_id
        self.values = values
        self.errors = errors or []

    @classmethod
    def blank(cls):
        return cls(new_row_id(), {"data_type": DataType.STRING})

    @classmethod
    def from_item(cls, item):
        return cls(new_row_id(), {
            "identifier": item.identifier, "name": item.name, "data_type": item.data_type,
            "length": item.length, "description": item.description,
            "element": item.element.identifier if item.element_id else "",
            "is_key": item.is_key, "is_source": item.is_source,
        })


def item_rows_from(post):
    """The table's rows in page order; each field is named item-<row>-<field>."""
    rows = []
    for row_id in post.getlist("item_row"):
        def value(name, row_id=row_id):
            return post.get(f"item-{row_id}-{name}", "").strip()

        length = value("length")
        rows.append(ItemRow(row_id, {
            "identifier": value("identifier"), "name": value("name"),
            "data_type": value("data_type") or DataType.STRING,
            "length": int(length) if length.isdigit() else (length or None),
            "description": value("description"), "element": value("element") or None,
            "is_key": bool(value("is_key")), "is_source": bool(value("is_source")),
        }))
    return rows


def item_table_context():
    return {"data_types": DataType.choices,
            "elements": DataElement.objects.only("identifier", "name")}


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("审核意见"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ChangeForm(forms.Form):
    change_reason = forms.ChoiceField(label=_("变更原因"), choices=ChangeReason.choices)
    change_description = forms.CharField(label=_("变更说明"), required=False,
                                         widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("提供方"), queryset=None)
    file = forms.FileField(label=_("目录表格（xlsx）"))

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = organizations
        if organizations.count() == 1:
            self.fields["provider"].initial = organizations.first()
