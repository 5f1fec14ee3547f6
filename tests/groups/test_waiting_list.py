"""The waiting list: overflow at capacity, one tap to enrol, the trial session with its "proef" badge,
and the start page's residents who wait longer than four weeks (issue 11)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from collectief.models import AuditEvent
from groups.models import Attendance, Enrolment, Interest, Session
from tests.factories import GroupFactory, HelpRequestFactory, ParticipantFactory, SessionFactory

from .conftest import enrol_members, many_groups, on_the_list

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


@pytest.fixture
def fatima(team_a):
    return ParticipantFactory(team=team_a, first_name="Fatima", last_name="El Amrani")


@pytest.fixture
def johan(team_a):
    return ParticipantFactory(team=team_a, first_name="Johan", last_name="de Vries")


def detail(group):
    return reverse("groups:detail", args=[group.pk])


def waiting_section(body):
    start = body.index('id="wachtlijst"')
    return body[start:body.index("</section>", start)]


def full_group(group, capacity=3, enrolled=None):
    """Give the group a capacity and enrol that many residents (or ``enrolled``)."""
    group.capacity = capacity
    group.save(update_fields=["capacity"])
    return enrol_members(group, capacity if enrolled is None else enrolled)


# --- Overflow at capacity -------------------------------------------------------------------------------


def test_enrolling_in_a_full_group_puts_the_resident_on_the_waiting_list_and_says_so(client_for, worker, group,
                                                                                      fatima):
    full_group(group)
    client = client_for(worker)
    url = reverse("groups:enrol", args=[group.pk])
    page = client.get(url).content.decode()
    assert "“Aanmelden” zet de inwoner op de wachtlijst, tenzij je hieronder “toch aanmelden” aanvinkt." in page

    data = {"participant": fatima.pk, "role": "participant", "referral_source": "partner",
            "start_date": TODAY().isoformat()}
    response = client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Fatima El Amrani staat nu op de wachtlijst" in body and "toch aanmelden" in body
    assert not Enrolment.objects.filter(participant=fatima).exists()
    interest = Interest.objects.get(group=group, participant=fatima)
    assert (interest.status, interest.since, interest.referral_source) == ("interested", TODAY(), "partner")
    assert AuditEvent.objects.filter(event="interest.created", data__via="enrol_full").exists()

    # "Enrol anyway" after all: enrolled above the capacity, and off the list as enrolled.
    assert client.post(url, {**data, "confirm_capacity": "1"}).status_code == 302
    enrolment = Enrolment.objects.get(group=group, participant=fatima)
    interest.refresh_from_db()
    assert (interest.status, interest.enrolment, interest.ended_on) == ("enrolled", enrolment, TODAY())
    assert group.enrolments.not_ended().count() == 4


def test_a_group_with_room_enrols_at_once(client_for, worker, group, fatima):
    full_group(group, capacity=4, enrolled=3)
    response = client_for(worker).post(reverse("groups:enrol", args=[group.pk]), {
        "participant": fatima.pk, "role": "participant", "start_date": TODAY().isoformat()})
    assert response.status_code == 302
    assert Enrolment.objects.filter(participant=fatima).exists() and not Interest.objects.exists()


def test_the_enrol_page_puts_a_resident_on_the_waiting_list_even_when_there_is_room(client_for, worker, group,
                                                                                    fatima):
    client = client_for(worker)
    results = client.get(reverse("groups:participant_search", args=[group.pk]), {"q": "fatima"}).content.decode()
    assert f'formaction="{reverse("groups:waiting_add", args=[group.pk])}"' in results
    assert "Op de wachtlijst" in results

    response = client.post(reverse("groups:waiting_add", args=[group.pk]),
                           {"participant": fatima.pk, "referral_source": "own_worker", "role": "participant"})
    assert response.status_code == 302
    interest = Interest.objects.get(group=group, participant=fatima)
    assert interest.status == "interested" and interest.referral_source == "own_worker"
    assert not Enrolment.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Fatima El Amrani staat op de wachtlijst van Wandelgroep Bilgaard." in page

    again = client.post(reverse("groups:waiting_add", args=[group.pk]), {"participant": fatima.pk})
    assert again.status_code == 200
    assert "staat al op de wachtlijst" in again.content.decode()
    assert Interest.objects.count() == 1


def test_a_member_or_a_resident_of_another_team_cannot_be_put_on_the_list(client_for, worker, group, members,
                                                                          stranger):
    client = client_for(worker)
    for person in (members[0], stranger):
        response = client.post(reverse("groups:waiting_add", args=[group.pk]), {"participant": person.pk})
        assert response.status_code == 200
        assert "Deze inwoner is niet gevonden of zit al in het collectief." in response.content.decode()
    assert not Interest.objects.exists()


# --- The list on the group page ------------------------------------------------------------------------


def test_the_group_page_lists_the_waiting_list_with_places_and_days_waiting(client_for, worker, group, fatima,
                                                                            johan):
    full_group(group, capacity=4, enrolled=3)
    request = HelpRequestFactory(participant=fatima, theme="Eenzaamheid", date=TODAY() - 40 * DAY)
    on_the_list(group, fatima, days_ago=30, help_request=request)
    on_the_list(group, johan, days_ago=3, status="trial", trial_date=TODAY() + 2 * DAY)
    body = client_for(worker).get(detail(group)).content.decode()
    assert "3 van 4 plaatsen bezet" in body and "2 op de wachtlijst" in body
    section = waiting_section(body)
    assert section.index("Fatima El Amrani") < section.index("Johan de Vries")  # longest waiting first
    assert "wacht 30 dagen" in section and "wacht 3 dagen" in section
    assert "ondersteuningsvraag: Eenzaamheid" in section
    assert ">belangstelling<" in section and ">proef<" in section
    assert "Uitgenodigd voor de proefbijeenkomst van" in section
    assert section.count(">Inschrijven<") == 2
    event = AuditEvent.objects.get(event="group.viewed")
    assert {fatima.pk, johan.pk} <= set(event.participant_ids) and event.data["waiting"] == 2


def test_the_group_list_shows_places_taken_and_the_number_waiting(client_for, worker, group, fatima, johan):
    full_group(group, capacity=5, enrolled=3)
    on_the_list(group, fatima)
    on_the_list(group, johan)
    Interest.objects.create(group=group, participant=ParticipantFactory(team=group.team), status="withdrawn")
    body = client_for(worker).get(reverse("groups:list")).content.decode()
    assert '<td class="text-end places">3/5</td>' in body
    assert '<td class="text-end waiting">2</td>' in body


def test_the_group_list_still_runs_a_constant_number_of_queries(client_for, worker, team_a,
                                                                django_assert_max_num_queries):
    groups = many_groups(team_a, worker, 60)
    for g in groups[:20]:
        on_the_list(g, ParticipantFactory(team=team_a))
    client = client_for(worker)
    with django_assert_max_num_queries(12):
        client.get(reverse("groups:list"))


# --- One tap from the list -----------------------------------------------------------------------------


def test_one_tap_enrols_from_the_list_and_matches_the_help_request(client_for, worker, group, fatima):
    request = HelpRequestFactory(participant=fatima, date=TODAY() - 10 * DAY)
    interest = on_the_list(group, fatima, days_ago=5, help_request=request)
    response = client_for(worker).post(reverse("groups:waiting_enrol", args=[group.pk]), {"interest": interest.pk})
    assert response.status_code == 302 and response["Location"].endswith("#wachtlijst")
    enrolment = Enrolment.objects.get(group=group, participant=fatima)
    assert enrolment.start_date == TODAY() and enrolment.help_request == request
    interest.refresh_from_db()
    request.refresh_from_db()
    assert interest.status == "enrolled" and interest.enrolment == enrolment
    assert request.status == "matched"
    events = set(AuditEvent.objects.values_list("event", flat=True))
    assert {"enrolment.created", "interest.updated", "help_request.updated"} <= events
    assert AuditEvent.objects.get(event="enrolment.created").data["via"] == "waiting_list"


def test_a_full_group_enrols_from_the_list_only_above_the_capacity_on_purpose(client_for, worker, group, fatima):
    full_group(group)
    interest = on_the_list(group, fatima)
    client = client_for(worker)
    body = client.get(detail(group)).content.decode()
    assert "Toch inschrijven, boven het maximum" in waiting_section(body)

    url = reverse("groups:waiting_enrol", args=[group.pk])
    refused = client.post(url, {"interest": interest.pk})
    assert refused.status_code == 200
    assert "Fatima El Amrani blijft op de wachtlijst" in refused.content.decode()
    assert not Enrolment.objects.filter(participant=fatima).exists()

    assert client.post(url, {"interest": interest.pk, "confirm_capacity": "1"}).status_code == 302
    assert Enrolment.objects.filter(participant=fatima, group=group).exists()


def test_taking_a_resident_off_the_list(client_for, worker, group, fatima):
    interest = on_the_list(group, fatima)
    client = client_for(worker)
    response = client.post(reverse("groups:waiting_withdraw", args=[group.pk]), {"interest": interest.pk})
    assert response.status_code == 302
    interest.refresh_from_db()
    assert interest.status == "withdrawn" and interest.ended_on == TODAY()
    assert "Er staat niemand op de wachtlijst." in client.get(detail(group)).content.decode()


@pytest.mark.parametrize("view", ["groups:waiting_enrol", "groups:waiting_withdraw", "groups:waiting_trial"])
def test_a_row_of_another_list_or_garbage_is_refused_with_a_message(client_for, worker, group, team_a, fatima, view):
    elsewhere = GroupFactory(team=team_a, name="Kookgroep")
    interest = on_the_list(elsewhere, fatima)
    for value in (interest.pk, "abc", "99999999999999999999", ""):
        response = client_for(worker).post(reverse(view, args=[group.pk]), {"interest": value, "day": "2024-13-01"})
        assert response.status_code == 200
        assert "staat niet meer op de wachtlijst" in response.content.decode() or "geldige datum" in \
            response.content.decode()
    interest.refresh_from_db()
    assert interest.status == "interested" and not Enrolment.objects.exists()


@pytest.mark.parametrize("view", ["groups:waiting_enrol", "groups:waiting_withdraw", "groups:waiting_trial",
                                  "groups:waiting_add"])
def test_the_waiting_list_actions_follow_the_access_ladder(client, client_for, outsider, municipality_user, group,
                                                           fatima, view):
    interest = on_the_list(group, fatima)
    url = reverse(view, args=[group.pk])
    assert client.post(url, {"interest": interest.pk}).status_code == 302  # anonymous: to the login page
    assert client_for(municipality_user).post(url, {"interest": interest.pk}).status_code == 403
    assert client_for(outsider).post(url, {"interest": interest.pk}).status_code == 404
    interest.refresh_from_db()
    assert interest.status == "interested"


# --- The trial session ---------------------------------------------------------------------------------


def test_a_resident_invited_to_a_trial_is_on_that_days_roll_call_with_a_trial_badge(client_for, worker, group,
                                                                                   members, fatima):
    interest = on_the_list(group, fatima, days_ago=12)
    client = client_for(worker)
    body = client.get(detail(group)).content.decode()
    # The planned days ahead are offered; today is one when the group meets today.
    upcoming = [d for d in group.expected_dates(TODAY() + datetime.timedelta(weeks=8)) if d >= TODAY()]
    assert f'<option value="{upcoming[0].isoformat()}"' in waiting_section(body)

    response = client.post(reverse("groups:waiting_trial", args=[group.pk]),
                           {"interest": interest.pk, "day": TODAY().isoformat()})
    assert response.status_code == 302
    interest.refresh_from_db()
    assert interest.status == "trial" and interest.trial_date == TODAY() and interest.trial_session is None
    assert not Enrolment.objects.filter(participant=fatima).exists()

    form = client.get(reverse("groups:session_create", args=[group.pk])).content.decode()
    row = form[form.index(f'data-participant="{fatima.pk}"'):]
    row = row[:row.index("</li>")]
    assert "Fatima El Amrani" in row and '<span class="badge text-bg-warning fw-normal trial-badge">proef</span>' in row
    assert "13 van 13 aanwezig" in form
    # Another day's roll call does not list her.
    other_day = (TODAY() - 7 * DAY).isoformat()
    assert "El Amrani" not in client.get(reverse("groups:session_create", args=[group.pk]) + f"?date={other_day}")\
        .content.decode()

    # Her attendance is saved like everyone's; the list says whether she came.
    data = {"date": TODAY().isoformat(), "start_time": "00:00", "duration_minutes": "90", "status": "held",
            "head_count": "0", f"att-{fatima.pk}": "present", **{f"att-{p.pk}": "present" for p in members}}
    assert client.post(reverse("groups:session_create", args=[group.pk]), data).status_code == 302
    session = Session.objects.get(group=group, date=TODAY())
    assert Attendance.objects.get(session=session, participant=fatima).status == "present"
    assert not Enrolment.objects.filter(participant=fatima).exists()
    assert "Kwam naar de proefbijeenkomst van" in waiting_section(client.get(detail(group)).content.decode())


def test_the_list_says_when_a_trial_resident_did_not_come(client_for, worker, group, fatima):
    day = datetime.date(2024, 5, 2)
    session = SessionFactory(group=group, date=day, start_time=datetime.time(10))
    on_the_list(group, fatima, status="trial", trial_date=day)
    Attendance.objects.create(session=session, participant=fatima, status="absent")
    section = waiting_section(client_for(worker).get(detail(group)).content.decode())
    assert "Kwam niet naar de proefbijeenkomst van donderdag 2 mei." in section


def test_inviting_to_a_logged_session_links_it(worker, group, fatima):
    from groups import services

    session = SessionFactory(group=group, date=TODAY(), start_time=datetime.time(0))
    interest = services.invite_to_trial(worker, on_the_list(group, fatima), on=TODAY())
    assert interest.trial_session == session


def test_a_trial_day_outside_the_groups_period_is_refused_with_a_message(client_for, worker, group, fatima):
    group.end_date = TODAY() + 14 * DAY
    group.save(update_fields=["end_date"])
    interest = on_the_list(group, fatima)
    url = reverse("groups:waiting_trial", args=[group.pk])
    for day in ("2023-06-01", (TODAY() + 30 * DAY).isoformat()):
        response = client_for(worker).post(url, {"interest": interest.pk, "day": day})
        assert response.status_code == 200
        assert "Kies een dag waarop het collectief bij elkaar komt" in response.content.decode()
    interest.refresh_from_db()
    assert interest.status == "interested" and interest.trial_date is None


def test_the_roll_call_with_trial_residents_still_takes_at_most_12_queries(client_for, worker, big_group,
                                                                          django_assert_max_num_queries):
    for _ in range(5):
        on_the_list(big_group, ParticipantFactory(team=big_group.team), status="trial", trial_date=TODAY())
    client = client_for(worker)
    with django_assert_max_num_queries(12):
        body = client.get(reverse("groups:session_create", args=[big_group.pk])).content.decode()
    assert body.count("trial-badge") == 5 and body.count('value="absent"') == 35


def test_the_group_page_with_a_waiting_list_still_takes_at_most_12_queries(client_for, worker, big_group,
                                                                          django_assert_max_num_queries):
    for days in range(10):
        on_the_list(big_group, ParticipantFactory(team=big_group.team), days_ago=days)
    client = client_for(worker)
    # 12, plus one aggregate query for the change-wish figures of the group (issue 12) and one for the
    # sign-ups from the public group finder (issue 13).
    with django_assert_max_num_queries(14):
        body = client.get(detail(big_group)).content.decode()
    assert body.count('class="list-group-item waiting-row"') == 10


# --- The start page: waiting longer than four weeks -----------------------------------------------------


def test_the_start_page_lists_residents_of_my_teams_waiting_longer_than_four_weeks(client_for, worker, group, team_a,
                                                                                   team_b, fatima, johan):
    on_the_list(group, fatima, days_ago=35)
    on_the_list(group, johan, days_ago=10)  # not yet four weeks
    anna = ParticipantFactory(team=team_a, first_name="Anna", last_name="Bakker")
    request = HelpRequestFactory(participant=anna, theme="Schulden", date=TODAY() - 50 * DAY)
    HelpRequestFactory(participant=ParticipantFactory(team=team_a, first_name="Kees", last_name="Recent"),
                       date=TODAY() - 5 * DAY)
    closed = ParticipantFactory(team=team_a, first_name="Gesloten", last_name="Vraag")
    HelpRequestFactory(participant=closed, date=TODAY() - 60 * DAY, status="closed", close_reason="solved")
    HelpRequestFactory(participant=ParticipantFactory(team=team_b, first_name="Bram", last_name="Vreemd"),
                       date=TODAY() - 60 * DAY)
    body = client_for(worker).get("/").content.decode()
    section = body[body.index('id="waiting-long"'):]
    section = section[:section.index("</ul>")]
    assert section.index("Anna Bakker") < section.index("Fatima El Amrani")  # longest first
    assert "50 dagen" in section and "35 dagen" in section
    assert "ondersteuningsvraag “Schulden”, nog niet gekoppeld" in section
    assert f'{reverse("pathway:queue")}#vraag-{request.pk}' in section
    assert f'{detail(group)}#wachtlijst' in section
    for absent in ("Johan", "Recent", "Gesloten", "Vreemd"):
        assert absent not in section
    event = AuditEvent.objects.get(event="interest.viewed")
    assert set(event.participant_ids) == {anna.pk, fatima.pk}


def test_a_request_that_waits_on_a_list_is_shown_once_counted_from_the_request(client_for, worker, group, fatima):
    request = HelpRequestFactory(participant=fatima, date=TODAY() - 45 * DAY)
    on_the_list(group, fatima, days_ago=7, help_request=request)
    body = client_for(worker).get("/").content.decode()
    section = body[body.index('id="waiting-long"'):body.index("</ul>", body.index('id="waiting-long"'))]
    assert section.count("Fatima El Amrani") == 1 and "45 dagen" in section and "wachtlijst van" in section


def test_exactly_four_weeks_is_not_longer_than_four_weeks(client_for, worker, group, fatima, johan):
    on_the_list(group, fatima, days_ago=28)
    client = client_for(worker)
    assert 'id="waiting-long"' not in client.get("/").content.decode()
    on_the_list(group, johan, days_ago=29)
    body = client.get("/").content.decode()
    assert 'id="waiting-long"' in body and "Johan de Vries" in body and "Fatima" not in body


def test_the_start_page_with_many_waiting_takes_a_constant_number_of_queries(client_for, worker, team_a, group,
                                                                            django_assert_max_num_queries):
    many_groups(team_a, worker, 30)
    for i in range(60):
        person = ParticipantFactory(team=team_a)
        on_the_list(group, person, days_ago=30 + i)
        HelpRequestFactory(participant=ParticipantFactory(team=team_a), date=TODAY() - (40 + i) * DAY)
    client = client_for(worker)
    # the start page's 8 (issue 13: sign-ups, offers to check), and the audit of the names shown
    with django_assert_max_num_queries(9):
        body = client.get("/").content.decode()
    section = body[body.index('id="waiting-long"'):body.index("</ul>", body.index('id="waiting-long"'))]
    assert section.count("list-group-item") == 50
    assert "Alleen de 50 die het langst wachten staan hier." in body
