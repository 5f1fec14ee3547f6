"""Registering a first contact from the group finder starts from what the resident gave (issue 13)."""

from django.urls import reverse


def test_the_registration_form_starts_from_the_sign_up(client_for, worker):
    body = client_for(worker).get(
        reverse("participants:create"), {"first_name": "Anna", "phone": "06 12345678"}
    ).content.decode()
    assert 'value="Anna"' in body and 'value="06 12345678"' in body
