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
from django.urls import path
from django.utils.crypto import salted_hmac
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
    return JsonResponse({"user": device_name(request.user), "csrf": get_token(request)})


urlpatterns = [
    path("sw.js", service_worker, name="service_worker"),
    path("offline/toestel/", device, name="offline_device"),
]
