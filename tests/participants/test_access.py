"""The permission ladder on every participant page: who gets in, who gets a 404 or 403."""

import pytest
from django.urls import reverse

from tests.factories import ChangeWishFactory, HelpRequestFactory, IndividualSupportFactory

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
def test_own_team_coordinator_and_administrator_open_every_participant_page(as_persona, persona, participant):
    client = as_persona(persona)
    for url in [reverse("participants:list"), reverse("participants:create"), *_item_urls(participant)]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "El Amrani" in response.content.decode() or url.endswith("/nieuw/"), url


@pytest.mark.django_db
def test_outsider_gets_404_on_every_page_of_another_teams_resident(as_persona, participant):
    client = as_persona("outsider")
    for url in _item_urls(participant):
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_outsider_does_not_find_another_teams_resident_in_the_list(
    as_persona, participant, other_team_participant
):
    response = as_persona("outsider").get(reverse("participants:list"), {"q": "Fatima"})
    assert response.status_code == 200
    assert "El Amrani" not in response.content.decode()
    response = as_persona("outsider").get(reverse("participants:list"))
    assert "Zijlstra" in response.content.decode()


@pytest.mark.django_db
def test_municipality_user_never_sees_a_participant(as_persona, participant):
    client = as_persona("municipality_user")
    for url in [reverse("participants:list"), reverse("participants:create"), *_item_urls(participant)]:
        response = client.get(url)
        assert response.status_code in (403, 404), url
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
def test_post_only_actions_follow_the_same_ladder(as_persona, participant, persona, expected):
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
    client = as_persona(persona)
    for url, data in posts:
        assert client.post(url, data).status_code == expected, url


@pytest.mark.django_db
def test_anonymous_post_changes_nothing(client, participant):
    response = client.post(
        reverse("participants:consent_add", args=[participant.pk]),
        {"consent-purpose": "quote_report", "consent-given": "1", "consent-date": "2024-03-01"},
    )
    assert response.status_code == 302
    assert participant.consents.count() == 0


@pytest.mark.django_db
def test_add_forms_answer_405_to_a_plain_get(as_persona, participant):
    response = as_persona("worker").get(reverse("participants:change_wish_add", args=[participant.pk]))
    assert response.status_code == 405


@pytest.mark.django_db
def test_a_row_of_another_resident_cannot_be_reached_through_an_own_resident(as_persona, participant, team_a):
    from tests.factories import ParticipantFactory

    someone_else = ParticipantFactory(team=team_a)
    wish = ChangeWishFactory(participant=someone_else)
    client = as_persona("worker")
    url = reverse("participants:change_wish_delete", args=[participant.pk, wish.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert someone_else.change_wishes.count() == 1
