"""Share requests and their consultation workflow, grants, objections, the timeline every step
leaves, the deadlines of waiting steps, and the operator's working-day calendar."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from govshare.core import clock
from govshare.orgs.models import User


class CalendarOverride(models.Model):
    """The operator's correction of the official calendar for one day: a holiday or an adjusted
    working day. Needed for the years the official calendar package does not know yet."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("休息日")
        WORKDAY = "workday", _("工作日")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("说明"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("录入人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), default=clock.now)

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"
