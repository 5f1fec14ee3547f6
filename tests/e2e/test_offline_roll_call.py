"""Issue 15, in Chromium on a phone: the roll call works without a connection and is sent when back online.

The start page prepares today's roll call (service worker + a cache per user), the browser goes
offline (Playwright's offline mode), the worker logs the session, and once online it arrives on the
server exactly once, through the same form and service as an online save.
"""

import datetime

import pytest
from django.utils import timezone

from groups import services
from groups.models import Attendance, Enrolment, Session
from participants.models import Participant
from tests.conftest import login_in_browser
from tests.factories import GroupFactory

NAMES = ["Anna", "Sietske", "Fatima", "Johan", "Klaas", "Wieke"]
WALK_IN = ("Marleen", "Dijkstra", "1985-05-05")
QUEUE = "localStorage.getItem('collectief-offline-queue')"
OFFLINE_KEYS = "Object.keys(localStorage).filter(function (key) { return key.indexOf('collectief-') === 0; })"
ROLL_CALL_CACHES = (
    "caches.keys().then(function (names) { return names.filter(function (name) {"
    " return name.indexOf('collectief-rollcall-') === 0; }); })"
)


@pytest.fixture
def group_today(transactional_db, team_a, worker):
    """A group of six that meets today, facilitated by the worker; nothing logged yet."""
    group = GroupFactory(name="Wandelgroep Bilgaard", team=team_a, usual_weekday=timezone.localdate().weekday(),
                         usual_time=datetime.time(0, 0), start_date=timezone.localdate())
    group.facilitators.add(worker)
    for i, name in enumerate(NAMES):
        person = Participant.objects.create(team=team_a, first_name=name, last_name=f"Lid{i:02d}",
                                            birth_date=datetime.date(1970, 1, 1 + i))
        Enrolment.objects.create(group=group, participant=person, start_date=timezone.localdate())
    return group


def prepare_the_day(page, live_server):
    """Open the start page online and wait until the service worker runs and today's roll call is kept."""
    page.goto(f"{live_server.url}/")
    page.evaluate("navigator.serviceWorker.ready.then(function () { return true; })")
    page.wait_for_function("Number(document.documentElement.dataset.offlinePrepared) >= 1")


def log_offline_with_two_absent(page, group, walk_in=None):
    """Offline: open the prepared roll call from the start page, tap two absentees (and add a walk-in:
    first name, last name, birth date), save on the device."""
    page.context.set_offline(True)
    item = page.locator("#to-log li", has_text=group.name)
    item.get_by_role("link", name="Bijeenkomst van vandaag registreren").click()
    page.wait_for_selector("#session-form")
    assert page.locator(".roll-call input[value=present]:checked").count() == len(NAMES)
    absent = list(Participant.objects.filter(enrolments__group=group).order_by("first_name")[:2])
    for person in absent:
        page.locator(f'label[for="att-{person.pk}-absent"]').click()
    if walk_in:
        page.locator(".walk-in summary").click()
        for field, value in zip(["first_name", "last_name", "birth_date"], walk_in, strict=True):
            page.locator(f"#id_walkin-{field}").fill(value)
        page.locator("#id_walkin-consent_registration").check()
    page.get_by_role("button", name="Bijeenkomst opslaan").click()
    saved = page.locator("#offline-saved")
    saved.wait_for()
    assert "Opgeslagen op dit toestel, wordt verstuurd zodra er verbinding is" in saved.inner_text()
    assert not Session.objects.filter(group=group).exists()
    assert page.evaluate(QUEUE) is not None
    return absent


def assert_stored_once(group, absent, walk_in=None):
    session = Session.objects.get(group=group)
    assert session.date == timezone.localdate() and session.status == "held"
    rows = dict(Attendance.objects.filter(session=session).values_list("participant_id", "status"))
    extra = 1 if walk_in else 0
    assert len(rows) == len(NAMES) + extra
    assert sorted(pid for pid, status in rows.items() if status == "absent") == sorted(p.pk for p in absent)
    assert list(rows.values()).count("present") == len(NAMES) - 2 + extra
    if walk_in:
        new = Participant.objects.get(first_name=walk_in[0], last_name=walk_in[1])
        assert rows[new.pk] == "present" and new.birth_date.isoformat() == walk_in[2]
        assert Enrolment.objects.filter(group=group, participant=new).count() == 1


@pytest.mark.e2e
def test_a_session_logged_offline_on_a_phone_arrives_once_and_logout_removes_the_offline_data(
    phone_page, live_server, worker, group_today
):
    page = phone_page
    login_in_browser(page, live_server, worker.username)
    prepare_the_day(page, live_server)
    assert len(page.evaluate(ROLL_CALL_CACHES)) == 1

    absent = log_offline_with_two_absent(page, group_today, WALK_IN)

    page.context.set_offline(False)  # the "online" event sends what waits
    page.wait_for_function(f"{QUEUE} === null")
    assert_stored_once(group_today, absent, WALK_IN)

    page.goto(f"{live_server.url}/")  # another page load sends nothing twice
    page.wait_for_function("document.documentElement.dataset.offlineRound === 'done'")
    assert page.locator("#offline-waiting").is_hidden()
    assert Session.objects.filter(group=group_today).count() == 1

    # Logout removes everything offline from the browser's storage.
    assert page.evaluate(OFFLINE_KEYS)
    page.get_by_role("button", name="Menu").click()  # the phone's collapsed navigation
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/login/**")
    assert page.evaluate(OFFLINE_KEYS) == []
    assert page.evaluate(ROLL_CALL_CACHES) == []


@pytest.mark.e2e
def test_the_submission_waits_for_the_next_login_when_the_login_expired_offline(
    phone_page, live_server, worker, group_today
):
    page = phone_page
    login_in_browser(page, live_server, worker.username)
    prepare_the_day(page, live_server)
    absent = log_offline_with_two_absent(page, group_today, WALK_IN)

    page.context.clear_cookies()  # the login expired while offline
    page.context.set_offline(False)
    page.goto(f"{live_server.url}/")  # the login page: nothing is sent, nothing is lost
    page.wait_for_url("**/login/**")
    page.wait_for_function("document.documentElement.dataset.offlineRound === 'done'")
    assert page.evaluate(QUEUE) is not None
    assert not Session.objects.filter(group=group_today).exists()

    login_in_browser(page, live_server, worker.username)
    page.wait_for_function(f"{QUEUE} === null")
    assert_stored_once(group_today, absent, WALK_IN)


@pytest.mark.e2e
def test_a_session_a_colleague_logged_meanwhile_is_not_overwritten(
    phone_page, live_server, worker, colleague, group_today
):
    page = phone_page
    group_today.facilitators.add(colleague)
    login_in_browser(page, live_server, worker.username)
    prepare_the_day(page, live_server)
    log_offline_with_two_absent(page, group_today)

    # Meanwhile a colleague logs the same session online: everyone present.
    members = Participant.objects.filter(enrolments__group=group_today)
    theirs = Session(group=group_today, date=timezone.localdate(), start_time=datetime.time(0, 0),
                     duration_minutes=group_today.usual_duration_minutes, created_by=colleague)
    services.log_session(colleague, theirs, {p.pk: "present" for p in members})

    page.context.set_offline(False)
    page.goto(f"{live_server.url}/")
    look = page.locator("#offline-waiting .offline-item.is-look")
    look.wait_for()
    assert "Even nakijken" in look.inner_text()
    assert f"/bijeenkomsten/{theirs.pk}/" in look.get_by_role("link").get_attribute("href")
    session = Session.objects.get(group=group_today)
    assert session.pk == theirs.pk
    assert set(Attendance.objects.filter(session=session).values_list("status", flat=True)) == {"present"}


@pytest.mark.e2e
def test_a_walk_in_who_may_be_registered_already_asks_the_worker_at_sync(
    phone_page, live_server, worker, team_a, group_today
):
    page = phone_page
    known = Participant.objects.create(team=team_a, first_name="Marleen", last_name="Dijkstra",
                                       birth_date=datetime.date(1985, 5, 5))
    login_in_browser(page, live_server, worker.username)
    prepare_the_day(page, live_server)
    absent = log_offline_with_two_absent(page, group_today, ("Marleen", "Dijkstra", "1985-05-05"))

    page.context.set_offline(False)
    page.goto(f"{live_server.url}/")
    look = page.locator("#offline-waiting .offline-item.is-look")
    look.wait_for()
    assert not Session.objects.filter(group=group_today).exists()
    assert Participant.objects.filter(first_name="Marleen").count() == 1

    # The worker opens it, takes the copy kept on the device, and confirms it is the known resident.
    look.get_by_role("link").click()
    page.locator("#session-draft-restore").click()
    page.get_by_role("button", name="Bijeenkomst opslaan").click()
    page.locator("#duplicate-check").wait_for()
    page.locator(f"#match-{known.pk}").check()
    page.get_by_role("button", name="Bijeenkomst opslaan").click()
    page.wait_for_selector("#attendance-matrix")
    page.wait_for_function(f"{QUEUE} === null")  # the saved page also ends what needed a look
    assert Participant.objects.filter(first_name="Marleen").count() == 1
    session = Session.objects.get(group=group_today)
    rows = dict(Attendance.objects.filter(session=session).values_list("participant_id", "status"))
    assert rows[known.pk] == "present"
    assert sorted(pid for pid, status in rows.items() if status == "absent") == sorted(p.pk for p in absent)
