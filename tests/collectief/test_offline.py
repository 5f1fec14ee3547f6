"""Issue 15, on the server side: the installable app and what the offline roll call asks the server."""

import datetime
import json
import re
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from collectief.offline import device_name
from tests.factories import GroupFactory

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
