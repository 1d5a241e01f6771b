"""The forms of the monitoring pages: a period, a report to generate, a decision on an alert."""

from django import forms
from django.utils.translation import gettext_lazy as _

from govshare.core.exceptions import ValidationError


def _date():
    """A browser date picker; it takes ISO dates whatever the language's date format."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("起始日期"), required=False,
                            widget=_date())
    end = forms.DateField(label=_("截止日期"), required=False,
                          widget=_date())


class ReportForm(forms.Form):
    region = forms.ChoiceField(label=_("行政区划"))
    start = forms.DateField(label=_("起始日期"), widget=_date())
    end = forms.DateField(label=_("截止日期"), widget=_date())

    def __init__(self, data=None, *, regions=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["region"].choices = [(r.code, f"{r.code} {r.name}") for r in regions]


class DecisionForm(forms.Form):
    comment = forms.CharField(label=_("处理意见"), widget=forms.Textarea(attrs={"rows": 3}),
                              required=False)
    redistribution = forms.BooleanField(label=_("确认存在倒卖或转让访问权限的行为"),
                                        required=False, initial=True)

    def cleaned(self):
        """The cleaned data, or our ValidationError naming the fields."""
        if not self.is_valid():
            raise ValidationError({k: list(v) for k, v in self.errors.items()})
        return self.cleaned_data
