"""Import integrity in the browser (issue 9): new places and team moves need a ticked checkbox."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from collectief.models import Municipality, Team
from imports.models import ImportRun
from participants.models import Participant
from tests.factories import ParticipantFactory

from .test_command import HEADERS
from .test_views import CONFIRM, NEW_PLACES, PREVIEW, UPLOAD, counts, csv_files

pytestmark = pytest.mark.django_db(transaction=True)

TEAM_MOVES = {"allow_team_moves": "on"}


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def participants_file(*rows):
    text = "\n".join([HEADERS["participants.csv"], *rows]) + "\n"
    return SimpleUploadedFile("participants.csv", text.encode(), "text/csv")


def preview_of(client, files, **options):
    client.post(UPLOAD, {"files": files, **options})
    response = client.get(PREVIEW)
    assert response.status_code == 200
    return response


def test_the_upload_form_offers_both_checkboxes_unticked(client_for, administrator):
    html = client_for(administrator).get(UPLOAD).content.decode()

    assert 'type="checkbox" name="allow_new_places"' in html
    assert 'type="checkbox" name="allow_team_moves"' in html
    assert "Nieuwe gemeenten en teams aanmaken toestaan" in html
    assert "Deelnemers naar een ander team verplaatsen toestaan" in html
    assert "checked" not in html


def test_unknown_municipalities_and_teams_are_refused_unless_the_box_is_ticked(client_for, administrator):
    client = client_for(administrator)

    response = preview_of(client, csv_files())

    html = response.content.decode()
    assert counts(html, "participants.csv")["errors"] == 3  # Leeuwarden, Leeuwarden, Heerenveen: all unknown
    assert "Onbekende gemeente &#x27;Leeuwarden&#x27;." in html
    assert "Vink “Nieuwe gemeenten en teams aanmaken toestaan” aan bij het uploaden" in html
    assert "Niet toegestaan bij deze upload: nieuwe gemeenten en teams aanmaken." in html
    assert "Nu importeren" not in html
    # Even a forged confirm of this upload refuses them: it runs with the options of the upload.
    client.post(CONFIRM, {"token": response.context["token"]})
    assert not Municipality.objects.exists() and not Participant.objects.exists()


def test_a_ticked_box_creates_them_and_the_confirm_keeps_the_choice(client_for, administrator):
    client = client_for(administrator)

    response = preview_of(client, csv_files(), **NEW_PLACES)

    html = response.content.decode()
    assert counts(html, "participants.csv") == {"created": 3, "updated": 0, "unchanged": 0, "errors": 0}
    assert "Toegestaan bij deze upload: nieuwe gemeenten en teams aanmaken." in html
    assert ImportRun.objects.get().options == {
        "allow_new_places": True, "allow_team_moves": False, "from_browser": True,
    }
    client.post(CONFIRM, {"token": response.context["token"]})
    assert set(Municipality.objects.values_list("name", flat=True)) == {"Leeuwarden", "Heerenveen"}


def test_known_places_need_no_checkbox(client_for, administrator, team_a, neighbourhood):
    client = client_for(administrator)

    row = "P1,Fatima,El Amrani,1980-05-12,,bilgaard,Leeuwarden,Wijkteam Noord"

    response = preview_of(client, [participants_file(row)])

    assert counts(response.content.decode(), "participants.csv") == {
        "created": 1, "updated": 0, "unchanged": 0, "errors": 0,
    }


def test_a_new_team_in_a_known_municipality_needs_the_box_too(client_for, administrator, team_a):
    client = client_for(administrator)

    html = preview_of(client, [participants_file("P1,Fatima,El Amrani,1980-05-12,,,Leeuwarden,Wijkteam Zuid")])

    assert "Onbekend team &#x27;Wijkteam Zuid&#x27; in Leeuwarden." in html.content.decode()
    html = preview_of(
        client, [participants_file("P1,Fatima,El Amrani,1980-05-12,,,Leeuwarden,Wijkteam Nord")]
    ).content.decode()
    assert "Onbekend team &#x27;Wijkteam Nord&#x27;; bedoel je &#x27;Wijkteam Noord&#x27;?" in html
    assert Team.objects.count() == 1


def test_a_team_move_needs_its_own_box(client_for, administrator, team_a, team_b):
    ParticipantFactory(external_id="P1", team=team_a, birth_date=datetime.date(1980, 5, 12))
    client = client_for(administrator)
    move = "P1,Fatima,El Amrani,1980-05-12,,,Heerenveen,Wijkteam Centrum"

    html = preview_of(client, [participants_file(move)], **NEW_PLACES).content.decode()

    assert counts(html, "participants.csv")["errors"] == 1
    assert "Vink “Deelnemers naar een ander team verplaatsen toestaan” aan bij het uploaden" in html
    assert "Niet toegestaan bij deze upload: deelnemers naar een ander team verplaatsen." in html

    response = preview_of(client, [participants_file(move)], **TEAM_MOVES)
    html = response.content.decode()
    assert counts(html, "participants.csv") == {"created": 0, "updated": 1, "unchanged": 0, "errors": 0}
    assert "Toegestaan bij deze upload: deelnemers naar een ander team verplaatsen." in html
    client.post(CONFIRM, {"token": response.context["token"]})
    assert Participant.objects.get().team == team_b


def test_the_preview_says_to_create_and_the_result_says_created(client_for, administrator):
    client = client_for(administrator)

    response = preview_of(client, csv_files(), **NEW_PLACES)
    html = response.content.decode()
    assert "Aan te maken" in html and "aangemaakt" not in html

    done = client.post(CONFIRM, {"token": response.context["token"]}, follow=True).content.decode()
    assert "participants.csv: 3 aangemaakt, 0 bijgewerkt, 0 ongewijzigd" in done
