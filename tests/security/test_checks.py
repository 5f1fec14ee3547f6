"""The production checks (collectief/checks.py): unsafe mail backends and placeholder keys are errors."""

import secrets

import pytest

from collectief import checks

SAFE_KEY = secrets.token_urlsafe(60)


@pytest.mark.parametrize("backend", sorted(checks.UNDELIVERED_MAIL_BACKENDS))
def test_a_mail_backend_that_does_not_deliver_is_refused_in_production(settings, backend):
    settings.DEBUG, settings.EMAIL_BACKEND = False, backend
    assert [error.id for error in checks.check_mail_backend(None)] == ["collectief.E001"]
    settings.DEBUG = True
    assert checks.check_mail_backend(None) == []


def test_smtp_is_accepted(settings):
    settings.DEBUG, settings.EMAIL_BACKEND = False, "django.core.mail.backends.smtp.EmailBackend"
    assert checks.check_mail_backend(None) == []


@pytest.mark.parametrize("key", [
    "django-insecure-development-only-key-change-me",
    "change-me-in-production-please-use-a-long-random-string",
    "django-insecure-" + "x" * 60,
    "please-change-me-" + "x" * 60,
    "x" * 49,
])
def test_a_placeholder_or_short_secret_key_is_refused_in_production(settings, key):
    settings.DEBUG, settings.SECRET_KEY = False, key
    assert [error.id for error in checks.check_secret_key(None)] == ["collectief.E002"]


def test_a_long_random_secret_key_is_accepted(settings):
    settings.DEBUG, settings.SECRET_KEY = False, SAFE_KEY
    assert checks.check_secret_key(None) == []


def test_unknown_two_factor_roles_are_refused(settings):
    settings.OTP_REQUIRED_ROLES = ["coordinator", "coördinator"]
    assert [error.id for error in checks.check_two_factor_roles(None)] == ["collectief.E003"]
    settings.OTP_REQUIRED_ROLES = ["coordinator", "administrator"]
    assert checks.check_two_factor_roles(None) == []
