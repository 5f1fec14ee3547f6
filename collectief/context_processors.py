from . import access


def navigation(request):
    """Which menu entries fit the user's role (decided in collectief.access)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav": access.navigation(user)}
