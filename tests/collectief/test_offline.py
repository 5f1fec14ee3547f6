"""Issue 15, on the server side: the installable app and what the offline roll call asks the server."""

import datetime
import json
import re
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from collectief.offline import device_name
from tests.factories import GroupFactory, SessionFactory

STATIC = Path(settings.BASE_DIR) / "static"


def test_every_page_names_the_manifest_and_a_theme_colour(client):
    body = client.get("/login/").content.decode()
    assert re.search(r'<link rel="manifest" href="/static/manifest.webmanifest">', body)
    assert '<meta name="theme-color" content="#0a58ca">' in body


def test_the_manifest_makes_the_app_installable():
    manifest = json.loads((STATIC / "manifest.webmanifest").read_text())
    assert manifest["start_url"] == "/" and manifest["scope"] == "/" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert (STATIC / icon["src"].removeprefix("/static/")).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_service_worker_is_served_from_the_root_without_a_login(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    assert response.content == (STATIC / "js" / "sw.js").read_bytes()
    assert "sessionid" not in response.cookies


def test_the_device_endpoint_needs_a_login_and_a_registration_role(client, client_for, municipality_user):
    response = client.get("/offline/toestel/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client_for(municipality_user).get("/offline/toestel/").status_code == 403


def test_the_device_endpoint_names_the_user_without_their_id_and_gives_a_csrf_token(client_for, worker, colleague):
    data = client_for(worker).get("/offline/toestel/").json()
    assert data["user"] == device_name(worker) and str(worker.pk) != data["user"]
    assert data["csrf"]
    assert device_name(colleague) != device_name(worker)


def test_only_the_roll_calls_of_my_own_groups_are_prepared_for_offline_use(client_for, worker, colleague, team_a):
    today = timezone.localdate()
    mine = GroupFactory(name="Wandelgroep Bilgaard", team=team_a, usual_weekday=today.weekday(),
                        usual_time=datetime.time(0, 0), start_date=today)
    mine.facilitators.add(worker)
    theirs = GroupFactory(name="Taalcafé", team=team_a, usual_weekday=today.weekday(),
                          usual_time=datetime.time(0, 0), start_date=today)
    theirs.facilitators.add(colleague)
    body = client_for(worker).get("/").content.decode()
    prepared = re.findall(r'href="([^"]+)" data-offline-prepare', body)
    assert prepared == [f"/collectieven/{mine.pk}/bijeenkomsten/nieuw/?date={today.isoformat()}"]
    assert f"/collectieven/{theirs.pk}/bijeenkomsten/nieuw/" in body  # listed, but not kept offline
    assert 'id="offline-waiting"' in body


def test_the_device_endpoint_gives_the_words_of_the_logout_question_in_dutch(client_for, worker):
    texts = client_for(worker).get("/offline/toestel/").json()["texts"]
    assert texts["logoutTitle"] == "Uitloggen?"
    assert texts["unsentOne"] == (
        "Er staat nog {n} presentielijst op dit toestel die niet verstuurd is. Als je uitlogt, wordt hij verwijderd."
    )
    assert texts["unsentMany"] == (
        "Er staan nog {n} presentielijsten op dit toestel die niet verstuurd zijn. Als je uitlogt, worden ze "
        "verwijderd."
    )
    assert (texts["logoutAnyway"], texts["stayLoggedIn"]) == ("Toch uitloggen", "Niet uitloggen")


# --- Today's sessions already logged (prepared so that they can be corrected offline) ---------------


def test_todays_logged_sessions_need_a_login_and_a_registration_role(client, client_for, municipality_user):
    response = client.get("/offline/vandaag/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client_for(municipality_user).get("/offline/vandaag/").status_code == 403


def test_todays_logged_sessions_are_those_of_my_own_groups_only(
    client_for, worker, colleague, outsider, team_a, team_b, django_assert_max_num_queries
):
    today = timezone.localdate()
    mine = GroupFactory(name="Wandelgroep Bilgaard", team=team_a)
    mine.facilitators.add(worker)
    second = GroupFactory(name="Breiclub", team=team_a)
    second.facilitators.add(worker, colleague)
    theirs = GroupFactory(name="Taalcafé", team=team_a)  # my team, but the colleague's group
    theirs.facilitators.add(colleague)
    ended = GroupFactory(name="Afgelopen reeks", team=team_a, status="ended", end_date=today)
    ended.facilitators.add(worker)
    elsewhere = GroupFactory(name="Kookgroep Centrum", team=team_b)
    elsewhere.facilitators.add(worker, outsider)  # a group of another team: no access
    morning = SessionFactory(group=mine, date=today, start_time=datetime.time(9, 30))
    evening = SessionFactory(group=mine, date=today, start_time=datetime.time(19, 0))
    knitting = SessionFactory(group=second, date=today, start_time=datetime.time(14, 0))
    SessionFactory(group=mine, date=today - datetime.timedelta(days=7))  # not today
    for group in (theirs, ended, elsewhere):
        SessionFactory(group=group, date=today)

    client = client_for(worker)
    with django_assert_max_num_queries(4):  # the login session, the user, the roles, the sessions (one)
        data = client.get("/offline/vandaag/").json()
    assert data == {"sessions": [
        {"url": f"/collectieven/{second.pk}/bijeenkomsten/{knitting.pk}/", "group": "Breiclub", "time": "14:00"},
        {"url": f"/collectieven/{mine.pk}/bijeenkomsten/{morning.pk}/", "group": "Wandelgroep Bilgaard",
         "time": "09:30"},
        {"url": f"/collectieven/{mine.pk}/bijeenkomsten/{evening.pk}/", "group": "Wandelgroep Bilgaard",
         "time": "19:00"},
    ]}
    assert client_for(colleague).get("/offline/vandaag/").json()["sessions"][0]["group"] == "Breiclub"


def test_the_start_page_has_room_for_todays_logged_sessions_and_for_notices_in_dutch(client_for, worker):
    body = client_for(worker).get("/").content.decode()
    assert re.search(r'<section [^>]*id="offline-today" hidden\s+data-text-correct="Aanpassen">', body)
    assert "Vandaag geregistreerd" in body
    assert ('data-text-removed="De presentielijst van {label} is na 24 uur niet verstuurd en van dit toestel '
            'verwijderd."') in body
    assert 'data-text-again="Vul hem opnieuw in"' in body and 'data-text-dismiss="Melding sluiten"' in body
    assert ('data-text-expires-waiting="Wordt binnen {hours} uur van dit toestel verwijderd als hij niet verstuurd '
            'is. Maak verbinding met internet om hem te versturen."') in body
