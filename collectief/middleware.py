"""Middleware for headers every response needs and for the second login step."""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from . import two_factor


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
