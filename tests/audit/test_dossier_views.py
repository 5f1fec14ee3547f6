"""On a resident's page, coordinators and administrators see who viewed the record ("wie heeft dit dossier bekeken")."""

import pytest
from django.urls import reverse

from collectief.audit import DOSSIER_VIEWS_SHOWN, dossier_views
from collectief.models import log_event

pytestmark = pytest.mark.django_db


def _detail(participant):
    return reverse("participants:detail", args=[participant.pk])


@pytest.fixture
def client_for(client_for, settings):
    """The page in English, so that the labels read as in the code."""

    def login(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return login


def test_the_coordinator_sees_who_viewed_the_record_with_role_and_page(client_for, worker, coordinator, group,
                                                                         participant):
    worker.first_name, worker.last_name = "Sanne", "de Boer"
    worker.save()
    client_for(worker).get(_detail(participant))
    log_event(worker, "group.viewed", group, {"participant_ids": [participant.pk]})
    response = client_for(coordinator).get(_detail(participant))
    assert response.status_code == 200
    views = response.context["dossier_views"]
    # Newest first: the coordinator's own view, the group page, the worker's view of the record.
    assert [(v.user, v.page) for v in views] == [
        (coordinator.get_full_name(), "Resident's page"), ("Sanne de Boer", "Group page"),
        ("Sanne de Boer", "Resident's page"),
    ]
    assert views[2].roles == "Social worker" and views[0].roles == "Coordinator"
    assert 'id="dossier-views"' in response.content.decode()


def test_a_social_worker_does_not_see_who_viewed_the_record(client_for, worker, participant):
    response = client_for(worker).get(_detail(participant))
    assert response.context["dossier_views"] is None
    assert 'id="dossier-views"' not in response.content.decode()


def test_the_administrator_sees_it_too(client_for, administrator, participant):
    response = client_for(administrator).get(_detail(participant))
    assert [v.roles for v in response.context["dossier_views"]] == ["Administrator"]


def test_views_of_other_residents_and_changes_are_not_listed(worker, participant, team_a):
    from tests.factories import ParticipantFactory

    other = ParticipantFactory(team=team_a)
    log_event(worker, "participant.viewed", other, {"page": "detail"})
    log_event(worker, "participant.updated", participant, {"fields": ["phone"]})
    assert dossier_views(participant.pk) == []


def test_only_the_last_twenty_are_shown_in_two_queries(worker, participant, django_assert_num_queries):
    for _ in range(DOSSIER_VIEWS_SHOWN + 5):
        log_event(worker, "participant.viewed", participant, {"page": "detail"})
    with django_assert_num_queries(2):
        views = dossier_views(participant.pk)
    assert len(views) == DOSSIER_VIEWS_SHOWN


def test_the_detail_page_stays_within_its_query_budget_for_a_coordinator(
    client_for, coordinator, participant, django_assert_max_num_queries
):
    client = client_for(coordinator)
    client.get(_detail(participant))
    with django_assert_max_num_queries(22):
        assert client.get(_detail(participant)).status_code == 200
