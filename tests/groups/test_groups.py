"""The groups list, the group page with its attendance matrix, and creating / editing a group."""

import datetime

import pytest
from django.urls import reverse

from collectief.models import AuditEvent
from groups.models import Group
from tests.factories import GroupFactory, MembershipFactory, UserFactory

from .conftest import many_groups

LIST = reverse("groups:list")


# --- List ----------------------------------------------------------------------------------------


def test_the_list_shows_member_count_and_last_session(client_for, worker, big_group):
    body = client_for(worker).get(LIST).content.decode()
    assert "Wandelgroep Bilgaard" in body
    assert '<td class="text-end">30</td>' in body
    last = big_group.sessions.order_by("-date").first().date
    assert last.strftime("%Y") in body


def test_the_list_runs_a_constant_number_of_queries(client_for, worker, team_a, django_assert_max_num_queries):
    many_groups(team_a, worker, 60)
    client = client_for(worker)
    # Session, user, menu (2), filter choices (4), count, page, life domains: none per group.
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    assert response.content.decode().count("/collectieven/") >= 50


@pytest.mark.parametrize(
    "query, shown, hidden",
    [
        ("status=self_running", "Koffie-inloop", "Wandelgroep"),
        ("kind=meet", "Koffie-inloop", "Wandelgroep"),
        ("life_domain=zingeving", "Koffie-inloop", "Wandelgroep"),
        ("q=koffie", "Koffie-inloop", "Wandelgroep"),
    ],
)
def test_the_list_filters(client_for, worker, group, team_a, query, shown, hidden):
    GroupFactory(name="Koffie-inloop", team=team_a, kind_id="meet", status="self_running",
                 life_domains=["zingeving"], handed_over_on=datetime.date(2024, 6, 1))
    body = client_for(worker).get(f"{LIST}?{query}").content.decode()
    assert shown in body and hidden not in body


def test_the_list_filters_by_neighbourhood_and_team(client_for, coordinator, group, team_a, neighbourhood):
    GroupFactory(name="Stadsbreed", team=team_a, neighbourhood=None)
    body = client_for(coordinator).get(f"{LIST}?neighbourhood={neighbourhood.pk}&team={team_a.pk}").content.decode()
    assert "Wandelgroep" in body and "Stadsbreed" not in body


@pytest.mark.parametrize("query", [
    "kind=nonsense", "status=%00", "team=abc", "team=999999", "neighbourhood=-1", "life_domain=x" * 30,
    "page=abc", "page=999", "q=" + "x" * 500, "q=ab%00cd",
])
def test_garbage_in_the_filters_gives_no_error(client_for, worker, group, query):
    assert client_for(worker).get(f"{LIST}?{query}").status_code == 200


def test_a_team_of_another_municipality_cannot_be_used_as_a_filter(client_for, worker, other_group, team_b):
    body = client_for(worker).get(f"{LIST}?team={team_b.pk}").content.decode()
    assert other_group.name not in body


# --- Detail --------------------------------------------------------------------------------------


def test_the_group_page_shows_members_roles_facilitators_and_the_matrix(client_for, worker, group, members):
    from groups.models import Enrolment, Session

    Enrolment.objects.filter(participant=members[0]).update(role="co_lead")
    session = Session.objects.create(group=group, date=datetime.date(2024, 3, 7), start_time=datetime.time(10))
    session.mark_attendance({members[0].pk: "present", members[1].pk: "absent", members[2].pk: "excused"})
    Session.objects.create(group=group, date=datetime.date(2024, 3, 14), start_time=datetime.time(10),
                           status="cancelled")
    body = client_for(worker).get(reverse("groups:detail", args=[group.pk])).content.decode()
    assert members[0].full_name in body and "mede-begeleider" in body
    assert "Sanne" in body  # facilitator
    assert 'class="att-present"' in body and 'class="att-absent"' in body and 'class="att-excused"' in body
    assert 'class="att-cancelled"' in body
    assert "12 deelnemers" in body
    assert AuditEvent.objects.filter(event="group.viewed", object_id=str(group.pk)).exists()


def test_the_group_page_runs_a_constant_number_of_queries(client_for, worker, big_group,
                                                         django_assert_max_num_queries):
    client = client_for(worker)
    # 12, plus one aggregate query for the change-wish figures of the group (issue 12) and one for the
    # sign-ups from the public group finder (issue 13).
    with django_assert_max_num_queries(14):
        body = client.get(reverse("groups:detail", args=[big_group.pk])).content.decode()
    # 30 members x the last 12 sessions.
    assert body.count('class="att-present"') + body.count('class="att-absent"') == 30 * 12


def test_the_group_page_lists_former_participants_with_their_end_reason(client_for, worker, group, members):
    from groups.models import Enrolment

    Enrolment.objects.filter(participant=members[0]).update(
        end_date=datetime.date(2024, 5, 1), end_reason_id="to_individual_support"
    )
    body = client_for(worker).get(reverse("groups:detail", args=[group.pk])).content.decode()
    assert "Door naar individuele ondersteuning" in body
    assert "11 deelnemers" in body


# --- Create / edit -------------------------------------------------------------------------------


def group_data(team, facilitators=(), **extra):
    data = {
        "name": "Geld Telt", "kind": "support", "theme": "Grip op geld", "life_domains": ["financien"],
        "framework": "wgs", "team": str(team.pk), "neighbourhood": "", "location": "Buurthuis De Schalm",
        "rhythm": "course", "usual_weekday": "1", "usual_time": "10:00", "usual_duration_minutes": "120",
        "planned_sessions": "4", "capacity": "10", "facilitators": [str(u.pk) for u in facilitators],
        "status": "running", "start_date": "2024-09-03",
        "end_date": "", "handed_over_on": "",
    }
    data.update(extra)
    return data


def test_a_worker_creates_a_group(client_for, worker, team_a):
    response = client_for(worker).post(reverse("groups:create"), group_data(team_a, [worker]))
    group = Group.objects.get(name="Geld Telt")
    assert response.status_code == 302 and response["Location"] == reverse("groups:detail", args=[group.pk])
    assert list(group.facilitators.all()) == [worker]
    assert list(group.life_domains.values_list("code", flat=True)) == ["financien"]
    assert group.planned_sessions == 4 and group.usual_time == datetime.time(10)
    event = AuditEvent.objects.get(event="group.created")
    assert "name" in event.data["fields"]


def test_the_new_group_form_suggests_my_team_and_me(client_for, worker, team_a):
    body = client_for(worker).get(reverse("groups:create")).content.decode()
    assert f'value="{worker.pk}"' in body and "checked" in body


def test_a_group_run_by_the_organisation_needs_a_social_worker(client_for, worker, team_a):
    response = client_for(worker).post(reverse("groups:create"), group_data(team_a, []))
    assert response.status_code == 200
    assert "minstens één sociaal werker" in response.content.decode()
    assert not Group.objects.exists()
    assert not AuditEvent.objects.filter(event="group.created").exists()


def test_a_self_running_group_needs_no_social_worker_but_a_hand_over_date(client_for, worker, team_a):
    client = client_for(worker)
    response = client.post(reverse("groups:create"), group_data(team_a, [], status="self_running"))
    assert response.status_code == 200
    assert "overgedragen" in response.content.decode()
    assert not Group.objects.exists()
    response = client.post(
        reverse("groups:create"), group_data(team_a, [], status="self_running", handed_over_on="2024-12-01")
    )
    assert response.status_code == 302
    assert Group.objects.get().handed_over_on == datetime.date(2024, 12, 1)


def test_handing_over_a_running_group_requires_the_date(client_for, worker, group):
    url = reverse("groups:edit", args=[group.pk])
    data = group_data(group.team, [worker], name=group.name, status="self_running")
    response = client_for(worker).post(url, data)
    assert response.status_code == 200
    group.refresh_from_db()
    assert group.status == "running"
    assert group.handed_over_on is None
    assert not AuditEvent.objects.filter(event="group.updated").exists()
    response = client_for(worker).post(url, {**data, "handed_over_on": "2024-10-01"})
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.status == "self_running"
    assert AuditEvent.objects.filter(event="group.updated", object_id=str(group.pk)).exists()


def test_facilitators_and_team_are_limited_to_my_teams(client_for, worker, team_a, team_b, outsider):
    client = client_for(worker)
    response = client.post(reverse("groups:create"), group_data(team_b, [worker]))
    assert response.status_code == 200 and not Group.objects.exists()
    response = client.post(reverse("groups:create"), group_data(team_a, [outsider]))
    assert response.status_code == 200 and not Group.objects.exists()
    assert "outsider" not in client.get(reverse("groups:create")).content.decode()


def test_a_colleague_of_my_team_can_be_a_facilitator(client_for, worker, colleague, team_a):
    response = client_for(worker).post(reverse("groups:create"), group_data(team_a, [worker, colleague]))
    assert response.status_code == 302
    assert Group.objects.get().facilitators.count() == 2


@pytest.mark.parametrize(
    "change, message",
    [
        ({"name": ""}, "Dit veld is verplicht"),
        ({"name": "x" * 121}, "niet meer dan 120 tekens"),
        ({"start_date": ""}, "Dit veld is verplicht"),
        ({"start_date": "2024-02-30"}, "geldige datum"),
        ({"start_date": "0024-01-01"}, "plausibele datum"),
        ({"end_date": "2024-09-01"}, "niet vóór de begindatum"),
        ({"handed_over_on": "2024-01-01", "status": "self_running"}, "overdrachtsdatum"),
        ({"usual_time": "7 uur"}, "geldige tijd"),
        ({"usual_duration_minutes": "0"}, "tussen 5 en 1440"),
        ({"planned_sessions": "-3"}, "minstens 0"),
        ({"kind": "unknown"}, "geldige keuze"),
        ({"life_domains": ["nope"]}, "geldige keuze"),
        ({"status": "weird"}, "geldige keuze"),
        ({"facilitators": ["999999"], "name": "Onbekende begeleider"}, "geldige keuze"),
        ({"usual_weekday": "9"}, "geldige keuze"),
    ],
)
def test_bad_group_input_gives_a_message_and_saves_nothing(client_for, worker, team_a, change, message):
    data = {**group_data(team_a, [worker]), **change}
    response = client_for(worker).post(reverse("groups:create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Group.objects.exists()
    assert not AuditEvent.objects.filter(event="group.created").exists()


def test_a_neighbourhood_of_another_municipality_is_refused(client_for, administrator, team_a, team_b):
    from tests.factories import NeighbourhoodFactory

    elsewhere = NeighbourhoodFactory(municipality=team_b.municipality)
    user = UserFactory(username="tweeteams")
    MembershipFactory(user=user, team=team_a)
    response = client_for(administrator).post(
        reverse("groups:create"), group_data(team_a, [user], neighbourhood=str(elsewhere.pk))
    )
    assert response.status_code == 200
    assert "niet in de gemeente van het team" in response.content.decode()
    assert not Group.objects.exists()
    assert not AuditEvent.objects.filter(event="group.created").exists()
