"""Django admin for the rarer configuration: scales, indicators, rounds."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from surveys.models import Indicator, IndicatorSet, Option, ResultChange, Round, RoundIndicator, RoundStatus, Scale
from surveys.services import round_copy, round_set_status
from units.admin import ReadOnlyAdmin


class OptionInline(admin.TabularInline):
    model = Option
    extra = 0


@admin.register(Scale)
class ScaleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]
    inlines = [OptionInline]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0


@admin.register(IndicatorSet)
class IndicatorSetAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]
    inlines = [IndicatorInline]


class RoundIndicatorInline(admin.TabularInline):
    model = RoundIndicator
    extra = 0


class CopyRoundForm(forms.Form):
    code = forms.CharField(label=_("code"), max_length=32)
    name = forms.CharField(label=_("name"), max_length=100)
    start = forms.DateField(label=_("start"))
    end = forms.DateField(label=_("end"))


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea, max_length=1000)


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "start", "end", "status", "target_rate", "target_rank", "previous"]
    list_filter = ["status"]
    search_fields = ["code", "name"]
    raw_id_fields = ["under", "previous"]
    readonly_fields = ["status"]
    inlines = [RoundIndicatorInline]
    actions = ["copy_round", "open_rounds", "close_rounds", "reopen_round"]

    def get_readonly_fields(self, request: HttpRequest, obj: Round | None = None) -> list[str]:
        # Scale and indicators cannot change once results exist.
        fields = list(self.readonly_fields)
        if obj is not None and obj.has_results():
            fields.append("scale")
        return fields

    def get_inline_instances(self, request: HttpRequest, obj: Round | None = None):
        if obj is not None and obj.has_results():
            return []
        return super().get_inline_instances(request, obj)

    def _one(self, request: HttpRequest, queryset: QuerySet[Round]) -> Round | None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one round."), messages.ERROR)
            return None
        return queryset.get()

    @admin.action(description=_("Make a new round from this one"))
    def copy_round(self, request: HttpRequest, queryset: QuerySet[Round]) -> HttpResponse | None:
        source = self._one(request, queryset)
        if source is None:
            return None
        form = CopyRoundForm(
            request.POST if "code" in request.POST else None,
            initial={
                "code": f"{source.code}-next",
                "name": source.name,
                "start": source.start.replace(year=source.start.year + 1),
                "end": source.end.replace(year=source.end.year + 1),
            },
        )
        if form.is_valid():
            try:
                new = round_copy(source=source, **form.cleaned_data)
            except ValidationError as error:
                self.message_user(request, "; ".join(error.messages), messages.ERROR)
                return None
            self.message_user(
                request, _("Round %(code)s created from %(source)s.") % {"code": new.code, "source": source.code}
            )
            return redirect("admin:surveys_round_change", new.pk)
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "source": source,
            "action": "copy_round",
            "title": _("Make a new round from %(code)s") % {"code": source.code},
        }
        return render(request, "admin/surveys/round_action.html", context)

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Round], status: str) -> None:
        for round in queryset:
            try:
                round_set_status(round=round, status=status, user=request.user)
            except ValidationError as error:
                self.message_user(request, f"{round.code}: {'; '.join(error.messages)}", messages.ERROR)

    @admin.action(description=_("Open (accept results)"))
    def open_rounds(self, request: HttpRequest, queryset: QuerySet[Round]) -> None:
        self._set_status(request, queryset.filter(status=RoundStatus.DRAFT), RoundStatus.OPEN)

    @admin.action(description=_("Close (lock all results)"))
    def close_rounds(self, request: HttpRequest, queryset: QuerySet[Round]) -> None:
        self._set_status(request, queryset, RoundStatus.CLOSED)

    @admin.action(description=_("Reopen a closed round (with a reason)"))
    def reopen_round(self, request: HttpRequest, queryset: QuerySet[Round]) -> HttpResponse | None:
        round = self._one(request, queryset)
        if round is None:
            return None
        form = ReopenForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            try:
                round_set_status(
                    round=round, status=RoundStatus.OPEN, user=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                self.message_user(request, "; ".join(error.messages), messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "source": round,
            "action": "reopen_round",
            "title": _("Reopen %(code)s") % {"code": round.code},
        }
        return render(request, "admin/surveys/round_action.html", context)


@admin.register(ResultChange)
class ResultChangeAdmin(ReadOnlyAdmin):
    """The trail of changes to results: read-only, for everyone."""

    list_display = ["at", "round", "unit", "user", "action"]
    list_filter = ["action", "round"]
    search_fields = ["unit__code", "unit__name", "user__username"]
