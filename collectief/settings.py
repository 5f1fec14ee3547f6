"""Settings for Collectief: one module, read from environment variables (see README)."""

import datetime
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from collectief.object_storage import storage_from_env

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Off unless set: a debug page shows settings, SQL and a resident's details to whoever causes an
# error. scripts/run.sh (make run) sets DEBUG=true for local development.
DEBUG = env_bool("DEBUG", False)
# The development default is unusable in production: check --deploy refuses it (collectief/checks.py).
SECRET_KEY = env_str("SECRET_KEY", "django-insecure-development-only-key-change-me")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "collectief",
    "participants",
    "groups",
    "pathway",
    "outcomes",
    "offers",
    "imports",
    "reporting",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the user entered a code of their second factor in this session.
    "django_otp.middleware.OTPMiddleware",
    # Permissions-Policy everywhere; Cache-Control: no-store on every response to a logged-in user.
    # PostgreSQL unreachable: a Dutch 503 page with Retry-After instead of a 500 (loads the user
    # here, so the outage is caught; /healthz gets an anonymous user without touching the session).
    "collectief.middleware.DatabaseUnavailableMiddleware",
    "collectief.middleware.SecurityHeadersMiddleware",
    # Every page requires login unless its view is marked @login_not_required
    # (login, password reset, /healthz, language switch).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After login: users with a second factor enter a code, OTP_REQUIRED_ROLES set one up first.
    "collectief.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: locks out repeated failed logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "collectief.urls"
WSGI_APPLICATION = "collectief.wsgi.application"
ASGI_APPLICATION = "collectief.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "collectief.context_processors.navigation",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/collectief")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
# A hung or unreachable PostgreSQL costs seconds, not a worker: give up connecting after
# DB_CONNECT_TIMEOUT seconds, cancel any statement after DB_STATEMENT_TIMEOUT_MS milliseconds.
# No JIT compilation (jit=off): at 10M attendance rows the KPI set's estimated cost passes
# PostgreSQL's jit_above_cost, and compiling it took 0.6 s of a 1.0 s statement; our statements
# run in milliseconds to a few hundred, where JIT only costs (docs/performance.md).
DATABASES["default"]["OPTIONS"] = {
    **DATABASES["default"].get("OPTIONS", {}),
    "connect_timeout": env_int("DB_CONNECT_TIMEOUT", 5),
    "options": f"-c statement_timeout={env_int('DB_STATEMENT_TIMEOUT_MS', 15000)} -c jit=off",
}
# Optional streaming replica (issue 14, docs/deployment.md): the dashboard and the report figures
# read from it when it has replayed what the primary committed (waiting at most
# DATABASE_REPLICA_MAX_LAG seconds), otherwise from the primary; see collectief/db_router.py.
# Same options as the primary but a short connect timeout; tests use the primary for it (MIRROR).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
DATABASE_REPLICA_MAX_LAG = float(env_str("DATABASE_REPLICA_MAX_LAG", "") or 0.5)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60)),
        "OPTIONS": {**DATABASES["default"]["OPTIONS"], "connect_timeout": min(env_int("DB_CONNECT_TIMEOUT", 5), 2)},
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["collectief.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("CACHE_URL", REDIS_URL),
        "KEY_PREFIX": "collectief",
        # The cache is never required (issue 10, docs/reporting.md): an unreachable Redis must cost
        # a request half a second at most, after which reporting/cache.py computes without it.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Brute-force protection for accounts that open personal data, counted over the last quarter of
# an hour: AXES_FAILURE_LIMIT wrong passwords for one user name (from anywhere) lock that user name,
# AXES_IP_FAILURE_LIMIT wrong passwords from one address (over any user names: password spraying)
# lock that address. Each parameter set has its own limit (collectief.accounts.LockoutHandler).
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_IP_FAILURE_LIMIT = env_int("AXES_IP_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_HANDLER = "collectief.accounts.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The client's address: REMOTE_ADDR, or behind a proxy (BEHIND_PROXY) the address the proxy saw.
AXES_CLIENT_IP_CALLABLE = "collectief.accounts.client_ip"
# Failed logins are logged by address only: a typed user name may be an e-mail address or a password.
AXES_CLIENT_STR_CALLABLE = "collectief.logging.axes_client_str"
# Two-factor login (django-otp, TOTP apps plus recovery codes): users with one of these roles
# (collectief.access.Role) must set it up; everyone else may. See docs/security.md.
OTP_REQUIRED_ROLES = env_list("OTP_REQUIRED_ROLES", "coordinator,administrator")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Where collectief.access.two_factor_required sends an unverified user (the code or the set-up).
TWO_FACTOR_SETUP_URL = "two_factor:verify"
# Password-reset mails: at most this many per hour per e-mail address and per client address.
PASSWORD_RESET_LIMIT = env_int("PASSWORD_RESET_LIMIT", 3)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "landing"  # a page per role (collectief.views.landing)
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: Dutch by default, English available.
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "nl")
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Bootstrap and htmx come from npm (package.json) at install time; whitenoise serves them.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
STORAGES = {
    # Generated reports are personal-data-free but still private: they are served only
    # through an access-checked view, never from a public URL.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media-not-served/"
# Several web and worker nodes (docs/deployment.md) share these files: MEDIA_ROOT on a volume they
# all mount, or, with MEDIA_S3_BUCKET set, S3-compatible object storage through django-storages
# (private objects, no public URL: the views stream them after their access checks;
# collectief/object_storage.py).
if (object_storage := storage_from_env(os.environ)) is not None:
    STORAGES["default"] = object_storage

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Collectief <noreply@localhost>")

# Security: strict in production (DEBUG off), relaxed for local http development.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Behind a TLS-terminating proxy: trust its X-Forwarded-Proto, and take the client's address from
# X-Forwarded-For: the entry PROXY_COUNT places from the right (what our own proxy appended; the
# entries to its left come from the client and can be forged).
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
PROXY_COUNT = env_int("PROXY_COUNT", 1)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere: scripts and styles come from our own static files (htmx's
# indicator style is switched off in base.html); server-rendered SVG charts use presentation
# attributes, which this allows. data: only for images (Bootstrap's icons, the 2FA QR code).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# Celery: Redis as broker and result backend, JSON only, hard and soft time limits.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# The render task (reporting.tasks.render_report) and the sweeper (STUCK_AFTER) read these too.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180)
# Acknowledged after the task ran; a task whose pool process died (kill -9, out of memory) is put
# back in the queue and runs again (the default would acknowledge it as failed). The render task
# is sent again by the worker instead, a bounded number of times (its retry_on_worker_lost);
# docs/operations.md, "The Celery worker".
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "collectief")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Issue 10: sending a task while Redis is down must fail in well under a second (the report then
# waits visibly and the sweeper sends it again), not hang the coordinator's request. Short socket
# timeouts, no retries of the connection while publishing (reporting.services.queue_render sends
# with retry=False and without a result). A running worker or beat still reconnects by itself.
_redis_connect_timeout = 0.5
_redis_socket_timeout = 1.0
CELERY_BROKER_CONNECTION_TIMEOUT = _redis_connect_timeout
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # the worker's consumer: keep reconnecting
# An unacknowledged task is handed out again after the visibility timeout (the whole worker died).
# It must exceed the longest hard time limit of any task (CELERY_TASK_TIME_LIMIT; the CSV import's
# 660 s in imports/tasks.py), so that a task id never runs twice at the same time: the render's
# re-claim by task id relies on it (reporting.services.claim). tests/resilience/test_worker_killed.py
# checks every registered task against it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", max(CELERY_TASK_TIME_LIMIT, 660) + 60),
    "socket_connect_timeout": _redis_connect_timeout,
    "socket_timeout": _redis_socket_timeout,
    # Connecting to publish: one attempt, no retries with back-off.
    "max_retries": 0,
    "connect_retries_timeout": _redis_connect_timeout,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = _redis_connect_timeout
CELERY_REDIS_SOCKET_TIMEOUT = _redis_socket_timeout
# The result store: give up reconnecting after two attempts instead of twenty seconds of retries.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # First day of each quarter, 06:00 Europe/Amsterdam: drafts for the quarter that ended.
    "quarterly-report-drafts": {
        "task": "reporting.tasks.create_quarterly_drafts",
        "schedule": crontab(minute=0, hour=6, day_of_month=1, month_of_year="1,4,7,10"),
    },
    # Every minute (issue 10): reports queued without a task are sent again, renders whose worker
    # died (running longer than CELERY_TASK_TIME_LIMIT) are taken over.
    # Every minute: flyers queued without a task are sent again, renders whose worker died are taken over.
    "offers-sweep-flyers": {
        "task": "offers.tasks.sweep_flyers",
        "schedule": crontab(),
    },
    "reporting-sweep-reports": {
        "task": "reporting.tasks.sweep_reports",
        "schedule": crontab(),
    },
    # Hourly: uploaded import files (personal data) are deleted 24 hours after the upload.
    "import-remove-stale-uploads": {
        "task": "imports.tasks.remove_stale_uploads",
        "schedule": crontab(minute=17),
    },
    # Nightly, 02:40: retention (inactive residents proposed for erasure, old session notes blanked).
    "participants-apply-retention": {
        "task": "participants.tasks.apply_retention",
        "schedule": crontab(minute=40, hour=2),
    },
    # Nightly, 02:50: sign-ups from the group finder past SIGNUP_RETENTION_DAYS are deleted.
    "offers-remove-old-signups": {
        "task": "offers.tasks.remove_old_signups",
        "schedule": crontab(minute=50, hour=2),
    },
}

# Collectief's own settings.
ORGANISATION_NAME = env_str("ORGANISATION_NAME", "Collectief")
# The name an authenticator app shows next to the user name.
OTP_TOTP_ISSUER = ORGANISATION_NAME
# Counts from 1 up to this number minus one are shown as "<N" in everything that leaves
# the organisation (PDF, CSV, municipality pages).
SMALL_NUMBER_THRESHOLD = env_int("SMALL_NUMBER_THRESHOLD", 5)
# The bundling board marks a bundle of this many open help requests "genoeg voor een groep".
BUNDLE_THRESHOLD = env_int("BUNDLE_THRESHOLD", 3)
# The public survey page (/vragenlijst/<token>/): at most this many responses per address per window
# (a whole group may fill it in over one Wi-Fi); counted in the cache, fail-soft.
SURVEY_RATE_LIMIT = env_int("SURVEY_RATE_LIMIT", 30)
SURVEY_RATE_WINDOW = env_int("SURVEY_RATE_WINDOW", 900)
# Sign-ups from the public group finder (/aanbod/) are deleted this many days after they came in when
# nobody called back, and this many days after they were handled otherwise (docs/privacy.md).
SIGNUP_RETENTION_DAYS = env_int("SIGNUP_RETENTION_DAYS", 30)

# Retention (docs/privacy.md): residents without activity get an erasure request after this many
# months (two coordinators confirm it); short session notes are blanked after this many months.
RETENTION_INACTIVE_RESIDENT_MONTHS = env_int("RETENTION_INACTIVE_RESIDENT_MONTHS", 24)
RETENTION_SESSION_NOTES_MONTHS = env_int("RETENTION_SESSION_NOTES_MONTHS", 12)
# The audit log is kept at least this long (NEN 7513); nothing deletes audit rows.
AUDIT_RETENTION_YEARS = env_int("AUDIT_RETENTION_YEARS", 5)
# The database role the application runs as (neither owner nor superuser): the audit table's
# UPDATE, DELETE and TRUNCATE are revoked from it (docs/architecture.md).
DATABASE_APP_ROLE = env_str("DATABASE_APP_ROLE", "")

# Logs hold no personal data: every line passes collectief.logging.PersonalDataFilter (query
# strings, password-reset tokens and e-mail addresses masked). Django's own request loggers are
# routed through the same handler instead of Django's default, unfiltered one.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "collectief.logging.PersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["personal_data"], "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": [], "propagate": True},
        "django.request": {"handlers": [], "propagate": True},
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
    },
}
