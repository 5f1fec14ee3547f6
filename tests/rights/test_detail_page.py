"""The rights of residents on the resident's page: who sees which button, and the page stays fast."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants import services

from .conftest import fill_history


def _page(client, participant):
    return client.get(reverse("participants:detail", args=[participant.pk]))


@pytest.mark.django_db
def test_social_workers_see_no_rights_buttons(client_for, worker, resident):
    response = _page(client_for(worker), resident)
    assert response.context["rights"] is None
    html = response.content.decode()
    assert reverse("participants:export", args=[resident.pk]) not in html
    assert reverse("participants:erasure_request", args=[resident.pk]) not in html


@pytest.mark.django_db
def test_a_coordinator_sees_export_and_request(client_for, coordinator, resident):
    html = _page(client_for(coordinator), resident).content.decode()
    assert reverse("participants:export", args=[resident.pk]) in html
    assert 'value="pdf"' in html and 'value="json"' in html
    assert reverse("participants:erasure_request", args=[resident.pk]) in html
    assert reverse("participants:erasure_confirm", args=[resident.pk]) not in html


@pytest.mark.django_db
def test_the_requester_sees_no_confirm_button_and_another_coordinator_does(
    client_for, coordinator, second_coordinator, resident
):
    from django.test import Client

    services.request_erasure(coordinator, resident, reason="verzoek")
    confirm = reverse("participants:erasure_confirm", args=[resident.pk])
    mine = _page(client_for(coordinator), resident)
    assert not mine.context["rights"]["may_confirm"] and confirm not in mine.content.decode()
    theirs = _page(client_for(second_coordinator, client=Client()), resident)
    assert theirs.context["rights"]["may_confirm"] and confirm in theirs.content.decode()


@pytest.mark.django_db
def test_coordinator_page_query_count_does_not_grow_with_history(client_for, coordinator, worker, resident, team_a):
    client = client_for(coordinator)
    services.request_erasure(worker, resident, reason="verzoek")
    with CaptureQueriesContext(connection) as few:
        assert _page(client, resident).status_code == 200
    fill_history(resident, team_a, worker, scale=5, offset=1)
    with CaptureQueriesContext(connection) as many:
        response = _page(client, resident)
    assert response.context["rights"]["may_confirm"]
    assert len(many) == len(few) <= 26
