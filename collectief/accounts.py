"""Logins and password resets: who the client is, lockouts per user name and per address, reset limits.

- ``client_ip``: the address a request came from, also behind our own proxy (``BEHIND_PROXY``);
  django-axes and the password-reset limit use it.
- ``LockoutHandler``: django-axes' database handler with a limit per lockout parameter set, so that
  one user name locks after ``AXES_FAILURE_LIMIT`` wrong passwords and one address after the higher
  ``AXES_IP_FAILURE_LIMIT`` (password spraying over many user names).
- ``PasswordResetView``: Django's, sending at most ``PASSWORD_RESET_LIMIT`` mails an hour per
  address and per client; the answer is the same whether or not a mail went out.
"""

import hashlib
import ipaddress
import logging

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.db.models import Sum
from django.http import HttpResponseRedirect
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind our proxy the address that proxy saw.

    A proxy appends the address it received the request from to X-Forwarded-For; with
    ``PROXY_COUNT`` proxies of ours in a row, the client is that many entries from the right.
    Entries further left were sent by the client and are not trusted.
    """
    remote = request.META.get("REMOTE_ADDR")
    if not settings.BEHIND_PROXY:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    count = max(settings.PROXY_COUNT, 1)
    if len(forwarded) < count:
        return remote
    return _valid_ip(forwarded[-count]) or remote


def _is_address_only(parameter) -> bool:
    return parameter in ("ip_address", ["ip_address"])


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with its own limit per lockout parameter set.

    axes compares one number (``get_failures``) with one limit (``AXES_FAILURE_LIMIT``). Here each
    set of ``AXES_LOCKOUT_PARAMETERS`` is counted on its own: an address-only set against
    ``AXES_IP_FAILURE_LIMIT``, every other set against ``AXES_FAILURE_LIMIT``. The number handed
    back reaches the limit exactly when one of the sets reached its own.
    """

    def get_failures(self, request, credentials=None) -> int:
        limit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        highest = 0
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            count = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            own_limit = settings.AXES_IP_FAILURE_LIMIT if _is_address_only(parameter) else limit
            if count >= own_limit:
                return max(count, limit)
            highest = max(highest, min(count, limit - 1))
        return highest

    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a good password: forget this user name's failures from this address only.

        axes would delete every attempt the lockout parameters match, including all failures
        from the address: one account of their own would let a sprayer start again.
        """
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()
        return count


# --- Password-reset mails ---------------------------------------------------------------------------

RESET_WINDOW = 3600  # seconds


def _within_limit(kind: str, value: str) -> bool:
    """Count one request for ``value``; False once this hour's limit is passed.

    The cache is optional here: when it is down the mail is sent (and the failure logged), so
    that nobody is locked out of their account by a Redis outage.
    """
    key = f"password-reset:{kind}:{hashlib.sha256(value.encode()).hexdigest()}"
    try:
        cache.add(key, 0, RESET_WINDOW)
        count = cache.incr(key)
    except (RedisError, OSError, ValueError) as error:
        logger.warning("Password-reset limit not checked: cache unavailable (%s)", error.__class__.__name__)
        return True
    return count <= settings.PASSWORD_RESET_LIMIT


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, with at most PASSWORD_RESET_LIMIT mails an hour per address and client."""

    def form_valid(self, form):
        address = form.cleaned_data["email"].strip().lower()
        # Both counters count every request, also one refused by the other.
        allowed = [_within_limit("address", address), _within_limit("ip", client_ip(self.request) or "")]
        if all(allowed):
            return super().form_valid(form)
        logger.info("Password-reset mail not sent: hourly limit reached")
        # The same answer as when a mail went out, so that the page tells nobody anything.
        return HttpResponseRedirect(self.get_success_url())
