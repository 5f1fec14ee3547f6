"""Change wishes, help requests, individual support and consent on the participant page."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from collectief.models import AuditEvent
from participants.models import ChangeWish, Consent, HelpRequest, IndividualSupport
from tests.factories import ChangeWishFactory, HelpRequestFactory, IndividualSupportFactory

TODAY = timezone.localdate


def _post(client, name, participant, data, *args):
    return client.post(reverse(f"participants:{name}", args=[participant.pk, *args]), data)


def _prefixed(prefix, data):
    return {f"{prefix}-{k}": v for k, v in data.items()}


WISH = {
    "text": "Ik wil weer onder de mensen komen.",
    "life_domain": "sociaal_netwerk",
    "status": "open",
    "start_date": "2024-03-01",
}
REQUEST = {
    "theme": "Eenzaamheid",
    "life_domain": "sociaal_netwerk",
    "date": "2024-03-01",
    "route": "collective",
    "tenzij_reason": "",
}
SUPPORT = {"product": "Schuldhulpverlening", "framework": "wgs", "start_date": "2024-01-01", "end_date": ""}


# --- Change wishes -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_worker_adds_a_change_wish_in_the_residents_words(client_for, worker, participant):
    response = _post(client_for(worker), "change_wish_add", participant, _prefixed("change_wish", WISH))
    assert response.status_code == 302
    assert response["Location"].endswith("#change-wishes")
    wish = participant.change_wishes.get()
    assert wish.text == WISH["text"] and wish.life_domain_id == "sociaal_netwerk"
    event = AuditEvent.objects.get(event="change_wish.created")
    assert event.object_id == str(participant.pk) and event.data["change_wish"] == wish.pk
    assert "mensen" not in json.dumps(event.data)


@pytest.mark.django_db
def test_achieving_a_change_wish_closes_it_today_and_reopening_clears_the_date(
    client_for, worker, participant
):
    wish = ChangeWishFactory(participant=participant, start_date=datetime.date(2024, 1, 1))
    client = client_for(worker)
    _post(client, "change_wish_status", participant, {"status": "achieved"}, wish.pk)
    wish.refresh_from_db()
    assert (wish.status, wish.end_date) == ("achieved", TODAY())
    _post(client, "change_wish_status", participant, {"status": "working"}, wish.pk)
    wish.refresh_from_db()
    assert (wish.status, wish.end_date) == ("working", None)
    assert AuditEvent.objects.filter(event="change_wish.updated").count() == 2


@pytest.mark.django_db
def test_an_unknown_status_is_refused_with_a_message(client_for, worker, participant):
    wish = ChangeWishFactory(participant=participant)
    response = _post(client_for(worker), "change_wish_status", participant, {"status": "perfect"}, wish.pk)
    assert response.status_code == 302
    wish.refresh_from_db()
    assert wish.status == "open"
    assert not AuditEvent.objects.filter(event="change_wish.updated").exists()
    page = client_for(worker).get(reverse("participants:detail", args=[participant.pk]))
    assert "Kies een van de statussen uit de lijst." in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"text": "", "life_domain": "", "start_date": ""}, "Dit veld is verplicht."),
        ({"text": "x" * 1001}, "niet meer dan 1000 tekens"),
        ({"start_date": "2999-01-01"}, "De datum kan niet in de toekomst liggen."),
        ({"start_date": "gisteren"}, "Voer een geldige datum in."),
        ({"life_domain": "geluk"}, "Selecteer een geldige keuze"),
        ({"status": "perfect"}, "Selecteer een geldige keuze"),
    ],
)
def test_bad_change_wish_gives_a_message_on_the_page_and_saves_nothing(
    client_for, worker, participant, overrides, message
):
    response = _post(
        client_for(worker), "change_wish_add", participant, _prefixed("change_wish", {**WISH, **overrides})
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Verbeter de fouten hieronder." in html
    assert not ChangeWish.objects.exists()
    assert not AuditEvent.objects.filter(event="change_wish.created").exists()


@pytest.mark.django_db
def test_change_wish_is_edited_on_its_own_page(client_for, worker, participant):
    wish = ChangeWishFactory(participant=participant)
    data = {**WISH, "text": "Ik wil mijn post weer openen."}
    response = _post(client_for(worker), "change_wish_edit", participant, data, wish.pk)
    assert response.status_code == 302
    wish.refresh_from_db()
    assert wish.text == "Ik wil mijn post weer openen."
    assert "text" in AuditEvent.objects.get(event="change_wish.updated").data["fields"]


@pytest.mark.django_db
def test_deleting_a_change_wish_asks_first_and_is_audited(client_for, worker, participant):
    wish = ChangeWishFactory(participant=participant)
    client = client_for(worker)
    url = reverse("participants:change_wish_delete", args=[participant.pk, wish.pk])
    confirm = client.get(url)
    assert "Ja, verwijderen" in confirm.content.decode()
    assert ChangeWish.objects.filter(pk=wish.pk).exists()
    assert client.post(url).status_code == 302
    assert not ChangeWish.objects.filter(pk=wish.pk).exists()
    event = AuditEvent.objects.get(event="change_wish.deleted")
    assert event.action == "delete" and event.data == {"change_wish": wish.pk}


# --- Help requests ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_individual_route_without_a_tenzij_reason_is_refused(client_for, worker, participant):
    data = _prefixed("help_request", {**REQUEST, "route": "individual"})
    response = _post(client_for(worker), "help_request_add", participant, data)
    assert response.status_code == 200
    assert "Route individueel: geef aan waarom een collectief (nog) niet past." in response.content.decode()
    assert not HelpRequest.objects.exists()
    assert not AuditEvent.objects.filter(event="help_request.created").exists()


@pytest.mark.django_db
def test_individual_route_with_a_reason_is_saved(client_for, worker, participant):
    data = _prefixed("help_request", {**REQUEST, "route": "individual", "tenzij_reason": "not_yet"})
    assert _post(client_for(worker), "help_request_add", participant, data).status_code == 302
    assert participant.help_requests.get().tenzij_reason == "not_yet"
    assert AuditEvent.objects.filter(event="help_request.created").exists()


@pytest.mark.django_db
def test_collective_route_blanks_a_tenzij_reason(client_for, worker, participant):
    data = _prefixed("help_request", {**REQUEST, "route": "collective", "tenzij_reason": "crisis"})
    _post(client_for(worker), "help_request_add", participant, data)
    assert participant.help_requests.get().tenzij_reason == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"theme": "", "date": ""}, "Dit veld is verplicht."),
        ({"theme": "t" * 201}, "niet meer dan 200 tekens"),
        ({"date": "2999-01-01"}, "De datum kan niet in de toekomst liggen."),
        ({"route": "teleport"}, "Selecteer een geldige keuze"),
        ({"route": "individual", "tenzij_reason": "bored"}, "Selecteer een geldige keuze"),
    ],
)
def test_bad_help_request_gives_a_message_and_saves_nothing(
    client_for, worker, participant, overrides, message
):
    data = _prefixed("help_request", {**REQUEST, **overrides})
    response = _post(client_for(worker), "help_request_add", participant, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not HelpRequest.objects.exists()


@pytest.mark.django_db
def test_help_request_edit_and_delete_are_audited(client_for, worker, participant):
    request = HelpRequestFactory(participant=participant)
    client = client_for(worker)
    data = {**REQUEST, "route": "combined"}
    assert _post(client, "help_request_edit", participant, data, request.pk).status_code == 302
    request.refresh_from_db()
    assert request.route == "combined" and request.status == HelpRequest.Status.OPEN
    assert _post(client, "help_request_delete", participant, {}, request.pk).status_code == 302
    assert not HelpRequest.objects.exists()
    events = set(AuditEvent.objects.values_list("event", flat=True))
    assert {"help_request.updated", "help_request.deleted"} <= events


# --- Individual support --------------------------------------------------------------------------


@pytest.mark.django_db
def test_support_period_is_added_and_ended_later(client_for, worker, participant):
    client = client_for(worker)
    assert (
        _post(
            client, "individual_support_add", participant, _prefixed("individual_support", SUPPORT)
        ).status_code
        == 302
    )
    support = participant.individual_supports.get()
    assert support.end_date is None
    data = {**SUPPORT, "end_date": "2024-06-30"}
    assert _post(client, "individual_support_edit", participant, data, support.pk).status_code == 302
    support.refresh_from_db()
    assert support.end_date == datetime.date(2024, 6, 30)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"product": "", "framework": "", "start_date": ""}, "Dit veld is verplicht."),
        ({"product": "p" * 101}, "niet meer dan 100 tekens"),
        ({"end_date": "2023-12-31"}, "De einddatum kan niet vóór de begindatum liggen."),
        ({"framework": "participatiewet"}, "Selecteer een geldige keuze"),
        ({"start_date": "2024-13-45"}, "Voer een geldige datum in."),
    ],
)
def test_bad_support_period_gives_a_message_and_saves_nothing(
    client_for, worker, participant, overrides, message
):
    response = _post(
        client_for(worker),
        "individual_support_add",
        participant,
        _prefixed("individual_support", {**SUPPORT, **overrides}),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not IndividualSupport.objects.exists()


@pytest.mark.django_db
def test_the_same_support_period_twice_gives_a_message_not_an_error(client_for, worker, participant):
    IndividualSupportFactory(
        participant=participant,
        product="Schuldhulpverlening",
        framework_id="wgs",
        start_date=datetime.date(2024, 1, 1),
    )
    response = _post(
        client_for(worker), "individual_support_add", participant, _prefixed("individual_support", SUPPORT)
    )
    assert response.status_code == 200
    assert "Deze periode van ondersteuning is al vastgelegd." in response.content.decode()
    assert IndividualSupport.objects.count() == 1


@pytest.mark.django_db
def test_deleting_a_support_period_is_audited(client_for, worker, participant):
    support = IndividualSupportFactory(participant=participant)
    assert (
        _post(client_for(worker), "individual_support_delete", participant, {}, support.pk).status_code == 302
    )
    assert not IndividualSupport.objects.exists()
    assert AuditEvent.objects.get(event="individual_support.deleted").data == {
        "individual_support": support.pk
    }


# --- Consent -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_withdrawing_consent_keeps_the_history_and_records_who(client_for, worker, colleague, participant):
    participant.record_consent("share_partner", True, colleague, datetime.date(2024, 1, 2))
    data = _prefixed("consent", {"purpose": "share_partner", "given": "0", "date": "2024-05-01"})
    assert _post(client_for(worker), "consent_add", participant, data).status_code == 302
    history = list(participant.consents.order_by("date").values_list("given", "recorded_by__username"))
    assert history == [(True, "jelle"), (False, "sanne")]
    current = {code: d for code, _label, d in participant.current_consents()}
    assert current["share_partner"].given is False
    assert AuditEvent.objects.get(event="consent.created").data["purpose"] == "share_partner"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"purpose": "", "given": "", "date": ""}, "Dit veld is verplicht."),
        ({"purpose": "sell_data", "given": "1", "date": "2024-01-01"}, "Selecteer een geldige keuze"),
        (
            {"purpose": "registration", "given": "1", "date": "2999-01-01"},
            "De datum kan niet in de toekomst liggen.",
        ),
    ],
)
def test_bad_consent_gives_a_message_and_saves_nothing(client_for, worker, participant, data, message):
    response = _post(client_for(worker), "consent_add", participant, _prefixed("consent", data))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Consent.objects.exists()
    assert not AuditEvent.objects.filter(event="consent.created").exists()


# --- Rows of residents the user may not see ----------------------------------------------------


@pytest.mark.django_db
def test_outsider_cannot_add_to_or_delete_from_another_teams_resident(client_for, outsider, participant):
    wish = ChangeWishFactory(participant=participant)
    client = client_for(outsider)
    assert _post(client, "change_wish_add", participant, _prefixed("change_wish", WISH)).status_code == 404
    assert _post(client, "change_wish_delete", participant, {}, wish.pk).status_code == 404
    assert _post(client, "change_wish_status", participant, {"status": "dropped"}, wish.pk).status_code == 404
    assert list(participant.change_wishes.values_list("status", flat=True)) == ["open"]
    assert not AuditEvent.objects.filter(event__startswith="change_wish.").exists()


@pytest.mark.django_db
def test_bad_edit_of_a_support_period_keeps_what_was_saved(client_for, worker, participant):
    support = IndividualSupportFactory(participant=participant, start_date=datetime.date(2024, 1, 1))
    data = {**SUPPORT, "start_date": "2024-01-01", "end_date": "2023-01-01"}
    response = _post(client_for(worker), "individual_support_edit", participant, data, support.pk)
    assert response.status_code == 200
    assert "De einddatum kan niet vóór de begindatum liggen." in response.content.decode()
    support.refresh_from_db()
    assert support.end_date is None and support.product == "Thuisondersteuning"
    assert not AuditEvent.objects.filter(event="individual_support.updated").exists()


@pytest.mark.django_db
def test_absurd_ids_in_the_url_give_404_not_an_error(client_for, worker, participant):
    client = client_for(worker)
    assert client.get("/deelnemers/99999999999999999999/").status_code == 404
    assert client.get(f"/deelnemers/{participant.pk}/veranderwens/99999999999999999999/").status_code == 404
