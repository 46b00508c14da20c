"""Days an administrator sets by hand: a holiday or a make-up working day the package does not know."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """One day whose status an administrator fixed; it overrides the official schedule and Monday to Friday."""

    day = models.DateField(_("day"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"), help_text=_("Ticked: a make-up working day (调休上班). Not ticked: a holiday.")
    )
    note = models.CharField(_("note"), max_length=100, blank=True, help_text=_("For example: 2027 春节."))

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["day"]

    def __str__(self) -> str:
        return self.day.isoformat()
