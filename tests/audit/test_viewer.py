"""The audit viewer: administrators only (after a two-factor login once django-otp is there)."""

import csv
import datetime
import io

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from collectief import access
from collectief.models import AuditEvent, log_event

pytestmark = pytest.mark.django_db
URL = reverse("audit:log")
EXPORT = reverse("audit:export")


@pytest.fixture
def trail(worker, colleague, participant, group):
    log_event(worker, "participant.viewed", participant, {"page": "detail"})
    log_event(colleague, "group.viewed", group, {"participant_ids": [participant.pk + 1000]})
    log_event(colleague, "participant.updated", participant, {"fields": ["phone"]})


def _shown(response):
    return [(e.event, e.user.username) for e in response.context["events"]]


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["worker", "coordinator", "municipality_user", "staff_without_role"])
def test_only_administrators_may_open_it(client_for, persona):
    assert client_for(persona).get(URL).status_code == 403
    assert client_for(persona).get(EXPORT).status_code == 403


def test_the_administrator_sees_every_event_newest_first(client_for, administrator, trail):
    response = client_for(administrator).get(URL)
    assert response.status_code == 200
    assert _shown(response) == [("participant.updated", "jelle"), ("group.viewed", "jelle"),
                                ("participant.viewed", "sanne")]
    assert "no-store" in response["Cache-Control"]


def test_search_by_resident_number_or_name(client_for, administrator, participant, trail):
    client = client_for(administrator)
    by_id = client.get(URL, {"resident": str(participant.pk)})
    assert _shown(by_id) == [("participant.updated", "jelle"), ("participant.viewed", "sanne")]
    by_name = client.get(URL, {"resident": "el amrani"})
    # The search by number is itself an event about the resident: it is listed too.
    assert _shown(by_name) == [("audit.viewed", "beheerder"), *_shown(by_id)]
    assert by_name.context["residents"] == [participant]
    assert "Fatima El Amrani" in by_name.content.decode()
    assert _shown(client.get(URL, {"resident": "Nobody"})) == []


def test_search_by_user_period_and_event(client_for, administrator, trail):
    client = client_for(administrator)
    today = timezone.localdate()
    assert len(_shown(client.get(URL, {"date_from": today.isoformat(), "date_to": today.isoformat()}))) == 3
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    assert _shown(client.get(URL, {"date_to": yesterday})) == []
    assert _shown(client.get(URL, {"user": "sanne"})) == [("participant.viewed", "sanne")]
    assert _shown(client.get(URL, {"event": "group.viewed"})) == [("group.viewed", "jelle")]


def test_garbage_in_the_filters_is_no_error(client_for, administrator, trail):
    response = client_for(administrator).get(URL, {"resident": "\x00", "date_from": "31-31-2020", "event": "nope",
                                                   "page": "x"})
    assert response.status_code == 200 and list(response.context["events"]) == []


def test_reading_the_trail_is_recorded_with_the_residents_searched(client_for, administrator, participant, trail):
    client_for(administrator).get(URL, {"resident": "Fatima", "event": "participant.viewed"})
    event = AuditEvent.objects.get(event="audit.viewed")
    assert event.user == administrator and event.participant_ids == [participant.pk]
    assert event.data == {"page": "viewer", "filters": ["event", "resident"]}  # filter names, never the name typed


def test_the_pages_hold_fifty_events(client_for, administrator, worker):
    for _ in range(60):
        log_event(worker, "import.viewed", object_type="imports.run")
    client = client_for(administrator)
    assert len(client.get(URL).context["events"]) == 50
    assert len(client.get(URL, {"page": "2"}).context["events"]) == 10 + 1  # the first page's own view event
    assert client.get(URL).context["page"].paginator.count == 60 + 2


def test_the_export_is_the_filtered_rows_as_csv_and_is_audited(client_for, administrator, participant, trail):
    response = client_for(administrator).get(EXPORT, {"resident": str(participant.pk)})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["event"] for row in rows] == ["participant.updated", "participant.viewed"]
    assert rows[0]["participant_ids"] == str(participant.pk) and len(rows[0]["hash"]) == 64
    exported = AuditEvent.objects.get(event="audit.exported")
    assert exported.action == "export" and exported.participant_ids == [participant.pk]


def test_a_formula_in_the_export_stays_text(client_for, administrator):
    log_event(None, "import.viewed", object_type="=HYPERLINK(1)")
    response = client_for(administrator).get(EXPORT, {"event": "import.viewed"})
    assert "'=HYPERLINK(1)" in b"".join(response.streaming_content).decode()


class _User:
    is_authenticated = True

    def __init__(self, verified):
        self._verified = verified

    def is_verified(self):
        return self._verified


def _through_two_factor(user, settings_url=""):
    request = RequestFactory().get("/audit/")
    request.user = user
    request._messages = type("Messages", (), {"add": lambda *args, **kwargs: None})()
    return access.two_factor_required(lambda request: "opened")(request)


def test_two_factor_required_lets_a_verified_user_in():
    assert _through_two_factor(_User(True)) == "opened"


def test_two_factor_required_sends_an_unverified_user_to_set_it_up(settings):
    settings.TWO_FACTOR_SETUP_URL = "/twee-factor/"
    response = _through_two_factor(_User(False))
    assert response.status_code == 302 and response["Location"].startswith("/twee-factor/?next=/audit/")


def test_two_factor_required_passes_while_django_otp_is_not_installed(worker):
    assert not hasattr(worker, "is_verified")
    assert _through_two_factor(worker) == "opened"


def test_the_viewer_asks_for_two_factor_after_the_role(client_for, administrator, worker, monkeypatch):
    monkeypatch.setattr(type(administrator), "is_verified", lambda self: False, raising=False)
    response = client_for(administrator).get(URL)
    assert response.status_code == 302 and "next=/audit/" in response["Location"]
    assert client_for(worker).get(URL).status_code == 403  # the role first
