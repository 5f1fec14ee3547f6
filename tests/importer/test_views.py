"""The import in the browser: upload -> preview (a dry run) -> confirm, for administrators only."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from collectief.models import AuditEvent
from groups.models import Attendance, Enrolment, Group, Session
from imports.views import SESSION_KEY
from participants.models import IndividualSupport, Participant
from tests.factories import GroupFactory, ParticipantFactory

DATA = Path(__file__).parent / "data"
UPLOAD = reverse("importer:upload")
PREVIEW = reverse("importer:preview")
CONFIRM = reverse("importer:confirm")
CANCEL = reverse("importer:cancel")
# The test files name municipalities and teams the database does not know yet: in the browser they are
# created only when the administrator ticks this box (issue 9).
NEW_PLACES = {"allow_new_places": "on"}

# The preview and the import are queued with transaction.on_commit (and run eagerly in the tests):
# the requests must really commit for that to happen.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def csv_files(directory=DATA / "valid"):
    paths = sorted(directory.glob("*.csv"))
    return [SimpleUploadedFile(path.name, path.read_bytes(), "text/csv") for path in paths]


def counts(html, name):
    """The preview's counts for one file: {created, updated, unchanged, errors}."""
    row = re.search(rf'<tr data-file="{re.escape(name)}">(.*?)</tr>', html, re.S).group(1)
    return {key: int(value) for key, value in re.findall(r'data-count="(\w+)">(\d+)<', row)}


def upload_dirs(media_root):
    root = media_root / "imports"
    return list(root.iterdir()) if root.exists() else []


# --- Permission ladder ---------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client):
    for url in (UPLOAD, PREVIEW):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    response = client.post(CONFIRM)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["worker", "coordinator", "municipality_user"])
def test_only_administrators_may_import(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))

    assert client.get(UPLOAD).status_code == 403
    assert client.post(UPLOAD, {"files": csv_files()}).status_code == 403
    assert client.get(PREVIEW).status_code == 403
    assert client.post(CONFIRM, {"token": "x" * 32}).status_code == 403
    assert client.post(CANCEL).status_code == 403
    assert not Participant.objects.exists()


def test_an_administrator_sees_the_upload_page(client_for, administrator):
    response = client_for(administrator).get(UPLOAD)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="file"' in html and "multiple" in html
    assert "Importeren uit CSV-bestanden" in html  # Dutch by default
    assert "participants.csv" in html and "individual_support.csv" in html


# --- The flow --------------------------------------------------------------------------------------


def test_upload_preview_and_confirm_import_the_files(client_for, administrator, private_media):
    client = client_for(administrator)

    response = client.post(UPLOAD, {"files": csv_files(), **NEW_PLACES})
    assert response.status_code == 302 and response["Location"] == PREVIEW
    assert len(upload_dirs(private_media)) == 1

    response = client.get(PREVIEW)
    assert response.status_code == 200
    html = response.content.decode()
    assert counts(html, "participants.csv") == {"created": 3, "updated": 0, "unchanged": 0, "errors": 0}
    assert counts(html, "groups.csv")["created"] == 2
    assert counts(html, "enrolments.csv")["created"] == 3
    assert counts(html, "sessions.csv")["created"] == 3
    assert counts(html, "attendance.csv")["created"] == 3
    assert counts(html, "individual_support.csv")["created"] == 2
    assert "Nieuwe gemeente: Leeuwarden" in html
    assert "Nu importeren" in html
    assert not Participant.objects.exists()  # the preview is a dry run
    assert not AuditEvent.objects.exists()
    token = response.context["token"]

    response = client.post(CONFIRM, {"token": token}, follow=True)

    assert response.redirect_chain[-1][0] == UPLOAD
    assert "Import voltooid." in response.content.decode()
    assert Participant.objects.count() == 3 and Group.objects.count() == 2
    assert Enrolment.objects.count() == 3 and Session.objects.count() == 3
    assert Attendance.objects.count() == 3 and IndividualSupport.objects.count() == 2
    assert Participant.objects.get(external_id="P1").created_by == administrator
    assert set(AuditEvent.objects.values_list("user", flat=True)) == {administrator.pk}
    assert upload_dirs(private_media) == []  # the files are gone after confirm
    assert SESSION_KEY not in client.session


def test_uploading_the_same_files_again_shows_nothing_to_change(client_for, administrator):
    client = client_for(administrator)
    client.post(UPLOAD, {"files": csv_files(), **NEW_PLACES})
    client.post(CONFIRM, {"token": client.get(PREVIEW).context["token"]})

    client.post(UPLOAD, {"files": csv_files(), **NEW_PLACES})
    html = client.get(PREVIEW).content.decode()

    assert counts(html, "participants.csv") == {"created": 0, "updated": 0, "unchanged": 3, "errors": 0}
    assert "importeren verandert niets" in html
    assert "Nu importeren" not in html


def test_bad_rows_are_listed_with_line_and_column_and_cannot_be_confirmed(client_for, administrator):
    client = client_for(administrator)
    client.post(UPLOAD, {"files": csv_files(DATA / "bad_attendance"), **NEW_PLACES})

    response = client.get(PREVIEW)

    html = response.content.decode()
    assert counts(html, "attendance.csv")["errors"] == 2
    assert counts(html, "participants.csv") == {"created": 3, "updated": 0, "unchanged": 0, "errors": 0}
    assert "Fouten in attendance.csv" in html
    assert "Onbekende waarde &#x27;maybe&#x27;" in html
    assert "Nu importeren" not in html
    # Even a forged confirm writes nothing: the confirm re-validates.
    response = client.post(CONFIRM, {"token": response.context["token"]})
    assert response.status_code == 200
    assert not Participant.objects.exists()


def test_confirm_validates_again_against_the_database_of_that_moment(client_for, administrator, tmp_path):
    ParticipantFactory(external_id="OUD-1")
    group = GroupFactory(external_id="OUD-G")
    enrolments = SimpleUploadedFile(
        "enrolments.csv", b"participant,group,start_date,end_date,end_reason\nOUD-1,OUD-G,2024-04-01,,\n"
    )
    client = client_for(administrator)
    client.post(UPLOAD, {"files": [enrolments]})
    token = client.get(PREVIEW).context["token"]
    group.delete()  # someone removes the group between preview and confirm

    response = client.post(CONFIRM, {"token": token})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Onbekend collectief &#x27;OUD-G&#x27;" in html
    assert not Enrolment.objects.exists()


def test_cancel_throws_the_upload_away(client_for, administrator, private_media):
    client = client_for(administrator)
    client.post(UPLOAD, {"files": csv_files()})
    token = client.get(PREVIEW).context["token"]

    client.post(CANCEL)

    assert upload_dirs(private_media) == []
    response = client.post(CONFIRM, {"token": token}, follow=True)
    assert "niet meer beschikbaar" in response.content.decode()
    assert not Participant.objects.exists()


def test_confirm_needs_the_token_of_this_sessions_upload(client_for, administrator):
    client = client_for(administrator)
    client.post(UPLOAD, {"files": csv_files()})

    response = client.post(CONFIRM, {"token": "someone-elses-token-123456"}, follow=True)

    assert "niet meer beschikbaar" in response.content.decode()
    assert not Participant.objects.exists()


def test_the_preview_without_an_upload_sends_back_to_the_upload_page(client_for, administrator):
    response = client_for(administrator).get(PREVIEW, follow=True)
    assert response.redirect_chain[-1][0] == UPLOAD


# --- Bad uploads give a message, never a 500 -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("participants.csv", "external_id,first_name\nP1,Jos\u00e9\n".encode("latin-1"), "niet in UTF-8"),
        ("participants.csv", b"%PDF-1.4\n\x00\x01\x02\xff", "geen CSV-tekstbestand"),
        ("participants.csv", b"PK\x03\x04\x14\x00\x06\x00", "Excel-werkmap"),
        ("participants.csv", b"", "Het bestand is leeg"),
        ("participants.csv", b"naam;geboortedatum\nJan;1970-01-01\n", "puntkomma"),
        ("sessions.csv",
         b"external_id,group,date,start_time,duration_minutes,status,topic,head_count\n"
         b"S1,G1,2024-01-01,10:00,99999999999999999999999999,held,,0\n", "geen heel getal"),
    ],
)
def test_an_unreadable_file_gives_a_message_not_a_500(client_for, administrator, name, content, fragment):
    client = client_for(administrator)

    response = client.post(UPLOAD, {"files": [SimpleUploadedFile(name, content)]}, follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert fragment in html
    assert "Nu importeren" not in html


@pytest.mark.parametrize(
    ("files", "fragment"),
    [
        ([SimpleUploadedFile("deelnemers.xlsx", b"PK\x03\x04")], "onbekende bestandsnaam"),
        (
            [SimpleUploadedFile("participants.csv", b"a"), SimpleUploadedFile("Participants.CSV", b"a")],
            "twee keer gekozen",
        ),
        ([], "Dit veld is verplicht"),
    ],
)
def test_wrong_file_choices_are_form_errors(client_for, administrator, private_media, files, fragment):
    response = client_for(administrator).post(UPLOAD, {"files": files})

    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert upload_dirs(private_media) == []


def test_a_new_upload_replaces_the_previous_one(client_for, administrator, private_media):
    client = client_for(administrator)
    client.post(UPLOAD, {"files": csv_files()})
    client.post(UPLOAD, {"files": csv_files()})

    assert len(upload_dirs(private_media)) == 1
