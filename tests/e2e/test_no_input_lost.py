"""Issue 10, in a real browser: a roll call whose save never reached the server is kept on the device."""

import datetime

import pytest
from django.utils import timezone

from groups.models import Attendance, Enrolment, Session
from participants.models import Participant
from tests.conftest import login_in_browser
from tests.factories import GroupFactory

DRAFTS = "Object.keys(localStorage).filter(function (key) { return key.indexOf('collectief-session:') === 0; })"


@pytest.fixture
def small_group(transactional_db, team_a, worker):
    group = GroupFactory(name="Wandelgroep Bilgaard", team=team_a, usual_time=datetime.time(0, 0),
                         start_date=timezone.localdate())
    group.facilitators.add(worker)
    for i, name in enumerate(["Anna", "Sietske", "Fatima", "Johan", "Klaas"]):
        person = Participant.objects.create(team=team_a, first_name=name, last_name=f"Lid{i:02d}",
                                            birth_date=datetime.date(1970, 1, 1 + i))
        Enrolment.objects.create(group=group, participant=person, start_date=timezone.localdate())
    return group


@pytest.mark.e2e
def test_a_roll_call_whose_save_failed_is_offered_again_and_gone_once_saved(page, live_server, worker, small_group):
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    login_in_browser(page, live_server, worker.username)
    url = f"{live_server.url}/collectieven/{small_group.pk}/bijeenkomsten/nieuw/"
    absent = list(Participant.objects.filter(enrolments__group=small_group).order_by("first_name")[:2])

    page.goto(url)
    page.wait_for_selector("#session-form")
    assert page.locator("#session-draft").count() == 0  # nothing kept yet: nothing offered
    for person in absent:
        page.locator(f'label[for="att-{person.pk}-absent"]').click()
    page.fill("#id_topic", "Wandelen langs de Zwette")

    # The connection drops as the worker saves: the request never reaches the server.
    page.route("**/bijeenkomsten/nieuw/", lambda route: route.abort() if route.request.method == "POST"
               else route.continue_())
    page.get_by_role("button", name="Bijeenkomst opslaan").click()
    page.wait_for_timeout(300)
    page.unroute("**/bijeenkomsten/nieuw/")
    assert not Session.objects.filter(group=small_group).exists()

    # Opening the form again offers the copy on this device, and restores the two absences.
    page.goto(url)
    banner = page.locator("#session-draft")
    banner.wait_for()
    assert "Er staat nog een niet-opgeslagen versie van deze bijeenkomst op dit toestel" in banner.inner_text()
    assert page.locator('.roll-call input[value="absent"]:checked').count() == 0
    page.get_by_role("button", name="Terugzetten").click()
    assert page.locator("#session-draft").count() == 0
    for person in absent:
        assert page.locator(f"#att-{person.pk}-absent").is_checked()
    assert page.locator("#id_topic").input_value() == "Wandelen langs de Zwette"
    assert "3 van 5 aanwezig" in page.locator("#roll-call-count").inner_text()
    assert len(page.evaluate(DRAFTS)) == 1

    # A real save: the group page confirms it, and the copy is gone.
    page.get_by_role("button", name="Bijeenkomst opslaan").click()
    page.wait_for_selector("#attendance-matrix")
    page.wait_for_load_state()
    assert "3 aanwezig, 2 afwezig" in page.locator(".alert-success").inner_text()
    assert page.evaluate(DRAFTS) == []
    session = Session.objects.get(group=small_group)
    assert session.topic == "Wandelen langs de Zwette"
    absentees = Attendance.objects.filter(session=session, status="absent").values_list("participant_id", flat=True)
    assert sorted(absentees) == sorted(p.pk for p in absent)
    page.goto(url)
    page.wait_for_selector("#session-form")
    assert page.locator("#session-draft").count() == 0
    assert violations == []


@pytest.mark.e2e
def test_a_kept_copy_can_be_thrown_away(page, live_server, worker, small_group):
    login_in_browser(page, live_server, worker.username)
    url = f"{live_server.url}/collectieven/{small_group.pk}/bijeenkomsten/nieuw/"
    person = Participant.objects.filter(enrolments__group=small_group).order_by("first_name").first()
    page.goto(url)
    page.locator(f'label[for="att-{person.pk}-excused"]').click()
    page.goto(url)  # left without saving
    page.get_by_role("button", name="Weggooien").click()
    assert page.locator("#session-draft").count() == 0
    assert page.locator(f"#att-{person.pk}-present").is_checked()
    assert page.evaluate(DRAFTS) == []
    page.reload()
    page.wait_for_selector("#session-form")
    assert page.locator("#session-draft").count() == 0
