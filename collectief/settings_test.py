"""Thin override of the settings for the test suite (real PostgreSQL and Redis)."""

import os

from collectief.settings import *  # noqa: F401,F403
from collectief.settings import CONTENT_SECURITY_POLICY, DATABASES, MIDDLEWARE, REDIS_URL

# Several test runs may share a machine: a suffix keeps their databases apart.
DATABASES["default"]["TEST"] = {"NAME": "test_collectief" + os.environ.get("TEST_DB_SUFFIX", "")}
DATABASES["default"]["CONN_MAX_AGE"] = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Celery runs eagerly in-process, except in the tests that start a real worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = REDIS_URL
MEDIA_ROOT = __import__("pathlib").Path(os.environ.get("TEST_MEDIA_ROOT", "/tmp/collectief-test-media"))
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# A per-process cache, emptied before every test (tests/conftest.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Login lockout is tested on its own (tests/collectief/test_login_lockout.py); elsewhere the
# test client logs in without a request, which django-axes cannot check.
AXES_ENABLED = False
# DEBUG is off unless set; the tests run against the files in static/ and node_modules/ as a
# development server does, without collectstatic's manifest, and over plain http.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
# Two-factor login: personas log in with client.force_login (tests/conftest.py: client_for) or the
# login form (login_in_browser), without a second factor. django-otp's middleware is left out, so
# is_verified() does not exist and nothing asks for a code; nobody must set one up.
# tests/security/ switch both on (the fixture two_factor_on).
OTP_REQUIRED_ROLES = []
MIDDLEWARE = [name for name in MIDDLEWARE if name != "django_otp.middleware.OTPMiddleware"]
# The same policy, reported instead of enforced: the accessibility tests inject axe-core as an
# inline script. tests/security/ check the enforced policy, in Chromium too.
CONTENT_SECURITY_POLICY_REPORT_ONLY = CONTENT_SECURITY_POLICY
CONTENT_SECURITY_POLICY = None
