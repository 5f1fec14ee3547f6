"""Fixtures that switch on what the test settings leave off: two-factor login and the enforced CSP."""

import pytest

from collectief import settings as production


@pytest.fixture
def two_factor_on(settings):
    """django-otp's middleware and the production roles that must use two-factor login."""
    settings.MIDDLEWARE = production.MIDDLEWARE
    settings.OTP_REQUIRED_ROLES = ["coordinator", "administrator"]
    # django-otp makes the next try wait after a wrong code; tests that want that set it back.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def csp_on(settings):
    """The Content-Security-Policy enforced, as in production (the test settings only report)."""
    settings.CONTENT_SECURITY_POLICY = production.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = None
