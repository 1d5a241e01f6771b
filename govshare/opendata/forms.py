"""Forms of the open data pages: registration, applications, rules and decisions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .deidentify import GENERALISE_TO, RULES
from .models import Registrant

RULE_LABELS = {"keep": _("原样提供"), "drop": _("不提供"), "mask": _("遮盖"),
               "generalise": _("泛化"), "hash": _("密钥哈希")}
GENERALISE_LABELS = {"year": _("到年"), "month": _("到月"), "county": _("到县级行政区")}


class RegistrationForm(forms.ModelForm):
    accept_terms = forms.BooleanField(label=_("我已阅读并同意开放数据使用协议"), required=False)

    class Meta:
        model = Registrant
        fields = ["name", "credit_code", "kind", "contact_name", "contact_phone", "email"]


class ApplyForm(forms.Form):
    token = forms.CharField(label=_("访问凭证"), widget=forms.PasswordInput)
    purpose = forms.CharField(label=_("用途和应用场景"), widget=forms.Textarea(attrs={"rows": 4}))


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("意见"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ApproveAccessForm(forms.Form):
    valid_until = forms.DateField(label=_("有效期至"),
                                  widget=forms.DateInput(attrs={"type": "date"}))
    comment = forms.CharField(label=_("意见"), required=False)


class RuleRow:
    """One data item's row of the rules form, with what was chosen for it."""

    def __init__(self, item, spec, quasi):
        self.item, self.spec, self.quasi = item, spec or {"rule": "keep"}, quasi

    @property
    def rule(self):
        return self.spec.get("rule")


def rule_rows(items, rules=None, quasi_identifiers=()):
    rules = rules or {}
    return [RuleRow(item, rules.get(item.identifier), item.identifier in quasi_identifiers)
            for item in items]


def _number(text):
    return int(text) if str(text).strip().isdigit() else text


def rules_from_post(items, data):
    """(rules, quasi_identifiers) from the rules form; the service checks them."""
    rules, quasi = {}, []
    for item in items:
        name = item.identifier
        rule = data.get(f"rule-{name}", "")
        spec = {"rule": rule}
        if rule == "mask":
            spec.update(first=_number(data.get(f"first-{name}", "0")),
                        last=_number(data.get(f"last-{name}", "0")))
        elif rule == "generalise":
            spec["to"] = data.get(f"to-{name}", "")
        rules[name] = spec
        if data.get(f"quasi-{name}"):
            quasi.append(name)
    return rules, quasi


RULE_CHOICES = [(rule, RULE_LABELS[rule]) for rule in RULES]
GENERALISE_CHOICES = [(to, GENERALISE_LABELS[to]) for to in GENERALISE_TO]
