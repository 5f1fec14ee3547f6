"""Issue 15, in Chromium on a phone: the roll call works without a connection and is sent when back online.

The start page prepares today's roll call (service worker + a cache per user), the browser goes
offline (Playwright's offline mode), the worker logs the session, and once online it arrives on the
server exactly once, through the same form and service as an online save.
"""

import datetime
import json
import re
import time

import pytest
from django.utils import timezone

from collectief.models import AuditEvent
from groups import services
from groups.models import Attendance, Enrolment, Session
from participants.models import Participant
from tests.conftest import login_in_browser
from tests.e2e.test_accessibility import axe_violations
from tests.factories import GroupFactory

NAMES = ["Anna", "Sietske", "Fatima", "Johan", "Klaas", "Wieke"]
WALK_IN = ("Marleen", "Dijkstra", "1985-05-05")
QUEUE = "localStorage.getItem('collectief-offline-queue')"
OFFLINE_KEYS = "Object.keys(localStorage).filter(function (key) { return key.indexOf('collectief-') === 0; })"
NOTICES = "localStorage.getItem('collectief-offline-notices')"
DRAFTS = "Object.keys(localStorage).filter(function (key) { return key.indexOf('collectief-session:') === 0; })"
ALL_STORED = "JSON.stringify(Object.keys(localStorage).map(function (key) { return [key, localStorage[key]]; }))"
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


def open_menu(page):
    """The phone's collapsed navigation: open it, and wait until it has unfolded (a tap while it
    unfolds may miss its buttons)."""
    page.get_by_role("button", name="Menu").click()
    page.locator("#mainnav.collapse.show").wait_for()


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
    open_menu(page)
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



# --- The 24-hour rule, strictly (docs/offline.md, "Cleaning up") -------------------------------------

HOUR_MS = 60 * 60 * 1000


def age_offline_data(page, hours):
    """Make what the device keeps (the waiting roll calls and the copies being typed) ``hours`` old."""
    page.evaluate(
        """ms => {
            const then = new Date(Date.now() - ms).toISOString();
            const queue = JSON.parse(localStorage.getItem('collectief-offline-queue') || '[]');
            queue.forEach(item => { item.savedAt = then; });
            localStorage.setItem('collectief-offline-queue', JSON.stringify(queue));
            Object.keys(localStorage).filter(key => key.indexOf('collectief-session:') === 0).forEach(key => {
                const draft = JSON.parse(localStorage.getItem(key));
                draft.saved = then;
                localStorage.setItem(key, JSON.stringify(draft));
            });
        }""",
        hours * HOUR_MS,
    )


def refuse_roll_call_posts(context, seen=None, answer="abort"):
    """A connection that claims to be online but does not carry the save of a roll call: the post is
    dropped ("abort") or never answered ("hang"). Routed on the context, so that it also catches the
    post the service worker makes on the page's behalf."""

    def handle(route):
        if route.request.method != "POST":
            route.continue_()
            return
        if seen is not None:
            seen.append(route.request.url)
        if answer == "abort":
            route.abort("internetdisconnected")
        # "hang": no answer at all, like a bar of signal that carries nothing

    context.route(re.compile(r"/bijeenkomsten/(nieuw|\d+)/"), handle)
    return handle


def open_start(page, live_server):
    page.goto(f"{live_server.url}/")
    page.wait_for_function("document.documentElement.dataset.offlineRound === 'done'")


@pytest.mark.e2e
def test_a_roll_call_not_sent_within_24_hours_is_removed_and_only_a_notice_without_names_stays(
    phone_page, live_server, worker, group_today
):
    page = phone_page
    login_in_browser(page, live_server, worker.username)
    prepare_the_day(page, live_server)
    log_offline_with_two_absent(page, group_today, WALK_IN)
    roll_call_url = page.url
    assert len(page.evaluate(DRAFTS)) == 1  # the typed copy of issue 10 is kept as well

    # Back "online" on a connection that does not carry: the roll call keeps waiting.
    refuse_roll_call_posts(page.context)
    page.context.set_offline(False)

    # After 21 hours the start page says when it will be removed, and asks to connect.
    age_offline_data(page, 21)
    open_start(page, live_server)
    waiting = page.locator("#offline-waiting .offline-item.is-waiting")
    assert waiting.count() == 1
    assert "Wordt binnen 3 uur van dit toestel verwijderd als hij niet verstuurd is." in waiting.inner_text()
    assert "Maak verbinding met internet" in waiting.inner_text()
    assert not Session.objects.filter(group=group_today).exists()
    assert axe_violations(page) == []

    # After 24 hours it is gone, with its typed copy; a notice names the group and the date only.
    age_offline_data(page, 25)
    open_start(page, live_server)
    assert page.evaluate(QUEUE) is None
    assert page.evaluate(DRAFTS) == []
    assert page.locator("#offline-waiting").is_hidden()
    notice = page.locator("#offline-removed .offline-removed-item")
    assert notice.count() == 1
    today = timezone.localdate().isoformat()
    assert (f"De presentielijst van Wandelgroep Bilgaard · {today} is na 24 uur niet verstuurd en van dit "
            "toestel verwijderd.") in notice.inner_text()
    assert notice.get_by_role("link", name="Vul hem opnieuw in").get_attribute("href") == roll_call_url
    stored = page.evaluate(ALL_STORED)
    for name in [*NAMES, *(f"Lid{i:02d}" for i in range(len(NAMES))), *WALK_IN]:
        assert name not in stored  # no resident's name, nor the walk-in's details, stays on the device
    assert json.loads(page.evaluate(NOTICES))[0]["label"] == f"Wandelgroep Bilgaard · {today}"

    # The start page with the notice passes axe; the notice can be dismissed.
    assert axe_violations(page) == []
    notice.get_by_role("button", name="Melding sluiten").click()
    assert page.locator("#offline-removed").is_hidden()
    assert page.evaluate(NOTICES) is None
    assert not Session.objects.filter(group=group_today).exists()


@pytest.mark.e2e
def test_a_typed_copy_of_a_roll_call_does_not_outlive_24_hours(page, live_server, worker, group_today):
    login_in_browser(page, live_server, worker.username)
    url = f"{live_server.url}/collectieven/{group_today.pk}/bijeenkomsten/nieuw/"
    person = Participant.objects.filter(enrolments__group=group_today).order_by("first_name").first()
    page.goto(url)
    page.locator(f'label[for="att-{person.pk}-excused"]').click()  # typed, never saved
    assert len(page.evaluate(DRAFTS)) == 1

    age_offline_data(page, 23)
    page.goto(url)
    page.locator("#session-draft").wait_for()  # younger than a day: still offered
    age_offline_data(page, 25)
    page.goto(url)
    page.wait_for_selector("#session-form")
    assert page.evaluate(DRAFTS) == []
    assert page.locator("#session-draft").count() == 0
    assert page.locator(f"#att-{person.pk}-present").is_checked()


# --- Today's sessions already logged, corrected offline ---------------------------------------------


def log_today_online(user, group, **statuses):
    members = {p.first_name: p.pk for p in Participant.objects.filter(enrolments__group=group)}
    session = Session(group=group, date=timezone.localdate(), start_time=datetime.time(0, 0),
                      duration_minutes=group.usual_duration_minutes, created_by=user)
    services.log_session(user, session, {pk: statuses.get(name, "present") for name, pk in members.items()})
    return session, members


def correct_offline(page, group, session, name):
    """Offline: from the start page's "Logged today", open the session and mark ``name`` absent."""
    page.context.set_offline(True)
    today = page.locator("#offline-today li", has_text=group.name)
    today.get_by_role("link", name="Aanpassen").click()
    page.wait_for_selector("#session-form")
    assert page.url.endswith(f"/collectieven/{group.pk}/bijeenkomsten/{session.pk}/")
    person = Participant.objects.get(enrolments__group=group, first_name=name)
    page.locator(f'label[for="att-{person.pk}-absent"]').click()
    page.get_by_role("button", name="Bijeenkomst opslaan").click()
    page.locator("#offline-saved").wait_for()
    return person


@pytest.mark.e2e
def test_todays_session_already_logged_is_corrected_offline_and_the_change_arrives_once(
    phone_page, live_server, worker, group_today
):
    page = phone_page
    session, _members = log_today_online(worker, group_today)
    login_in_browser(page, live_server, worker.username)
    prepare_the_day(page, live_server)  # nothing is left to log today: the prepared roll call is this session's
    assert page.locator("#to-log").count() == 0
    assert page.locator("#offline-today li", has_text="Wandelgroep Bilgaard").count() == 1

    person = correct_offline(page, group_today, session, "Johan")
    assert Attendance.objects.get(session=session, participant=person).status == "present"

    page.context.set_offline(False)
    page.wait_for_function(f"{QUEUE} === null")
    rows = dict(Attendance.objects.filter(session=session).values_list("participant_id", "status"))
    assert rows[person.pk] == "absent" and list(rows.values()).count("present") == len(NAMES) - 1
    assert Session.objects.filter(group=group_today).count() == 1
    assert Session.objects.get(pk=session.pk).version == session.version + 1
    assert AuditEvent.objects.filter(event="session.updated", object_id=str(session.pk)).count() == 1


@pytest.mark.e2e
def test_a_correction_made_offline_does_not_overwrite_a_colleagues_change(
    phone_page, live_server, worker, colleague, group_today
):
    page = phone_page
    group_today.facilitators.add(colleague)
    session, members = log_today_online(worker, group_today)
    login_in_browser(page, live_server, worker.username)
    prepare_the_day(page, live_server)
    correct_offline(page, group_today, session, "Johan")

    # Meanwhile the colleague corrects the same session online: Anna was excused.
    theirs = Session.objects.get(pk=session.pk)
    services.log_session(colleague, theirs, {pk: "excused" if name == "Anna" else "present"
                                             for name, pk in members.items()}, version=theirs.version)

    page.context.set_offline(False)
    open_start(page, live_server)
    look = page.locator("#offline-waiting .offline-item.is-look")
    look.wait_for()
    assert "Even nakijken" in look.inner_text()
    rows = dict(Attendance.objects.filter(session=session).values_list("participant_id", "status"))
    assert rows[members["Anna"]] == "excused" and rows[members["Johan"]] == "present"  # theirs, untouched

    # The worker opens it, takes the copy kept on the device and saves: both versions are shown to choose.
    look.get_by_role("link", name="Open").click()
    page.locator("#session-draft-restore").click()
    page.get_by_role("button", name="Bijeenkomst opslaan").click()
    page.locator("#stale-session").wait_for()
    assert Attendance.objects.get(session=session, participant=members["Anna"]).status == "excused"


# --- A connection that claims to be online but does not carry ("lie-fi") ----------------------------


def open_prepared_roll_call_online(page, group):
    item = page.locator("#to-log li", has_text=group.name)
    item.get_by_role("link", name="Bijeenkomst van vandaag registreren").click()
    page.wait_for_selector("#session-form")
    assert page.evaluate("Boolean(navigator.serviceWorker.controller)")
    absent = list(Participant.objects.filter(enrolments__group=group).order_by("first_name")[:2])
    for person in absent:
        page.locator(f'label[for="att-{person.pk}-absent"]').click()
    return absent


def assert_kept_on_the_device(page, group, url):
    saved = page.locator("#offline-saved")
    saved.wait_for()
    assert "Opgeslagen op dit toestel, wordt verstuurd zodra er verbinding is" in saved.inner_text()
    assert page.url == url  # the roll call stayed on screen: no error page
    assert page.evaluate("navigator.onLine")
    queue = json.loads(page.evaluate(QUEUE))
    assert [item["url"] for item in queue] == [url] and queue[0]["state"] == "waiting"
    assert not Session.objects.filter(group=group).exists()


@pytest.mark.e2e
def test_on_a_good_connection_a_guarded_save_is_the_same_as_before(phone_page, live_server, worker, group_today):
    page = phone_page
    login_in_browser(page, live_server, worker.username)
    prepare_the_day(page, live_server)
    absent = open_prepared_roll_call_online(page, group_today)
    url = page.url
    posts = []

    def watch(route):
        if route.request.method == "POST":
            posts.append(route.request.service_worker is not None)
        route.continue_()

    page.context.route(re.compile(r"/bijeenkomsten/nieuw/"), watch)

    # A refused save shows the server's errors on the roll call, as without a service worker.
    page.fill("#id_duration_minutes", "1")
    page.get_by_role("button", name="Bijeenkomst opslaan").click()
    page.locator("#form-errors").wait_for()
    assert page.url == url and not Session.objects.filter(group=group_today).exists()
    assert page.locator("#offline-saved").count() == 0 and page.evaluate(QUEUE) is None

    # Corrected and saved: the group page with the server's confirmation; nothing is left on the device.
    page.fill("#id_duration_minutes", "90")
    page.get_by_role("button", name="Bijeenkomst opslaan").click()
    page.wait_for_selector("#attendance-matrix")
    assert "4 aanwezig, 2 afwezig" in page.locator(".alert-success").inner_text()
    assert posts == [True, True]  # both went through the service worker's guard
    assert page.evaluate(QUEUE) is None and page.evaluate(DRAFTS) == []
    assert_stored_once(group_today, absent)


@pytest.mark.e2e
def test_a_save_that_a_bad_connection_drops_is_kept_on_the_device_and_sent_later_once(
    phone_page, live_server, worker, group_today
):
    page = phone_page
    login_in_browser(page, live_server, worker.username)
    prepare_the_day(page, live_server)
    absent = open_prepared_roll_call_online(page, group_today)
    url = page.url

    seen = []
    refuse_roll_call_posts(page.context, seen)
    page.get_by_role("button", name="Bijeenkomst opslaan").click()
    assert_kept_on_the_device(page, group_today, url)
    assert seen == [url]  # the post did leave (through the service worker), and was dropped

    # Still no connection that carries: sending fails at network level, the roll call keeps waiting.
    open_start(page, live_server)
    assert page.locator("#offline-waiting .offline-item.is-waiting").count() == 1
    assert len(seen) == 2 and not Session.objects.filter(group=group_today).exists()

    page.context.unroute_all()
    open_start(page, live_server)
    page.wait_for_function(f"{QUEUE} === null")
    assert_stored_once(group_today, absent)
    open_start(page, live_server)
    assert Session.objects.filter(group=group_today).count() == 1


@pytest.mark.e2e
def test_a_save_that_gets_no_answer_in_15_seconds_is_kept_on_the_device(phone_page, live_server, worker, group_today):
    page = phone_page
    login_in_browser(page, live_server, worker.username)
    prepare_the_day(page, live_server)
    absent = open_prepared_roll_call_online(page, group_today)
    url = page.url

    refuse_roll_call_posts(page.context, answer="hang")
    started = time.monotonic()
    # The click waits for the navigation it starts, which ends when the service worker gives up.
    page.get_by_role("button", name="Bijeenkomst opslaan").click(timeout=25_000)
    page.locator("#offline-saved").wait_for(timeout=25_000)
    assert 14 < time.monotonic() - started < 25
    assert_kept_on_the_device(page, group_today, url)

    page.context.unroute_all(behavior="ignoreErrors")
    open_start(page, live_server)
    page.wait_for_function(f"{QUEUE} === null")
    assert_stored_once(group_today, absent)


# --- Logging out with roll calls that could not be sent ---------------------------------------------


@pytest.mark.e2e
def test_logging_out_with_unsent_roll_calls_asks_first(phone_page, live_server, worker, group_today):
    page = phone_page
    login_in_browser(page, live_server, worker.username)
    prepare_the_day(page, live_server)
    log_offline_with_two_absent(page, group_today)
    refuse_roll_call_posts(page.context)  # back online, but the last attempt to send fails
    page.context.set_offline(False)
    open_start(page, live_server)

    def log_out():
        open_menu(page)
        page.get_by_role("button", name="Uitloggen").click()
        dialog = page.get_by_role("dialog", name="Uitloggen?")
        dialog.wait_for()
        return dialog

    # The question speaks Dutch from the page itself, also without the words kept offline.
    page.evaluate("localStorage.removeItem('collectief-offline-texts')")
    dialog = log_out()
    assert ("Er staat nog 1 presentielijst op dit toestel die niet verstuurd is. Als je uitlogt, wordt hij "
            "verwijderd.") in dialog.inner_text()
    assert page.evaluate("document.activeElement.textContent") == "Niet uitloggen"
    assert axe_violations(page) == []
    dialog.get_by_role("button", name="Niet uitloggen").click()
    page.locator("#logout-unsent").wait_for(state="detached")
    assert page.url == f"{live_server.url}/"
    assert page.evaluate(QUEUE) is not None and len(page.evaluate(DRAFTS)) == 1
    page.reload()
    page.wait_for_function("document.documentElement.dataset.offlineRound === 'done'")
    assert page.locator("#offline-waiting .offline-item").count() == 1  # still logged in, still there

    log_out().get_by_role("button", name="Toch uitloggen").click()
    page.wait_for_url("**/login/**")
    assert page.evaluate(OFFLINE_KEYS) == []
    assert page.evaluate(ROLL_CALL_CACHES) == []
    assert not Session.objects.filter(group=group_today).exists()
