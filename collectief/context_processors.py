from .models import is_administrator, municipality_of


def navigation(request):
    """Which menu entries fit the user's role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = set(user.memberships.values_list("role", flat=True)) if hasattr(user, "memberships") else set()
    admin = is_administrator(user)
    municipality = municipality_of(user)
    return {
        "nav": {
            "registration": bool(roles) or admin,
            "dashboard": "coordinator" in roles or admin,
            "reports": "coordinator" in roles or admin or municipality is not None,
            "admin": admin,
            "municipality": municipality,
        }
    }
