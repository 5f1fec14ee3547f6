"""Password-reset mails are limited per address and per client, and the page says the same either way."""

import pytest
from django.core import mail

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RESET = "/wachtwoord/vergeten/"
DONE = "/wachtwoord/verstuurd/"


def _ask(client, email, **headers):
    response = client.post(RESET, {"email": email}, **headers)
    assert response.status_code == 302 and response["Location"] == DONE
    return response


def test_at_most_three_mails_an_hour_for_one_address(client, worker):
    for _ in range(5):
        _ask(client, worker.email)
    assert len(mail.outbox) == 3


def test_the_limit_counts_the_address_however_it_is_written(client, worker, settings):
    settings.BEHIND_PROXY = True
    for i, spelling in enumerate([worker.email, worker.email.upper(), f" {worker.email} ", worker.email]):
        _ask(client, spelling, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    assert len(mail.outbox) == 3


def test_at_most_three_mails_an_hour_from_one_client(client, worker):
    for i in range(3):
        _ask(client, f"onbekend{i}@example.org")
    _ask(client, worker.email)
    assert mail.outbox == []


def test_an_unknown_address_gets_the_same_answer(client, worker):
    known = client.post(RESET, {"email": worker.email})
    unknown = client.post(RESET, {"email": "niemand@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1


def test_reset_mails_still_go_out_when_the_cache_is_down(client, settings):
    user = UserFactory(email="anna@example.org")
    # Nothing listens on port 1: every cache call fails with a connection error.
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
    }}
    _ask(client, user.email)
    assert [m.to for m in mail.outbox] == [["anna@example.org"]]
