"""Error pages speak the user's language, sit in the site layout, say why and offer a way back."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error


def _in_layout_with_a_way_back(body: str):
    assert 'id="main"' in body  # the site layout
    assert 'href="/"' in body and "Naar de startpagina" in body


def test_a_page_that_does_not_exist_says_so_in_dutch(client_for, worker):
    response = client_for(worker).get("/bestaat-niet/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Niet gevonden" in body and "Controleer het adres" in body
    _in_layout_with_a_way_back(body)


def test_a_page_of_another_role_says_why(client_for, municipality_user):
    response = client_for(municipality_user).get(reverse("groups:list"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "Geen toegang" in body and "je rol" in body
    _in_layout_with_a_way_back(body)


def test_the_error_page_follows_the_chosen_language(client_for, worker):
    client = client_for(worker)
    client.post(reverse("set_language"), {"language": "en"})
    body = client.get("/bestaat-niet/").content.decode()
    assert "Not found" in body and "Niet gevonden" not in body


@pytest.mark.django_db
def test_an_expired_form_explains_what_to_do():
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Het formulier is verlopen" in body and "laad de pagina opnieuw" in body


def test_a_server_error_gets_a_dutch_page_in_the_layout():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "Er ging iets mis" in body
    _in_layout_with_a_way_back(body)
