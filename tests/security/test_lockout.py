"""Login throttling per user name and per address, with the right address behind a proxy."""

import pytest
from django.test import Client, RequestFactory

from collectief.accounts import client_ip
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_IP_FAILURE_LIMIT = 5


def _login(client, username, password, **headers):
    return client.post("/login/", {"username": username, "password": password}, **headers)


def _spray(client, count, **headers):
    """One wrong password for each of ``count`` user names: no user name reaches its own limit."""
    return [_login(client, f"medewerker{i}", "Welkom2024!", **headers).status_code for i in range(count)]


def test_password_spraying_over_many_user_names_from_one_address_is_locked(client, worker, axes_on):
    assert _spray(client, 5) == [200, 200, 200, 200, 429]  # the fifth failure locks the address
    response = _login(client, worker.username, PASSWORD)  # a real user, the right password
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_few_failures_from_an_office_do_not_lock_everyone_out(client, worker, colleague, axes_on):
    assert _spray(client, 4) == [200] * 4
    assert _login(client, colleague.username, PASSWORD).status_code == 302


def test_an_own_account_does_not_reset_the_count_for_the_address(client, worker, colleague, axes_on):
    _spray(client, 4)
    assert _login(client, colleague.username, PASSWORD).status_code == 302  # the sprayer's own account
    client.logout()
    _login(client, "medewerker9", "Welkom2024!")
    assert _login(client, worker.username, PASSWORD).status_code == 429


def test_a_user_name_is_locked_from_every_address(client, worker, axes_on, settings):
    settings.BEHIND_PROXY = True
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        _login(client, worker.username, "fout", HTTP_X_FORWARDED_FOR=address)
    assert _login(client, worker.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.9").status_code == 429


def test_behind_a_proxy_two_clients_get_separate_lockouts(worker, colleague, axes_on, settings):
    settings.BEHIND_PROXY = True
    sprayer, neighbour = Client(), Client()  # both reach Django from the proxy's address (127.0.0.1)
    _spray(sprayer, 5, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert _login(sprayer, worker.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert _login(neighbour, colleague.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.4").status_code == 302


def test_without_behind_proxy_a_forged_forwarded_for_changes_nothing(client, worker, axes_on):
    for i in range(5):
        _login(client, f"medewerker{i}", "Welkom2024!", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    assert _login(client, worker.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.4").status_code == 429


def test_the_client_address_is_the_one_our_proxy_saw(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7")
    settings.BEHIND_PROXY = False
    assert client_ip(request) == "10.0.0.2"
    settings.BEHIND_PROXY = True
    settings.PROXY_COUNT = 1
    # The left entry came from the client itself and can say anything.
    assert client_ip(request) == "203.0.113.7"
    settings.PROXY_COUNT = 2
    assert client_ip(request) == "1.1.1.1"
    settings.PROXY_COUNT = 3
    assert client_ip(request) == "10.0.0.2"
    forged = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")
    settings.PROXY_COUNT = 1
    assert client_ip(forged) == "10.0.0.2"
