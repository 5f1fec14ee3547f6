"""Repeated wrong passwords lock that user name out for a while (django-axes)."""

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def _login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


@pytest.mark.django_db
def test_a_wrong_password_gives_a_dutch_message(client, worker, axes_on):
    response = _login(client, worker.username, "fout")
    assert response.status_code == 200
    assert "Voer een juiste gebruikersnaam en wachtwoord in" in response.content.decode()


@pytest.mark.django_db
def test_too_many_wrong_passwords_lock_the_user_name_out(client, worker, axes_on):
    for _ in range(3):
        _login(client, worker.username, "fout")
    response = _login(client, worker.username, PASSWORD)  # even the right password now
    assert response.status_code == 429
    assert "Te veel pogingen" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_colleague_is_not_locked_out_by_someone_elses_failures(client, worker, colleague, axes_on):
    for _ in range(3):
        _login(client, worker.username, "fout")
    response = _login(client, colleague.username, PASSWORD)
    assert response.status_code == 302
