from units.permissions import Action, can_anywhere


def navigation(request) -> dict:
    """What the navigation bar may offer the signed-in user."""
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "nav_can_view": can_anywhere(user, Action.VIEW),
        "nav_can_enter": can_anywhere(user, Action.ENTER),
        "nav_can_manage": can_anywhere(user, Action.MANAGE),
    }
