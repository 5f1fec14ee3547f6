"""PostgreSQL cannot be reached: a Dutch 503 page with Retry-After (never a 500), and /healthz
answers with the database down, also for a request that carries a session cookie."""

import html
import re
import socket
from contextlib import contextmanager
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from collectief.middleware import DatabaseUnavailableMiddleware
from participants.models import Participant

DUTCH_TEXT = "Collectief kan de database op dit moment niet bereiken"


def _closed_port() -> int:
    """A local TCP port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def database_down():
    """Every new use of the default connection tries PostgreSQL at a closed port, and fails.

    A second connection (its own alias) with the settings of the default database but a port
    nobody listens on makes the real attempt: psycopg's "connection refused", raised as Django's
    OperationalError exactly as the default connection would when PostgreSQL is down.
    """
    unreachable = {**connections["default"].settings_dict, "HOST": "127.0.0.1", "PORT": _closed_port()}
    unreachable["OPTIONS"] = {**unreachable.get("OPTIONS", {}), "connect_timeout": 2}

    def refuse(*args, **kwargs):
        wrapper = connections["default"].__class__(unreachable, alias="unreachable")
        try:
            wrapper.ensure_connection()
        finally:
            wrapper.close()
        raise AssertionError("PostgreSQL answered on a closed port")

    with mock.patch.object(connections["default"], "ensure_connection", side_effect=refuse):
        yield


def _is_the_503_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "Tijdelijk niet beschikbaar" in body and DUTCH_TEXT in body
    assert 'id="main"' in body and "Naar de startpagina" in body  # the site layout, a way back
    return body


def test_a_logged_in_user_gets_the_dutch_503_page_when_the_database_is_down(client_for, worker):
    client = client_for(worker)
    with database_down():
        response = client.get(reverse("home"))
    body = _is_the_503_page(response)
    assert "Internal Server Error" not in body


def test_an_htmx_request_gets_the_503_too(client_for, worker):
    client = client_for(worker)
    with database_down():
        response = client.get(reverse("home"), headers={"HX-Request": "true"})
    _is_the_503_page(response)


@pytest.mark.django_db
def test_a_query_failing_in_the_view_gives_the_503_page(client):
    # No session cookie: the (anonymous) user needs no database; the view's own query fails.
    with database_down():
        response = client.post(reverse("password_reset"), {"email": "iemand@example.org"})
    _is_the_503_page(response)


def test_the_503_page_follows_the_chosen_language(client_for, worker):
    client = client_for(worker)
    client.post(reverse("set_language"), {"language": "en"})
    with database_down():
        response = client.get(reverse("home"))
    assert response.status_code == 503
    assert "Temporarily unavailable" in response.content.decode()


def test_other_errors_are_not_turned_into_a_503(rf):
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    assert middleware.process_exception(rf.get("/"), ValueError("bug")) is None


def test_healthz_answers_with_a_session_cookie_and_the_database_down(client_for, worker):
    client = client_for(worker)
    assert settings.SESSION_COOKIE_NAME in client.cookies
    with database_down():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"database": "error: OperationalError", "redis": "ok"}


def test_healthz_does_not_load_the_session_or_the_user(client_for, worker, django_assert_num_queries):
    client = client_for(worker)
    with django_assert_num_queries(1):  # SELECT 1, nothing else
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok"}


def test_connect_and_statement_timeouts_are_set_and_jit_is_off(db):
    options = connection.settings_dict["OPTIONS"]
    assert options["connect_timeout"] == 5
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "15s"
        # JIT compilation cost 0.6 s of the KPI set's 1.0 s at 10M rows (docs/performance.md).
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_a_hung_statement_is_cancelled_and_answered_with_a_503(client_for, worker):
    client = client_for(worker)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 50")  # the test's transaction only
    hang = mock.patch("collectief.views.access.access_for", side_effect=_sleep_in_postgresql)
    with hang:
        response = client.get(reverse("landing"))
    _is_the_503_page(response)


def _sleep_in_postgresql(user):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(5)")


# --- A form posted while the database is down: the input is handed back ---------------------


def _resubmit_form(body: str) -> tuple[str, dict]:
    """The action and the fields of the "send again" form of the 503 page."""
    start = body.index('<form method="post" action="')
    form = body[start:body.index("</form>", start)]
    action = html.unescape(re.search(r'action="([^"]*)"', form).group(1))
    fields = {html.unescape(name): html.unescape(value)
              for name, value in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', form)}
    fields.update({html.unescape(name): html.unescape(value)
                   for name, value in re.findall(r'<textarea name="([^"]*)" hidden>\n(.*?)</textarea>', form, re.S)})
    return action, fields


def test_a_form_posted_while_the_database_is_down_gets_its_input_back_and_can_be_sent_again(
    client_for, worker, team_a
):
    client = client_for(worker, client=Client(enforce_csrf_checks=True))
    url = reverse("participants:create")
    assert client.get(url).status_code == 200  # the form, and its CSRF cookie
    posted = {
        "csrfmiddlewaretoken": client.cookies[settings.CSRF_COOKIE_NAME].value,
        "first_name": "Wietske", "last_name": "de Boer <b>", "birth_date": "1970-02-03", "postcode": "8921 AB",
        "team": str(team_a.pk), "phone": "", "preferred_language": "nl", "consent_registration": "on",
    }
    with database_down():
        response = client.post(url, posted)
    body = _is_the_503_page(response)
    # What was typed, shown (escaped) …
    assert 'id="resubmit"' in body and "Wat je hebt ingevuld" in body
    typed = body[body.index('id="typed"'):body.index("</dl>")]
    assert "Wietske" in typed and "de Boer &lt;b&gt;" in typed and "1970-02-03" in typed
    assert "<b>" not in body
    # … and a form that posts the same fields to the same URL, with a fresh CSRF token.
    action, fields = _resubmit_form(body)
    assert action == url
    assert "Opnieuw versturen" in body
    token = fields.pop("csrfmiddlewaretoken")
    assert token and token != posted["csrfmiddlewaretoken"]
    assert fields == {name: value for name, value in posted.items() if name != "csrfmiddlewaretoken"}
    assert not Participant.objects.filter(first_name="Wietske").exists()

    # The database is back: "Opnieuw versturen" saves it (the token passes Django's CSRF check).
    response = client.post(action, {**fields, "csrfmiddlewaretoken": token})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Participant.objects.filter(first_name="Wietske", last_name="de Boer <b>", team=team_a).exists()


def test_passwords_are_never_echoed_on_the_503_page(client, worker):
    with database_down():
        response = client.post(reverse("login"), {"username": "sanne", "password": "geheim-wachtwoord-42"})
    body = _is_the_503_page(response)
    assert "geheim-wachtwoord-42" not in body
    action, fields = _resubmit_form(body)
    assert action == reverse("login") and fields.pop("csrfmiddlewaretoken")
    assert fields == {"username": "sanne"}
    assert "Wachtwoorden worden hier niet herhaald" in body


def test_line_breaks_survive_the_resubmit_form(client_for, worker):
    client = client_for(worker)
    with database_down():
        response = client.post(reverse("participants:create"), {"first_name": "Anne", "notes": "regel 1\nregel 2"})
    _action, fields = _resubmit_form(_is_the_503_page(response))
    assert fields["notes"] == "regel 1\nregel 2"


def test_a_cross_site_post_is_not_reflected(client_for, worker):
    client = client_for(worker, client=Client(enforce_csrf_checks=True))
    with database_down():
        response = client.post(reverse("participants:create"), {"first_name": "Kwaadwillend"})
    body = _is_the_503_page(response)
    assert "Kwaadwillend" not in body and 'id="resubmit-form"' not in body
