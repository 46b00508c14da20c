from django import template

from ledger.models import Reminder

register = template.Library()


@register.simple_tag(takes_context=True)
def reminder_count(context) -> int:
    """Reminders waiting for the signed-in user (shown beside "My concerns" in the navigation)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return 0
    return Reminder.objects.active_for(request.user).count()


@register.inclusion_tag("ledger/_reminders.html", takes_context=True)
def reminders(context, limit: int = 5) -> dict:
    """The user's open reminders, for the home page: ``{% load ledger %}{% reminders %}``."""
    request = context["request"]
    items = []
    if request.user.is_authenticated:
        items = list(
            Reminder.objects.active_for(request.user).select_related("concern__unit", "concern__category")[:limit]
        )
    return {"reminders": items}


STATUS_CLASSES = {
    "received": "text-bg-secondary",
    "assigned": "text-bg-info",
    "fixing": "text-bg-warning",
    "awaiting_check": "text-bg-primary",
    "closed": "text-bg-success",
    "withdrawn": "text-bg-light",
}


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-secondary")
