from django import template

from units.permissions import phone_for

register = template.Library()


@register.simple_tag(takes_context=True)
def phone(context, number: str) -> str:
    """A respondent's phone as this user may see it (masked unless administrator)."""
    return phone_for(context["request"].user, number)
