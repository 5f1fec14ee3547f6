"""The permission ladder on every groups view."""

import pytest
from django.urls import reverse

from tests.factories import SessionFactory, UserFactory


def _urls(group, enrolment, session):
    return {
        "list": reverse("groups:list"),
        "create": reverse("groups:create"),
        "detail": reverse("groups:detail", args=[group.pk]),
        "edit": reverse("groups:edit", args=[group.pk]),
        "enrol": reverse("groups:enrol", args=[group.pk]),
        "participant_search": reverse("groups:participant_search", args=[group.pk]) + "?q=An",
        "enrolment_end": reverse("groups:enrolment_end", args=[group.pk, enrolment.pk]),
        "session_create": reverse("groups:session_create", args=[group.pk]),
        "session_edit": reverse("groups:session_edit", args=[group.pk, session.pk]),
    }


VIEWS = [
    "list", "create", "detail", "edit", "enrol", "participant_search", "enrolment_end", "session_create",
    "session_edit",
]
# Views without a group in the URL: an outsider may use them (and sees only their own team's groups).
NO_GROUP = {"list", "create"}


@pytest.fixture
def urls(group, members):
    session = SessionFactory(group=group)
    return _urls(group, group.enrolments.first(), session)


@pytest.mark.parametrize("view", VIEWS)
def test_anonymous_users_are_sent_to_login(client, urls, view):
    response = client.get(urls[view])
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("view", sorted(set(VIEWS) - NO_GROUP))
def test_a_worker_of_another_team_gets_not_found(client_for, outsider, urls, view):
    assert client_for(outsider).get(urls[view]).status_code == 404


@pytest.mark.parametrize("view", VIEWS)
def test_a_municipality_user_sees_no_group(client_for, municipality_user, urls, view):
    # Not their role: 403 on every page, checked before the group is looked up.
    response = client_for(municipality_user).get(urls[view])
    assert response.status_code == 403
    assert "Wandelgroep Bilgaard" not in response.content.decode()


def test_a_user_with_no_role_gets_403_with_the_page_that_says_how_to_get_one(client_for, urls):
    client = client_for(UserFactory(username="nobody"))
    for view in VIEWS:
        response = client.get(urls[view])
        assert response.status_code == 403, view
        assert "beheerder" in response.content.decode(), view
        assert "Wandelgroep Bilgaard" not in response.content.decode(), view


@pytest.mark.parametrize("persona", ["worker", "colleague", "coordinator", "administrator"])
@pytest.mark.parametrize("view", VIEWS)
def test_own_team_coordinator_and_administrator_may_open(request, client_for, urls, view, persona):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(urls[view]).status_code == 200


def test_the_outsider_does_not_find_our_group_in_the_list(client_for, outsider, group):
    body = client_for(outsider).get(reverse("groups:list")).content.decode()
    assert group.name not in body


def test_session_delete_refuses_an_outsider_and_keeps_the_session(client_for, outsider, group):
    session = SessionFactory(group=group)
    response = client_for(outsider).post(reverse("groups:session_delete", args=[group.pk, session.pk]))
    assert response.status_code == 404
    assert group.sessions.count() == 1


def test_start_page_sends_a_municipality_user_to_the_reports(client_for, municipality_user):
    response = client_for(municipality_user).get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:reports")


def test_start_page_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
