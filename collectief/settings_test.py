"""Thin override of the settings for the test suite (real PostgreSQL and Redis)."""

import os

from collectief.settings import *  # noqa: F401,F403
from collectief.settings import DATABASES, REDIS_URL

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
