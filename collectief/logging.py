"""Logs without personal data: a filter that masks what a log line must not hold.

Query strings (a search for a resident's name, ``?next=`` with one), the uid and token of a
password-reset link (whoever reads the log could set the password) and e-mail addresses are
replaced before a line is written. The filter sits on the console handler (settings.LOGGING),
so it covers Django's request logs (``django.request``, ``django.server``) and every other
logger; ``GunicornLogger`` puts it on gunicorn's access and error logs. See docs/security.md.
"""

import logging
import re

MASK = "[filtered]"

# A query string after a path: everything from "?" up to white space or a quote.
QUERY_STRING = re.compile(r"""(/[^\s?"']*)\?[^\s"']*""")
# /wachtwoord/nieuw/<uidb64>/<token>/ (collectief/urls.py: password_reset_confirm).
RESET_LINK = re.compile(r"(/wachtwoord/nieuw/)[^/\s\"']+/[^/\s\"']+")
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def mask(text: str) -> str:
    """``text`` with query strings, reset tokens and e-mail addresses replaced by a mark."""
    text = RESET_LINK.sub(rf"\1{MASK}/{MASK}", text)
    text = QUERY_STRING.sub(rf"\1?{MASK}", text)
    return EMAIL_ADDRESS.sub(MASK, text)


class PersonalDataFilter(logging.Filter):
    """Mask the message (and a traceback) of every record; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logged as it is
            return True
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # The formatter uses exc_text when it is set: the traceback is masked too.
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
        return True


def axes_client_str(username, ip_address, user_agent, path_info, request) -> str:
    """How django-axes names a client in its log lines: the address, never the typed user name."""
    return f"{{ip_address: {ip_address!r}, path_info: {path_info!r}}}"


try:
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # gunicorn is a production dependency; tolerate its absence elsewhere
    _GunicornLogger = object


class GunicornLogger(_GunicornLogger):
    """gunicorn's logger (``--logger-class collectief.logging.GunicornLogger``) with the filter.

    gunicorn writes "Error handling request <path?query>" itself, outside Django's logging; its
    access log format is also set without the query string (``%(U)s``, docker-compose.yml).
    """

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.addFilter(PersonalDataFilter())
