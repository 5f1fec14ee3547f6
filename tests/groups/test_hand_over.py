"""Hand-over to self-running: the dated status history, afbouwen with co-leads and a checklist,
"Overdragen", no roll call after the hand-over, and the quarterly "draait het nog?" (issue 11)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from collectief.models import AuditEvent, EndReason
from groups import services
from groups.models import Enrolment, Group, GroupCheck, GroupStatusChange, HandOver, Session
from tests.factories import GroupFactory

from .conftest import enrol_members

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)
D = datetime.date


def detail_body(client, group):
    return client.get(reverse("groups:detail", args=[group.pk])).content.decode()


def section(body, marker):
    start = body.index(marker)
    return body[start:body.index("</section>", start)]


def quarter_start(day):
    return D(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


# --- The status history ------------------------------------------------------------------------------


def test_a_new_group_starts_its_status_history(client_for, worker, team_a):
    from .test_groups import group_data

    client_for(worker).post(reverse("groups:create"), group_data(team_a, [worker], status="forming"))
    group = Group.objects.get()
    change = GroupStatusChange.objects.get(group=group)
    assert (change.status, change.date, change.changed_by) == ("forming", TODAY(), worker)
    assert AuditEvent.objects.filter(event="group_status.created").count() == 1


def test_changing_the_status_keeps_a_dated_history_shown_on_the_group_page(client_for, worker, group):
    client = client_for(worker)
    url = reverse("groups:status", args=[group.pk])
    page = client.get(url).content.decode()
    assert 'value="running"' not in page  # the current status is not a choice
    assert client.post(url, {"status": "ended", "date": "2024-12-19", "note": "Laatste bijeenkomst"}).status_code \
        == 302
    group.refresh_from_db()
    assert group.status == "ended" and group.end_date == D(2024, 12, 19)
    history = section(detail_body(client, group), 'id="status"')
    assert "19 december 2024: <strong>Beëindigd</strong> – Laatste bijeenkomst" in history
    assert {"group.updated", "group_status.created"} <= set(AuditEvent.objects.values_list("event", flat=True))


@pytest.mark.parametrize("data, message", [
    ({"status": "running", "date": "2024-12-19"}, "geldige keuze"),  # the status it already has
    ({"status": "ended", "date": "2024-02-30"}, "geldige datum"),
    ({"status": "self_running", "date": "2023-01-01"}, "overdrachtsdatum kan niet"),
    ({"status": "zzz", "date": ""}, "verplicht"),
])
def test_a_bad_status_change_gives_a_message_and_changes_nothing(client_for, worker, group, data, message):
    response = client_for(worker).post(reverse("groups:status", args=[group.pk]), data)
    assert response.status_code == 200 and message in response.content.decode()
    group.refresh_from_db()
    assert group.status == "running" and not GroupStatusChange.objects.exists()


def test_a_status_changed_on_the_group_form_enters_the_history_too(client_for, worker, group):
    from .test_groups import group_data

    data = group_data(group.team, [worker], name=group.name, status="self_running", handed_over_on="2024-10-01")
    assert client_for(worker).post(reverse("groups:edit", args=[group.pk]), data).status_code == 302
    change = GroupStatusChange.objects.get(group=group)
    assert (change.status, change.date) == ("self_running", D(2024, 10, 1))


def test_taking_a_self_running_group_back_clears_its_hand_over_date(worker, group):
    services.change_group_status(worker, group, "self_running", on=D(2024, 10, 1))
    services.change_group_status(worker, group, "running", on=D(2024, 11, 1))
    group.refresh_from_db()
    assert group.handed_over_on is None
    assert list(group.status_changes.values_list("status", flat=True)) == ["self_running", "running"]


# --- Afbouwen and Overdragen -----------------------------------------------------------------------------


def test_planning_the_hand_over_names_co_leads_and_moves_the_group_to_phasing_out(client_for, worker, group):
    anna, bauke, *_ = enrol_members(group, 4)
    client = client_for(worker)
    url = reverse("groups:hand_over", args=[group.pk])
    page = client.get(url).content.decode()
    assert f'value="{group.enrolments.get(participant=anna).pk}"' in page and "Anna" in page

    data = {"planned_on": (TODAY() + 14 * DAY).isoformat(), "contact_person": "Anna (06-12345678)",
            "room_or_key": "Sleutel bij de beheerder van De Schalm", "agreements": "Koffie uit eigen pot",
            "check_quarterly": "on",
            "co_leads": [group.enrolments.get(participant=p).pk for p in (anna, bauke)]}
    assert client.post(url, data).status_code == 302
    plan = HandOver.objects.get(group=group)
    assert plan.planned_on == TODAY() + 14 * DAY and plan.check_quarterly and plan.updated_by == worker
    group.refresh_from_db()
    assert group.status == "phasing_out"
    assert set(group.enrolments.filter(role="co_lead").values_list("participant_id", flat=True)) == {anna.pk, bauke.pk}
    events = list(AuditEvent.objects.values_list("event", flat=True))
    assert "hand_over.created" in events and "group_status.created" in events and events.count("enrolment.updated") == 2

    body = detail_body(client, group)
    part = section(body, 'id="status"')
    assert "<strong>Afbouwen</strong>" in part and "Sleutel bij de beheerder van De Schalm" in part
    co_leads = part[part.index("Mede-begeleiders (inwoners)"):]
    assert "Anna" in co_leads[:200] and "Sietske" in co_leads[:200]
    assert "Overdragen</button>" not in part  # the date has not come yet

    # Un-ticking a co-lead makes them a participant again.
    data["co_leads"] = [group.enrolments.get(participant=anna).pk]
    client.post(url, data)
    assert set(group.enrolments.filter(role="co_lead").values_list("participant_id", flat=True)) == {anna.pk}


def test_a_bad_hand_over_plan_gives_a_message_and_saves_nothing(client_for, worker, group, other_group):
    foreign = enrol_members(other_group, 1)[0]
    for data in ({"planned_on": ""}, {"planned_on": "2023-05-01"}, {"planned_on": "2024-13-01"},
                 {"planned_on": "2025-01-01", "co_leads": [other_group.enrolments.get(participant=foreign).pk]}):
        response = client_for(worker).post(reverse("groups:hand_over", args=[group.pk]), data)
        assert response.status_code == 200
        assert "Verbeter de gemarkeerde velden" in response.content.decode()
    assert not HandOver.objects.exists()
    group.refresh_from_db()
    assert group.status == "running"


def test_overdragen_on_the_date_makes_the_group_self_running_from_that_date(client_for, worker, group):
    HandOver.objects.create(group=group, planned_on=TODAY() + 3 * DAY)
    group.status = "phasing_out"
    group.save(update_fields=["status"])
    client = client_for(worker)
    url = reverse("groups:hand_over_done", args=[group.pk])
    early = client.post(url, follow=True)
    assert "draag het collectief op of na die dag over" in early.content.decode()
    group.refresh_from_db()
    assert group.status == "phasing_out" and group.handed_over_on is None

    HandOver.objects.filter(group=group).update(planned_on=TODAY() - 2 * DAY)
    assert "Overdragen</button>" in detail_body(client, group)
    response = client.post(url, follow=True)
    assert "is vanaf" in response.content.decode() and "overgedragen aan de deelnemers" in response.content.decode()
    group.refresh_from_db()
    assert group.status == "self_running" and group.handed_over_on == TODAY() - 2 * DAY
    assert group.status_changes.last().status == "self_running"


def test_no_roll_call_after_the_hand_over(client_for, worker, group, members):
    services.change_group_status(worker, group, "self_running", on=TODAY() - 7 * DAY)
    client = client_for(worker)
    body = detail_body(client, group)
    assert reverse("groups:session_create", args=[group.pk]) + '"' not in body  # no "Nieuwe bijeenkomst"
    form = client.get(reverse("groups:session_create", args=[group.pk])).content.decode()
    assert "overgedragen aan de deelnemers: bijeenkomsten vanaf die dag worden niet geregistreerd" in form

    data = {"date": TODAY().isoformat(), "start_time": "00:00", "duration_minutes": "90", "status": "held",
            "head_count": "0", **{f"att-{p.pk}": "present" for p in members}}
    response = client.post(reverse("groups:session_create", args=[group.pk]), data)
    assert response.status_code == 200
    assert "geen presentielijst na de overdracht" in response.content.decode()
    assert not Session.objects.exists()

    # An earlier session (before the hand-over) can still be logged.
    data["date"] = (TODAY() - 10 * DAY).isoformat()
    assert client.post(reverse("groups:session_create", args=[group.pk]), data).status_code == 302
    session = Session.objects.get()
    # …but not moved onto or after the hand-over date.
    data["date"] = (TODAY() - 7 * DAY).isoformat()
    edit = client.post(reverse("groups:session_edit", args=[group.pk, session.pk]), {**data, "version": "1"})
    assert edit.status_code == 200 and "geen presentielijst na de overdracht" in edit.content.decode()
    session.refresh_from_db()
    assert session.date == TODAY() - 10 * DAY


# --- "Draait het nog?" ---------------------------------------------------------------------------------


@pytest.fixture
def handed_over(team_a, worker):
    """A walking group handed over in an earlier quarter, facilitated by the worker, with a quarterly check."""
    before = quarter_start(TODAY()) - 20 * DAY
    group = GroupFactory(name="Wandelclub Zelf", team=team_a, status="self_running", handed_over_on=before,
                         start_date=D(2023, 1, 1))
    group.facilitators.add(worker)
    HandOver.objects.create(group=group, planned_on=before, check_quarterly=True)
    return group


def test_the_former_facilitator_is_asked_once_a_quarter_and_answers_on_the_start_page(client_for, worker, colleague,
                                                                                       handed_over):
    client = client_for(worker)
    body = client.get("/").content.decode()
    assert 'id="to-check"' in body and "Wandelclub Zelf" in section(body, 'id="to-check-title"')
    # A colleague who did not run it is not asked.
    assert 'id="to-check"' not in client_for(colleague, client=type(client)()).get("/").content.decode()

    response = client.post(reverse("groups:check", args=[handed_over.pk]),
                           {"still_meets": "yes", "approx_attendance": "7", "next": "start"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    check = GroupCheck.objects.get(group=handed_over)
    assert (check.still_meets, check.approx_attendance, check.checked_by, check.date) == (True, 7, worker, TODAY())
    assert AuditEvent.objects.filter(event="group_check.created").exists()
    assert 'id="to-check"' not in client.get("/").content.decode()  # answered for this quarter

    checks = client.get(reverse("groups:detail", args=[handed_over.pk])).content.decode()
    listed = checks[checks.index('id="checks"'):]
    assert "komt nog bij elkaar, er komen er ongeveer 7" in listed[:400]


def test_no_question_for_a_group_handed_over_this_quarter_or_without_the_check(client_for, worker, handed_over):
    handed_over.handed_over_on = quarter_start(TODAY())
    handed_over.save(update_fields=["handed_over_on"])
    client = client_for(worker)
    assert 'id="to-check"' not in client.get("/").content.decode()
    handed_over.handed_over_on = quarter_start(TODAY()) - DAY
    handed_over.save(update_fields=["handed_over_on"])
    HandOver.objects.filter(group=handed_over).update(check_quarterly=False)
    assert 'id="to-check"' not in client.get("/").content.decode()


def test_a_check_without_an_answer_gives_a_message(client_for, worker, handed_over):
    url = reverse("groups:check", args=[handed_over.pk])
    for data in ({}, {"still_meets": "maybe"}, {"still_meets": "yes", "approx_attendance": "-3"},
                 {"still_meets": "yes", "approx_attendance": "99999999999999999999"}):
        response = client_for(worker).post(url, data)
        assert response.status_code == 200
    assert not GroupCheck.objects.exists()
    # "No longer meets" stores no number.
    client_for(worker).post(url, {"still_meets": "no", "approx_attendance": "5"})
    assert GroupCheck.objects.get().approx_attendance is None


def test_a_group_run_by_the_organisation_is_not_checked(client_for, worker, group):
    response = client_for(worker).post(reverse("groups:check", args=[group.pk]), {"still_meets": "yes"})
    assert response.status_code == 302 and not GroupCheck.objects.exists()


@pytest.mark.parametrize("name", ["groups:status", "groups:hand_over", "groups:hand_over_done", "groups:check"])
def test_the_hand_over_pages_follow_the_access_ladder(client, client_for, outsider, municipality_user, handed_over,
                                                      name):
    url = reverse(name, args=[handed_over.pk])
    assert client.get(url).status_code == 302
    assert client_for(municipality_user).get(url).status_code == 403
    assert client_for(outsider).post(url, {"status": "running", "date": "2024-01-01", "still_meets": "yes",
                                           "planned_on": "2024-01-01"}).status_code == 404
    handed_over.refresh_from_db()
    assert handed_over.status == "self_running" and not GroupCheck.objects.exists()


def test_the_hand_over_ends_the_organisations_support_with_end_reason_self_running(worker, group, members):
    left = Enrolment.objects.get(group=group, participant=members[0])
    left.end_date, left.end_reason = D(2024, 3, 1), EndReason.objects.get(code="moved")
    left.save()
    services.change_group_status(worker, group, "self_running", on=TODAY())
    ended = Enrolment.objects.filter(group=group).exclude(pk=left.pk)
    assert ended.count() == 11
    assert set(ended.values_list("end_date", "end_reason__code")) == {(TODAY() - DAY, "self_running")}
    left.refresh_from_db()
    assert (left.end_date, left.end_reason.code) == (D(2024, 3, 1), "moved")  # an earlier end stays
    assert AuditEvent.objects.filter(event="enrolment.updated").count() == 11
