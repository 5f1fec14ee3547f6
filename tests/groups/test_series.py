"""Series: a course runs as numbered series; "next series" ends and re-enrols in one step (issue 11)."""

import datetime

import pytest
from django.urls import reverse

from collectief.models import AuditEvent
from groups import services
from groups.models import Enrolment, Group
from tests.factories import EnrolmentFactory, ParticipantFactory

D = datetime.date


@pytest.fixture
def fatima(team_a):
    return ParticipantFactory(team=team_a, first_name="Fatima", last_name="El Amrani")


@pytest.fixture
def enrolment(course, fatima):
    return EnrolmentFactory(group=course, participant=fatima, start_date=D(2024, 9, 3), role="co_lead",
                            referral_source="partner")


def end_url(enrolment):
    return reverse("groups:enrolment_end", args=[enrolment.group_id, enrolment.pk])


def test_a_course_page_shows_its_series_and_offers_to_plan_the_next(client_for, worker, course):
    body = client_for(worker).get(reverse("groups:detail", args=[course.pk])).content.decode()
    series = body[body.index('id="series"'):body.index("</dd>", body.index('id="series"'))]
    assert "Reeks 1" in series and "Volgende reeks plannen" in series
    assert reverse("groups:series_next", args=[course.pk]) in series


def test_a_weekly_group_has_no_series(client_for, worker, group):
    assert 'id="series"' not in client_for(worker).get(reverse("groups:detail", args=[group.pk])).content.decode()


def test_planning_the_next_series_copies_the_set_up_with_dates_of_its_own(client_for, worker, colleague, course):
    course.facilitators.add(colleague)
    client = client_for(worker)
    url = reverse("groups:series_next", args=[course.pk])
    page = client.get(url).content.decode()
    # Proposed: a week after the fourth and last meeting (Tuesday 24 September 2024).
    assert 'value="2024-10-01"' in page

    response = client.post(url, {"start_date": "2024-10-08"})
    following = Group.objects.get(previous_series=course)
    assert response.status_code == 302 and response["Location"] == reverse("groups:detail", args=[following.pk])
    course.refresh_from_db()
    assert (course.series_number, following.series_number) == (1, 2)
    assert following.start_date == D(2024, 10, 8) and following.status == "forming"
    assert (following.name, following.rhythm, following.planned_sessions, following.capacity) == (
        "Geld Telt", "course", 4, 10)
    assert set(following.facilitators.all()) == {worker, colleague}
    assert following.expected_dates(D(2024, 12, 31)) == [D(2024, 10, 8), D(2024, 10, 15), D(2024, 10, 22),
                                                          D(2024, 10, 29)]
    assert AuditEvent.objects.filter(event="group.created", object_id=str(following.pk)).exists()

    # Both pages link to each other.
    second = client.get(response["Location"]).content.decode()
    assert "Reeks 2" in second and f'href="{reverse("groups:detail", args=[course.pk])}" id="previous-series"' in second
    first = client.get(reverse("groups:detail", args=[course.pk])).content.decode()
    assert f'href="{reverse("groups:detail", args=[following.pk])}" id="next-series"' in first
    assert "Volgende reeks plannen" not in first

    # A second plan of the same next series is not made: the existing one opens.
    again = client.post(url, {"start_date": "2024-11-05"})
    assert again.status_code == 302 and Group.objects.filter(previous_series=course).count() == 1


@pytest.mark.parametrize("value, message", [
    ("2024-09-03", "De volgende reeks begint na deze reeks"),
    ("2024-02-30", "geldige datum"),
    ("", "verplicht"),
])
def test_a_bad_start_date_of_the_next_series_gives_a_message(client_for, worker, course, value, message):
    response = client_for(worker).post(reverse("groups:series_next", args=[course.pk]), {"start_date": value})
    assert response.status_code == 200 and message in response.content.decode()
    assert Group.objects.count() == 1


# --- Ending with "next series": one step --------------------------------------------------------------


def test_the_end_page_offers_the_next_steps_as_choices(client_for, worker, enrolment):
    body = client_for(worker).get(end_url(enrolment)).content.decode()
    fieldset = body[body.index('id="next-step"'):body.index("</fieldset>")]
    assert "<legend" in fieldset and "Volgende stap van de deelnemer" in fieldset
    for label in ("Door naar een ander collectief", "Door naar individuele ondersteuning",
                  "Door naar een volgende reeks", "Afgerond, geen verdere ondersteuning nodig"):
        assert label in fieldset
    assert fieldset.count('type="radio"') == 8
    assert "nog geen volgende reeks gepland" in fieldset


def test_next_series_ends_and_enrols_in_the_next_series_in_one_step(client_for, worker, course, enrolment):
    following = services.plan_next_series(worker, course, start_date=D(2024, 10, 8))
    client = client_for(worker)
    assert "in één stap aangemeld bij reeks 2 vanaf 8 oktober 2024" in client.get(end_url(enrolment)).content.decode()

    response = client.post(end_url(enrolment), {"end_date": "2024-09-24", "end_reason": "next_series"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("groups:detail", args=[course.pk])
    assert "Fatima El Amrani gaat door naar reeks 2 van Geld Telt: daar aangemeld vanaf 8 oktober 2024" in \
        response.content.decode()
    enrolment.refresh_from_db()
    assert (enrolment.end_date, enrolment.end_reason_id) == (D(2024, 9, 24), "next_series")
    moved = Enrolment.objects.get(group=following)
    assert (moved.participant_id, moved.start_date, moved.role, moved.referral_source) == (
        enrolment.participant_id, D(2024, 10, 8), "co_lead", "partner")
    assert AuditEvent.objects.filter(event="enrolment.created", data__via="next_series").exists()


def test_next_series_without_a_planned_one_asks_to_plan_it_first_and_changes_nothing(client_for, worker, enrolment):
    response = client_for(worker).post(end_url(enrolment), {"end_date": "2024-09-24", "end_reason": "next_series"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Er is nog geen volgende reeks van Geld Telt gepland. Plan eerst de volgende reeks" in body
    assert reverse("groups:series_next", args=[enrolment.group_id]) in body
    enrolment.refresh_from_db()
    assert enrolment.end_date is None
    assert not AuditEvent.objects.filter(event="enrolment.updated").exists()


def test_a_full_next_series_refuses_and_the_enrolment_stays_as_it_was(client_for, worker, course, enrolment, team_a):
    following = services.plan_next_series(worker, course, start_date=D(2024, 10, 8))
    following.capacity = 1
    following.save(update_fields=["capacity"])
    EnrolmentFactory(group=following, participant=ParticipantFactory(team=team_a), start_date=D(2024, 10, 8))
    response = client_for(worker).post(end_url(enrolment), {"end_date": "2024-09-24", "end_reason": "next_series"})
    assert response.status_code == 200 and "is vol" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.end_date is None and following.enrolments.count() == 1


def test_the_series_pages_follow_the_access_ladder(client, client_for, outsider, municipality_user, course):
    url = reverse("groups:series_next", args=[course.pk])
    assert client.get(url).status_code == 302
    assert client_for(municipality_user).get(url).status_code == 403
    assert client_for(outsider).post(url, {"start_date": "2024-10-08"}).status_code == 404
    assert Group.objects.count() == 1
