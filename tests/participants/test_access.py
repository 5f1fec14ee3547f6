"""The permission ladder on every participant page: who gets in, who gets a 404 or 403."""

import pytest
from django.urls import reverse

from tests.factories import ChangeWishFactory, HelpRequestFactory, IndividualSupportFactory, UserFactory

ALLOWED = ["worker", "colleague", "coordinator", "administrator"]


def _item_urls(participant):
    wish = ChangeWishFactory(participant=participant)
    request = HelpRequestFactory(participant=participant)
    support = IndividualSupportFactory(participant=participant)
    pk = participant.pk
    return [
        reverse("participants:detail", args=[pk]),
        reverse("participants:edit", args=[pk]),
        reverse("participants:change_wish_edit", args=[pk, wish.pk]),
        reverse("participants:change_wish_delete", args=[pk, wish.pk]),
        reverse("participants:help_request_edit", args=[pk, request.pk]),
        reverse("participants:help_request_delete", args=[pk, request.pk]),
        reverse("participants:individual_support_edit", args=[pk, support.pk]),
        reverse("participants:individual_support_delete", args=[pk, support.pk]),
    ]


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_login_from_every_participant_page(client, participant):
    for url in [reverse("participants:list"), reverse("participants:create"), *_item_urls(participant)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ALLOWED)
def test_own_team_coordinator_and_administrator_open_every_participant_page(client_for, persona, participant):
    client = client_for(persona)
    for url in [reverse("participants:list"), reverse("participants:create"), *_item_urls(participant)]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "El Amrani" in response.content.decode() or url.endswith("/nieuw/"), url


@pytest.mark.django_db
def test_outsider_gets_404_on_every_page_of_another_teams_resident(client_for, participant):
    client = client_for("outsider")
    for url in _item_urls(participant):
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_outsider_does_not_find_another_teams_resident_in_the_list(
    client_for, participant, other_team_participant
):
    response = client_for("outsider").get(reverse("participants:list"), {"q": "Fatima"})
    assert response.status_code == 200
    assert "El Amrani" not in response.content.decode()
    response = client_for("outsider").get(reverse("participants:list"))
    assert "Zijlstra" in response.content.decode()


@pytest.mark.django_db
def test_municipality_user_never_sees_a_participant(client_for, participant):
    client = client_for("municipality_user")
    for url in [reverse("participants:list"), reverse("participants:create"), *_item_urls(participant)]:
        response = client.get(url)
        # Not their role: 403, decided before any resident is looked up.
        assert response.status_code == 403, url
        assert "El Amrani" not in response.content.decode(), url


@pytest.mark.django_db
def test_a_user_with_no_role_gets_403_with_the_page_that_says_how_to_get_one(client_for, participant):
    client = client_for(UserFactory(username="nobody"))
    for url in [reverse("participants:list"), reverse("participants:create"), *_item_urls(participant)]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "beheerder" in response.content.decode(), url
        assert "El Amrani" not in response.content.decode(), url


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("outsider", 404),
        ("municipality_user", 403),
        ("worker", 302),
        ("coordinator", 302),
        ("administrator", 302),
    ],
)
def test_post_only_actions_follow_the_same_ladder(client_for, participant, persona, expected):
    wish = ChangeWishFactory(participant=participant)
    pk = participant.pk
    posts = [
        (reverse("participants:change_wish_status", args=[pk, wish.pk]), {"status": "working"}),
        (
            reverse("participants:consent_add", args=[pk]),
            {"consent-purpose": "quote_report", "consent-given": "1", "consent-date": "2024-03-01"},
        ),
        (
            reverse("participants:change_wish_add", args=[pk]),
            {
                "change_wish-text": "Meer mensen leren kennen",
                "change_wish-life_domain": "sociaal_netwerk",
                "change_wish-status": "open",
                "change_wish-start_date": "2024-03-01",
            },
        ),
    ]
    client = client_for(persona)
    for url, data in posts:
        assert client.post(url, data).status_code == expected, url
    if expected != 302:
        # Refused: nothing was saved.
        wish.refresh_from_db()
        assert wish.status == "open"
        assert participant.consents.count() == 0
        assert participant.change_wishes.count() == 1


@pytest.mark.django_db
def test_anonymous_post_changes_nothing(client, participant):
    response = client.post(
        reverse("participants:consent_add", args=[participant.pk]),
        {"consent-purpose": "quote_report", "consent-given": "1", "consent-date": "2024-03-01"},
    )
    assert response.status_code == 302
    assert participant.consents.count() == 0


@pytest.mark.django_db
def test_add_forms_answer_405_to_a_plain_get(client_for, participant):
    response = client_for("worker").get(reverse("participants:change_wish_add", args=[participant.pk]))
    assert response.status_code == 405


@pytest.mark.django_db
def test_a_row_of_another_resident_cannot_be_reached_through_an_own_resident(client_for, participant, team_a):
    from tests.factories import ParticipantFactory

    someone_else = ParticipantFactory(team=team_a)
    wish = ChangeWishFactory(participant=someone_else)
    client = client_for("worker")
    url = reverse("participants:change_wish_delete", args=[participant.pk, wish.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert someone_else.change_wishes.count() == 1
