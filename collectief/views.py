import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache

from . import access


@login_not_required
@never_cache
def healthz(request):
    """Report whether PostgreSQL and Redis answer: 200 when both do, 503 otherwise."""
    status = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        status["database"] = f"error: {exc.__class__.__name__}"
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        status["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001
        status["redis"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in status.values())
    return JsonResponse(status, status=200 if healthy else 503)


def landing(request):
    """Where a login lands: coordinators on the dashboard (reports waiting for approval first),
    municipality contacts on their reports, everyone else on the start page."""
    roles = access.access_for(request.user).roles
    if access.Role.COORDINATOR in roles:
        return redirect("reporting:dashboard")
    if roles == {access.Role.MUNICIPALITY}:
        return redirect("reporting:reports")
    return redirect("home")
