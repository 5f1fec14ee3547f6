"""System checks that keep a production start from leaking accounts or personal data.

Tagged ``deploy``: ``manage.py check --deploy`` runs them, and docker-compose runs that before
migrating, so a container with such settings does not start. With ``DEBUG`` on (local
development) they say nothing.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register

# Mail backends that do not deliver: a password-reset link would end up in a log or in memory,
# where whoever reads it can take over the account.
UNDELIVERED_MAIL_BACKENDS = frozenset({
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
})
# Keys that are published (the development default, the old docker-compose default).
KNOWN_PLACEHOLDER_KEYS = frozenset({
    "django-insecure-development-only-key-change-me",
    "change-me-in-production-please-use-a-long-random-string",
})
MINIMUM_KEY_LENGTH = 50


def insecure_secret_key(key: str) -> bool:
    return (
        key in KNOWN_PLACEHOLDER_KEYS
        or key.startswith("django-insecure")
        or "change-me" in key
        or len(key) < MINIMUM_KEY_LENGTH
    )


@register(Tags.security, deploy=True)
def check_mail_backend(app_configs, **kwargs):
    if settings.DEBUG or settings.EMAIL_BACKEND not in UNDELIVERED_MAIL_BACKENDS:
        return []
    return [Error(
        f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: password-reset links would be written to a log "
        "or kept in memory instead of mailed.",
        hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and the EMAIL_HOST settings.",
        id="collectief.E001",
    )]


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    if settings.DEBUG or not insecure_secret_key(settings.SECRET_KEY):
        return []
    return [Error(
        "SECRET_KEY is a published placeholder, a django-insecure key or shorter than "
        f"{MINIMUM_KEY_LENGTH} characters: anyone who knows it can forge sessions and reset links.",
        hint="Set SECRET_KEY to a long random value: python -c 'import secrets; print(secrets.token_urlsafe(60))'",
        id="collectief.E002",
    )]


@register(Tags.security)
def check_two_factor_roles(app_configs, **kwargs):
    from .access import Role

    unknown = sorted(set(settings.OTP_REQUIRED_ROLES) - {role.value for role in Role})
    if not unknown:
        return []
    return [Error(
        f"OTP_REQUIRED_ROLES names unknown roles: {', '.join(unknown)}.",
        hint=f"Use some of: {', '.join(role.value for role in Role)}.",
        id="collectief.E003",
    )]
