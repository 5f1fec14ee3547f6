"""The roll call offline (issue 15, docs/offline.md): the service worker at the site root, and what a
browser asks before it prepares roll calls or sends the ones saved on the device.

Included by one line in collectief/urls.py. The roll calls themselves are the ordinary roll call
pages (groups.views.session_create/session_edit): the browser fetches and posts them as the worker
would, so access checks, validation, the duplicate-slot handling and the audit are the same.
"""

from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.urls import path, reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import access

SERVICE_WORKER = "js/sw.js"


def _service_worker_source() -> bytes:
    found = finders.find(SERVICE_WORKER) or staticfiles_storage.path(SERVICE_WORKER)
    with open(found, "rb") as source:
        return source.read()


@login_not_required
@require_GET
def service_worker(request):
    """static/js/sw.js from the site root, so that it may handle every page (it stores no personal data)."""
    response = HttpResponse(_service_worker_source(), content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"  # a new release reaches the phones at the next visit
    return response


def device_name(user) -> str:
    """The name of this user's offline store on a device: stable, but not the user id or name."""
    return salted_hmac("collectief.offline.device", str(user.pk)).hexdigest()[:20]


@access.registration_required
@require_GET
@never_cache
def device(request):
    """Who is logged in (as the device knows them) and a fresh CSRF token for sending saved roll calls.

    Without a login this answers with the login page (the site-wide rule), which tells the browser to
    keep what is waiting until the next login.
    """
    return JsonResponse({"user": device_name(request.user), "csrf": get_token(request), "texts": device_texts()})


def device_texts() -> dict:
    """The words of what the browser shows on any page (the logout question), in the user's language.

    The browser keeps them with the offline data, so that it can ask when the connection is gone too.
    ``{n}`` is filled in by the browser. No personal data.
    """
    return {
        "logoutTitle": _("Log out?"),
        "unsentOne": _unsent(1),
        "unsentMany": _unsent(2),
        "logoutAnyway": _("Log out anyway"),
        "stayLoggedIn": _("Do not log out"),
    }


def _unsent(count: int) -> str:
    return ngettext(
        "There is still {n} roll call on this device that has not been sent. If you log out, it will be removed.",
        "There are still {n} roll calls on this device that have not been sent. If you log out, they will be removed.",
        count,
    )


@access.registration_required
@require_GET
@never_cache
def today(request):
    """Today's sessions already logged of the groups the user facilitates: their roll calls, to prepare.

    The start page lists them ("Logged today") and keeps them offline, so that they can be corrected
    without a connection. Group names and times only; one query.
    """
    from groups.models import Group, Session

    groups = Group.objects.of_user(request.user).filter(facilitators=request.user).exclude(status=Group.Status.ENDED)
    sessions = (
        Session.objects.filter(group__in=groups, date=timezone.localdate())
        .select_related("group").order_by("group__name", "group_id", "start_time", "pk")
    )
    return JsonResponse({"sessions": [
        {"url": reverse("groups:session_edit", args=[s.group_id, s.pk]), "group": s.group.name,
         "time": s.start_time.strftime("%H:%M")}
        for s in sessions
    ]})


urlpatterns = [
    path("sw.js", service_worker, name="service_worker"),
    path("offline/toestel/", device, name="offline_device"),
    path("offline/vandaag/", today, name="offline_today"),
]
