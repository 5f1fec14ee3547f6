"""Two-factor login with an authenticator app (TOTP, django-otp) and one-time recovery codes.

Coordinators and administrators (``OTP_REQUIRED_ROLES``) set it up at their first login; anyone
else may. A user with a confirmed device enters a code after every password login before any
other page opens (``collectief.middleware.TwoFactorMiddleware``); ``django_otp.login`` then
marks the session verified, which is what ``request.user.is_verified()`` and
``collectief.access.two_factor_required`` check. A lost phone: log in with a recovery code and
set up the new phone, or an administrator removes the device in /beheer/. See docs/security.md.
"""

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render, resolve_url
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import access

RECOVERY_CODE_COUNT = 10
# Pages an unverified user may open: the two-factor pages themselves (namespace) and these.
OPEN_WITHOUT_CODE = frozenset({"login", "logout", "set_language", "healthz", "admin:logout"})
# Session key: "this login has no device and needs none", so that the check costs no query on
# every request of a user who chose not to use two-factor login. Holds the login time it is for.
NO_DEVICE_KEY = "two_factor_not_needed"


def requires_two_factor(user) -> bool:
    return access.has_role(user, settings.OTP_REQUIRED_ROLES)


def _has_device(request) -> bool:
    user = request.user
    login_time = str(user.last_login)
    if request.session.get(NO_DEVICE_KEY) == login_time:
        return False
    if user_has_device(user, confirmed=True):
        return True
    if not requires_two_factor(user):
        request.session[NO_DEVICE_KEY] = login_time
    return False


def pending_step(request) -> str | None:
    """The two-factor page the user must pass before this request, or None."""
    user = request.user
    if not user.is_authenticated or not hasattr(user, "is_verified") or user.is_verified():
        return None
    match = request.resolver_match
    if match is not None and (match.namespace == "two_factor" or match.view_name in OPEN_WITHOUT_CODE):
        return None
    if _has_device(request):
        return "two_factor:verify"
    if requires_two_factor(user):
        return "two_factor:setup"
    return None


def _next_url(request) -> str:
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _otp_installed(user) -> bool:
    return hasattr(user, "is_verified")


# --- Forms -----------------------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )

    def clean_code(self) -> str:
        # People copy codes with spaces or dashes ("123 456", "abcd-efgh").
        return "".join(ch for ch in self.cleaned_data["code"] if ch.isalnum()).lower()


class SetupForm(CodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["inputmode"] = "numeric"
        self.fields["code"].help_text = _("The six digits your app shows now.")


# --- Devices ---------------------------------------------------------------------------------------


def _matching_device(user, code: str):
    """The user's confirmed device that accepts ``code`` (the app's code or a recovery code), or None.

    Each device counts its failures and makes the user wait longer after each (django-otp's
    throttling), so that six digits cannot be guessed.
    """
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            if device.verify_token(code):
                return device
    return None


def _new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes by RECOVERY_CODE_COUNT new ones; each works once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _pending_device(user) -> TOTPDevice:
    """The app being set up: the user's unconfirmed device, made on the first visit."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="app", confirmed=False)


@transaction.atomic
def _confirm(user, device: TOTPDevice) -> list[str]:
    """Make ``device`` the user's app (replacing an earlier phone) and hand out new recovery codes."""
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return _new_recovery_codes(user)


def _secret(device: TOTPDevice) -> str:
    """The key in base32 in groups of four, for typing it into an app by hand."""
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


# --- Views -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def verify(request):
    """The second step after the password: a code from the app, or a recovery code."""
    user, next_url = request.user, _next_url(request)
    if not _otp_installed(user) or user.is_verified():
        return redirect(next_url)
    if not user_has_device(user, confirmed=True):
        return redirect(_with_next("two_factor:setup", next_url))
    form = CodeForm(request.POST or None)
    if form.is_valid():
        device = _matching_device(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                messages.warning(request, _(
                    "You logged in with a recovery code (recovery codes left: %(count)s). "
                    "Lost your phone? Set up the app on your new phone."
                ) % {"count": device.token_set.count()})
            return redirect(next_url)
        form.add_error("code", _(
            "This code is not right, or there were too many attempts: wait a moment and try again."
        ))
    return render(request, "two_factor/verify.html", {"form": form})


@require_http_methods(["GET", "POST"])
def setup(request):
    """Set up the app: scan the QR code or type the key, confirm with a code; then the recovery codes."""
    user, next_url = request.user, _next_url(request)
    if not _otp_installed(user):
        return redirect(next_url)
    has_device = user_has_device(user, confirmed=True)
    if has_device and not user.is_verified():
        # Replacing the app needs the current second factor (or a recovery code) first.
        return redirect(_with_next("two_factor:verify", next_url))
    if has_device and request.method == "GET" and "nieuw" not in request.GET:
        return render(request, "two_factor/status.html", {"recovery_left": _recovery_codes_left(user)})
    device = _pending_device(user)
    form = SetupForm(request.POST or None)
    if form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = _confirm(user, device)
            otp_login(request, device)
            request.session.pop(NO_DEVICE_KEY, None)
            return render(request, "two_factor/recovery_codes.html", {"codes": codes, "next": next_url})
        form.add_error("code", _("This code is not right. Check the time on your phone and try the next code."))
    qr_code = segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)
    return render(request, "two_factor/setup.html", {
        "form": form, "qr_code": qr_code, "secret": _secret(device), "required": requires_two_factor(user),
    })


def _recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


@require_POST
def recovery_codes(request):
    """New recovery codes (the old ones stop working), shown once."""
    user = request.user
    if not _otp_installed(user) or not user.is_verified() or not user_has_device(user, confirmed=True):
        return redirect("two_factor:setup")
    codes = _new_recovery_codes(user)
    return render(request, "two_factor/recovery_codes.html", {"codes": codes, "next": _next_url(request)})


app_name = "two_factor"
urlpatterns = [
    path("", verify, name="verify"),
    path("instellen/", setup, name="setup"),
    path("herstelcodes/", recovery_codes, name="recovery_codes"),
]
