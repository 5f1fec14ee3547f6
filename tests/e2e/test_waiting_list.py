"""Issue 11 in a real browser: one tap enrols a resident from the waiting list, and a resident invited
to a trial session is on that day's roll call with a "proef" badge."""

import datetime

import pytest
from django.utils import timezone

from groups.models import Attendance, Enrolment, Interest, Session
from participants.models import Participant
from tests.conftest import login_in_browser
from tests.factories import GroupFactory


@pytest.fixture
def walking_group(transactional_db, team_a, worker):
    """A group meeting today (00:00, so today's session has begun) with three members and two residents waiting."""
    today = timezone.localdate()
    group = GroupFactory(name="Wandelgroep Bilgaard", team=team_a, usual_weekday=today.weekday(),
                         usual_time=datetime.time(0, 0), start_date=today - datetime.timedelta(days=14), capacity=10)
    group.facilitators.add(worker)
    for i, name in enumerate(["Anna", "Sietske", "Klaas"]):
        person = Participant.objects.create(team=team_a, first_name=name, last_name=f"Lid{i}",
                                            birth_date=datetime.date(1970, 1, 1 + i))
        Enrolment.objects.create(group=group, participant=person, start_date=group.start_date)
    for days, (first, last) in ((40, ("Fatima", "El Amrani")), (10, ("Johan", "de Vries"))):
        person = Participant.objects.create(team=team_a, first_name=first, last_name=last,
                                            birth_date=datetime.date(1980, 5, 5))
        Interest.objects.create(group=group, participant=person, since=today - datetime.timedelta(days=days))
    return group


@pytest.mark.e2e
def test_a_social_worker_enrols_from_the_waiting_list_and_a_trial_resident_is_on_the_roll_call(
    page, live_server, worker, walking_group
):
    today = timezone.localdate()
    fatima = Participant.objects.get(first_name="Fatima")
    johan = Participant.objects.get(first_name="Johan")
    login_in_browser(page, live_server, worker.username)
    page.goto(f"{live_server.url}/collectieven/{walking_group.pk}/")
    assert "3 van 10 plaatsen bezet" in page.locator("#places").inner_text()

    # One tap: Fatima is enrolled from the list.
    row = page.locator(".waiting-row", has_text="Fatima El Amrani")
    assert "wacht 40 dagen" in row.inner_text()
    row.get_by_role("button", name="Inschrijven").click()
    page.wait_for_load_state()
    assert "Fatima El Amrani is ingeschreven bij Wandelgroep Bilgaard" in page.locator(".alert-success").inner_text()
    assert "Fatima El Amrani" in page.locator("#members").inner_text()
    assert page.locator(".waiting-row", has_text="Fatima").count() == 0
    assert Enrolment.objects.filter(group=walking_group, participant=fatima, start_date=today).exists()

    # Johan is invited to try today's session.
    row = page.locator(".waiting-row", has_text="Johan de Vries")
    row.locator("summary").click()
    row.get_by_label("Proefbijeenkomst op").select_option(today.isoformat())
    row.get_by_role("button", name="Uitnodigen").click()
    page.wait_for_load_state()
    assert "Uitgenodigd voor de proefbijeenkomst" in page.locator(".waiting-row", has_text="Johan").inner_text()

    # On today's roll call he has a "proef" badge, in text; he came.
    page.get_by_role("link", name="Nieuwe bijeenkomst").click()
    page.wait_for_selector("#session-form")
    johan_row = page.locator(f'.roll-row[data-participant="{johan.pk}"]')
    assert johan_row.locator(".trial-badge").inner_text() == "proef"
    assert "5 van 5 aanwezig" in page.locator("#roll-call-count").inner_text()
    page.locator(f'label[for="att-{fatima.pk}-absent"]').click()
    page.get_by_role("button", name="Bijeenkomst opslaan").click()
    page.wait_for_selector("#attendance-matrix")
    session = Session.objects.get(group=walking_group, date=today)
    assert Attendance.objects.get(session=session, participant=johan).status == "present"
    assert Attendance.objects.get(session=session, participant=fatima).status == "absent"
    assert not Enrolment.objects.filter(participant=johan).exists()
    assert "Kwam naar de proefbijeenkomst van" in page.locator("#wachtlijst").inner_text()


@pytest.mark.e2e
def test_the_new_group_pages_pass_axe(page, live_server, worker, walking_group):
    """WCAG 2.1 AA on the pages of issue 11, in the states a user meets (a list, a trial, errors)."""
    from groups import services
    from groups.models import HandOver
    from tests.e2e.test_accessibility import axe_violations, duplicate_ids
    from tests.factories import HelpRequestFactory

    today = timezone.localdate()
    johan = Participant.objects.get(first_name="Johan")
    Interest.objects.filter(participant=johan).update(status="trial", trial_date=today)
    HelpRequestFactory(participant=Participant.objects.get(first_name="Anna"), date=today - datetime.timedelta(60))
    course = GroupFactory(name="Geld Telt", team=walking_group.team, rhythm="course", planned_sessions=4,
                          start_date=today - datetime.timedelta(days=60), capacity=8)
    course.facilitators.add(worker)
    following = services.plan_next_series(worker, course, start_date=today + datetime.timedelta(days=7))
    enrolment = Enrolment.objects.create(group=course, participant=Participant.objects.get(first_name="Klaas"),
                                         start_date=course.start_date)
    handed = GroupFactory(name="Wandelclub Zelf", team=walking_group.team, status="self_running",
                          start_date=datetime.date(2023, 1, 1), handed_over_on=datetime.date(2024, 1, 1))
    handed.facilitators.add(worker)
    HandOver.objects.create(group=handed, planned_on=datetime.date(2024, 1, 1))

    login_in_browser(page, live_server, worker.username)
    base, g = live_server.url, walking_group.pk
    failures = []
    for path, action in [
        ("/", None),
        (f"/collectieven/{g}/", lambda: page.locator(".waiting-row summary").first.click()),
        (f"/collectieven/{g}/bijeenkomsten/nieuw/", None),
        (f"/collectieven/{g}/aanmelden/?q=Lid", None),
        (f"/collectieven/{g}/afbouwen/", lambda: page.get_by_role("button", name="Opslaan").click()),
        (f"/collectieven/{g}/status/", lambda: page.get_by_role("button", name="Opslaan").click()),
        (f"/collectieven/{course.pk}/", None),
        (f"/collectieven/{course.pk}/aanmeldingen/{enrolment.pk}/beeindigen/",
         lambda: page.get_by_role("button", name="Aanmelding beëindigen").click()),
        (f"/collectieven/{following.pk}/volgende-reeks/", lambda: (
            page.fill("input[name=start_date]", ""),
            page.get_by_role("button", name="Volgende reeks plannen").click())),
        (f"/collectieven/{handed.pk}/", None),
        (f"/collectieven/{handed.pk}/draait-het-nog/", lambda: page.get_by_role("button", name="Opslaan").click()),
    ]:
        page.goto(base + path)
        states = ["opened"]
        while states:
            violations, twice = axe_violations(page), duplicate_ids(page)
            if violations or twice:
                failures.append((path, states[0], violations, twice))
            if states.pop() == "opened" and action is not None:
                action()
                page.wait_for_load_state()
                states.append("after an action")
    assert not failures, failures
