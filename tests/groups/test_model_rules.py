"""Validation rules live on the models: the admin cannot store what a form refuses."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from groups.models import Enrolment, Group, Session
from participants.models import HelpRequest
from tests.factories import EnrolmentFactory, ParticipantFactory


def _inline(prefix):
    return {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"duration_minutes": "0"}, "tussen 5 en 1440"),
        ({"head_count": "501"}, "van 0 tot en met 500"),
        ({"date": "0202-01-01"}, "geen plausibele datum"),
        ({"date": (timezone.localdate() + datetime.timedelta(days=2)).isoformat()}, "in de toekomst"),
        ({"date": "2023-06-01"}, "kan niet eerder"),
    ],
)
def test_the_admin_refuses_a_session_the_roll_call_refuses(client_for, administrator, group, change, message):
    data = {"group": group.pk, "date": "2024-05-02", "start_time": "10:00", "duration_minutes": "90",
            "status": "held", "head_count": "0", "topic": "", "notes": "", **_inline("attendances"), **change}
    response = client_for(administrator).post(reverse("admin:groups_session_add"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Session.objects.exists()


def test_the_admin_refuses_an_overlapping_enrolment(client_for, administrator, group, team_a):
    fatima = ParticipantFactory(team=team_a)
    EnrolmentFactory(group=group, participant=fatima, start_date=datetime.date(2024, 1, 1))
    data = {"participant": fatima.pk, "group": group.pk, "role": "participant", "start_date": "2024-03-01",
            "end_date": "", "end_reason": "", "referral_source": ""}
    response = client_for(administrator).post(reverse("admin:groups_enrolment_add"), data)
    assert response.status_code == 200
    assert "al aangemeld" in response.content.decode()
    assert Enrolment.objects.count() == 1


def test_the_admin_refuses_a_self_running_group_without_a_hand_over_date(client_for, administrator, team_a, worker):
    data = {"name": "Breiclub", "kind": "support", "team": team_a.pk, "rhythm": "weekly", "status": "self_running",
            "start_date": "2024-01-01", "usual_duration_minutes": "90", "facilitators": [worker.pk],
            **_inline("enrolments")}
    response = client_for(administrator).post(reverse("admin:groups_group_add"), data)
    assert response.status_code == 200
    assert "overgedragen" in response.content.decode()
    assert not Group.objects.filter(name="Breiclub").exists()


def test_an_individual_route_needs_its_tenzij_reason_wherever_it_is_saved(team_a):
    request = HelpRequest(participant=ParticipantFactory(team=team_a), theme="schulden", life_domain_id="financien",
                          date=datetime.date(2024, 3, 1), route="individual")
    with pytest.raises(ValidationError) as refused:
        request.full_clean()
    assert "tenzij_reason" in refused.value.message_dict
