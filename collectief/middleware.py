"""Middleware for headers every response needs, for the second login step and for a database outage."""

import logging
import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseForbidden
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from . import two_factor

# What psycopg raises (through Django) when PostgreSQL cannot be reached or the connection broke.
DATABASE_ERRORS = (OperationalError, InterfaceError)

logger = logging.getLogger("collectief.database")


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; nothing a logged-in user sees is stored by a cache.

    Pages and downloads for a logged-in user hold personal or report data: ``Cache-Control:
    no-store`` keeps them out of the browser's cache and any proxy's. Static files (whitenoise,
    earlier in the chain) keep their long cache lifetimes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


class TwoFactorMiddleware:
    """After the password, the second step: enter a code, or set one up first (OTP_REQUIRED_ROLES).

    Until then only the two-factor pages, logging out and the language switch open. Works with
    django-otp's ``OTPMiddleware`` earlier in the chain; without it (the test settings) it does nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        step = two_factor.pending_step(request)
        if step is None:
            return None
        url = f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request"):
            # An htmx fragment request: have htmx load the whole page instead of swapping it in.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)


class DatabaseUnavailableMiddleware:
    """PostgreSQL cannot be reached: a Dutch 503 page with ``Retry-After``, never a 500.

    Sits right after the authentication middleware(s). It loads the user (and with it the session)
    here, so that a database outage while doing so is answered by this class instead of by whichever
    later middleware first asks for ``request.user``; ``process_exception`` answers the same outage
    in a view. Afterwards ``request.user`` is anonymous, so nothing further out asks the database
    again. ``/healthz`` gets an anonymous user without loading anything: it must answer with the
    database down, whether or not the request carries a session cookie.
    """

    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == reverse("healthz"):
            request.user = AnonymousUser()
            return self.get_response(request)
        try:
            request.user.is_authenticated  # noqa: B018 - evaluates the lazy user (and session)
        except DATABASE_ERRORS:
            return self.unavailable(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return self.unavailable(request)
        return None

    def unavailable(self, request):
        logger.error(
            "Database unavailable during %s %s", request.method, request.path, exc_info=True
        )
        request.user = AnonymousUser()
        # Rendered without the request: no context processor (they need the user) runs.
        response = HttpResponse(render_to_string("503.html", {"resubmit": handed_back(request)}), status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        return response


# Posted fields never shown or sent back by the 503 page: passwords and other secrets (one-time
# codes, tokens), matched by name; and Django's CSRF token, which the page replaces.
SECRET_FIELD = re.compile(r"password|passwd|wachtwoord|secret|token|(^|[_-])(otp|pass\d*$)", re.IGNORECASE)
CSRF_FIELD = "csrfmiddlewaretoken"


class _CsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check, answering a refusal without its failure page (which may need the database)."""

    def _reject(self, request, reason):
        return HttpResponseForbidden(reason)


def handed_back(request) -> dict | None:
    """A POST the database outage refused, handed back to the user on the 503 page: the fields as
    typed (shown, and re-posted to the same URL by "send again"), without passwords and files.

    Only for a POST that passes the CSRF check: the page must not reflect a cross-site post with
    a valid token of this user's. Needs no database: the token comes from the CSRF cookie
    (``get_token``), or, should that fail, is the one the user posted.
    """
    if request.method != "POST":
        return None
    try:
        if _CsrfCheck(lambda r: None).process_view(request, None, (), {}) is not None:
            return None
        posted = list(request.POST.lists())
        files = bool(request.FILES)
    except Exception:  # noqa: BLE001 - an unreadable body: the plain 503 page
        logger.warning("Could not hand back the input of %s %s", request.method, request.path, exc_info=True)
        return None
    try:
        token = get_token(request)
    except Exception:  # noqa: BLE001 - fall back to the user's own posted token
        token = request.POST.get(CSRF_FIELD, "")
    fields = [(name, value) for name, values in posted
              if name != CSRF_FIELD and not SECRET_FIELD.search(name) for value in values]
    return {
        "action": request.get_full_path(),
        "csrf_token": token,
        # A value with line breaks goes back in a (hidden) textarea: an input would lose them.
        "fields": [(name, value, "\n" in value or "\r" in value) for name, value in fields],
        "shown": [(name.replace("_", " "), value) for name, value in fields if value.strip()],
        "withheld": any(SECRET_FIELD.search(name) for name, _values in posted),
        "files": files,
    }
