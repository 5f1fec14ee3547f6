"""Logs without personal data: no query strings, no password-reset tokens, no e-mail addresses."""

import io
import logging

import pytest

from collectief.logging import GunicornLogger, PersonalDataFilter, mask


def test_query_strings_reset_tokens_and_email_addresses_are_masked():
    line = '"GET /deelnemers/?q=Jansen&page=2 HTTP/1.1" 200 512'
    assert mask(line) == '"GET /deelnemers/?[filtered] HTTP/1.1" 200 512'
    assert mask("GET /wachtwoord/nieuw/MTI/cf3k2a-0123456789abcdef/ 302") == (
        "GET /wachtwoord/nieuw/[filtered]/[filtered]/ 302"
    )
    assert mask("/wachtwoord/nieuw/MTI/set-password/") == "/wachtwoord/nieuw/[filtered]/[filtered]/"
    assert mask("Failed to send mail to anna.de-vries+werk@gemeente.example.nl") == "Failed to send mail to [filtered]"
    assert mask("Not Found: /collectieven/12/") == "Not Found: /collectieven/12/"


@pytest.fixture
def console():
    """What the configured console handler (settings.LOGGING) writes."""
    handler = next(h for h in logging.getLogger("django").handlers
                   if any(isinstance(f, PersonalDataFilter) for f in h.filters))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_django_server_and_request_logs_are_masked(console):
    # The formats runserver and django.request use.
    logging.getLogger("django.server").info('"%s" %s %s', "GET /deelnemers/?q=Jansen HTTP/1.1", 200, 1234)
    logging.getLogger("django.server").info(
        '"%s" %s %s', "GET /wachtwoord/nieuw/MTI/cf3k2a-0123456789abcdef/ HTTP/1.1", 302, 0
    )
    logging.getLogger("django.request").warning("Not Found: %s", "/wachtwoord/nieuw/MTI/cf3k2a-0123/")
    try:
        raise ValueError("no user anna@example.org")
    except ValueError:
        logging.getLogger("django.request").exception("Internal Server Error: %s", "/login/?next=/deelnemers/")
    text = console.getvalue()
    for secret in ("Jansen", "cf3k2a", "MTI", "anna@example.org", "next=/deelnemers"):
        assert secret not in text, secret
    assert "GET /deelnemers/?[filtered]" in text and "Traceback" in text


@pytest.mark.django_db
def test_a_failed_login_is_logged_without_the_typed_user_name(client, caplog, settings):
    settings.AXES_ENABLED = True
    with caplog.at_level(logging.INFO):
        client.post("/login/", {"username": "anna.geheim", "password": "fout"})
    assert "AXES" in caplog.text and "127.0.0.1" in caplog.text
    assert "anna.geheim" not in caplog.text


def test_gunicorn_logs_are_masked(capsys):
    from gunicorn.config import Config

    config = Config()
    config.set("accesslog", "-")
    config.set("errorlog", "-")
    config.set("access_log_format", "%(h)s %(m)s %(U)s %(s)s")
    logger = GunicornLogger(config)
    logger.access_log.info(config.access_log_format, {"h": "1.2.3.4", "m": "GET", "U": "/wachtwoord/nieuw/MTI/tok-1/",
                                                      "s": "302"})
    logger.error("Error handling request %s", "/deelnemers/?q=Jansen")
    out = capsys.readouterr()
    text = out.out + out.err
    assert "tok-1" not in text and "Jansen" not in text
    assert "/wachtwoord/nieuw/[filtered]/[filtered]/" in text and "/deelnemers/?[filtered]" in text
