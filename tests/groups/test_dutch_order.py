"""Dutch names sort as Dutch people expect: on the surname without its tussenvoegsel, the same everywhere."""

import datetime

from django.urls import reverse

from groups.models import Enrolment
from tests.factories import ParticipantFactory

NAMES = [("Sanne", "de Jong"), ("Piet", "Jansen"), ("Anouk", "van der Berg"), ("Kees", "in 't Veld"),
         ("Fatima", "Bakker"), ("Joris", "Kok")]
EXPECTED = ["Bakker", "van der Berg", "Jansen", "de Jong", "Kok", "t Veld"]  # the quote is escaped in HTML


def _order(body, names):
    return sorted(names, key=lambda last: body.index(last))


def test_lists_roll_call_and_group_page_share_the_dutch_order(client_for, worker, team_a, group):
    people = [ParticipantFactory(team=team_a, first_name=first, last_name=last) for first, last in NAMES]
    for person in people:
        Enrolment.objects.create(group=group, participant=person, start_date=datetime.date(2024, 1, 1))
    client = client_for(worker)
    pages = [
        client.get(reverse("participants:list")).content.decode(),
        client.get(reverse("groups:session_create", args=[group.pk]) + "?date=2024-05-02").content.decode(),
        client.get(reverse("groups:detail", args=[group.pk])).content.decode(),
    ]
    for body in pages:
        assert _order(body, EXPECTED) == EXPECTED
