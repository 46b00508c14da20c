from django import template

from units.permissions import phone_shown

register = template.Library()


@register.simple_tag(takes_context=True)
def unit_phone(context, unit, number: str) -> str:
    """A phone of one of ``unit``'s records as this user may see it (whole only for the unit's administrators)."""
    return phone_shown(context["request"].user, unit, number)
