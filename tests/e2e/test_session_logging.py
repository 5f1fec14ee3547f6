"""Issue 3, in a real browser: logging a session for a group of 12 in at most three page loads."""

import datetime

import pytest
from django.utils import timezone

from groups.models import Attendance, Enrolment, Group, Session
from participants.models import Participant
from tests.conftest import login_in_browser
from tests.factories import GroupFactory

NAMES = ["Anna", "Sietske", "Fatima", "Johan", "Klaas", "Wieke", "Mohammed", "Ingrid", "Gerrit", "Sjoukje",
         "Yusuf", "Hennie"]


@pytest.fixture
def walking_group(transactional_db, team_a, worker):
    """A running group of 12 enrolled residents, facilitated by the worker, nothing logged today."""
    # Started today, so today's meeting is the one session still to log (a held one may not start later
    # than now: 00:00 has always begun).
    group = GroupFactory(name="Wandelgroep Bilgaard", team=team_a, usual_weekday=timezone.localdate().weekday(),
                         usual_time=datetime.time(0, 0), start_date=timezone.localdate())
    group.facilitators.add(worker)
    for i, name in enumerate(NAMES):
        person = Participant.objects.create(team=team_a, first_name=name, last_name=f"Lid{i:02d}",
                                            birth_date=datetime.date(1970, 1, 1 + i))
        Enrolment.objects.create(group=group, participant=person, start_date=timezone.localdate())
    return group


def log_session_with_two_absent(page, live_server, group: Group):
    """From the start page of a logged-in worker: tap two absentees and save."""
    loads = []
    page.on("load", lambda: loads.append(page.url))

    page.goto(f"{live_server.url}/")  # 1: the start page
    item = page.locator("#to-log li", has_text=group.name)
    item.get_by_role("link", name="Bijeenkomst van vandaag registreren").click()  # 2: the form
    page.wait_for_selector("#session-form")
    assert page.locator(".roll-call input[value=present]:checked").count() == 12

    absent = list(Participant.objects.filter(enrolments__group=group).order_by("first_name")[:2])
    for person in absent:
        page.locator(f'label[for="att-{person.pk}-absent"]').click()
    assert "10 van 12 aanwezig" in page.locator("#roll-call-count").inner_text()

    page.get_by_role("button", name="Bijeenkomst opslaan").click()  # 3: the group page
    page.wait_for_selector("#attendance-matrix")
    page.wait_for_load_state()
    assert "10 aanwezig, 2 afwezig" in page.locator(".alert-success").inner_text()
    assert len(loads) <= 3, loads

    session = Session.objects.get(group=group)
    assert session.date == timezone.localdate() and session.status == "held"
    rows = dict(Attendance.objects.filter(session=session).values_list("participant_id", "status"))
    assert len(rows) == 12
    assert sorted(pid for pid, status in rows.items() if status == "absent") == sorted(p.pk for p in absent)
    assert list(rows.values()).count("present") == 10
    return page


@pytest.mark.e2e
def test_a_social_worker_logs_a_session_of_twelve_with_two_absent_in_three_page_loads(
    page, live_server, worker, walking_group
):
    login_in_browser(page, live_server, worker.username)
    log_session_with_two_absent(page, live_server, walking_group)


@pytest.mark.e2e
def test_the_same_on_a_phone(phone_page, live_server, worker, walking_group):
    login_in_browser(phone_page, live_server, worker.username)
    phone_page.goto(f"{live_server.url}/collectieven/{walking_group.pk}/bijeenkomsten/nieuw/")
    # The roll call fits the 390px screen: no sideways scrolling, and tap targets of a thumb's size.
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = phone_page.locator(".attendance-toggle label").first.bounding_box()
    assert box["height"] >= 40 and box["width"] >= 80
    log_session_with_two_absent(phone_page, live_server, walking_group)
