"""Earlier wordings of a change wish are kept (issue 12): the question people come with is often not
the one they end up working on. Shown on the resident's page and in the resident's data export."""

import datetime
import json

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from collectief.models import AuditEvent
from participants import export
from participants.models import ChangeWish, ChangeWishNote
from tests.factories import ChangeWishFactory, EnrolmentFactory, GroupFactory

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = timezone.localdate


@pytest.fixture
def wish(participant):
    return ChangeWishFactory(participant=participant, text="Ik wil van mijn schulden af", status="open",
                             start_date=D(2024, 1, 10))


def edit(client, wish, text, status="open"):
    return client.post(reverse("participants:change_wish_edit", args=[wish.participant_id, wish.pk]), {
        "text": text, "life_domain": "financien", "status": status, "start_date": "2024-01-10",
    })


def detail(client, participant):
    return client.get(reverse("participants:detail", args=[participant.pk])).content.decode()


def test_each_new_wording_keeps_the_previous_text_as_history(client_for, worker, wish):
    client = client_for(worker)
    assert edit(client, wish, "Ik wil overzicht over mijn geld").status_code == 302
    assert edit(client, wish, "Ik wil rust in mijn hoofd over geld").status_code == 302
    # A third save that keeps the text (only the status changes) adds no wording.
    assert edit(client, wish, "Ik wil rust in mijn hoofd over geld", status="working").status_code == 302
    wish.refresh_from_db()
    assert (wish.text, wish.status) == ("Ik wil rust in mijn hoofd over geld", "working")
    notes = list(wish.notes.values_list("kind", "text", "date", "created_by"))
    assert notes == [
        ("reworded", "Ik wil van mijn schulden af", TODAY(), worker.pk),
        ("reworded", "Ik wil overzicht over mijn geld", TODAY(), worker.pk),
    ]
    events = list(AuditEvent.objects.filter(event="change_wish.updated").order_by("pk"))
    assert [("note" in e.data) for e in events] == [True, True, False]
    assert all(e.object_id == str(wish.participant_id) and "geld" not in json.dumps(e.data) for e in events)


def test_the_residents_page_shows_the_earlier_wordings_dated(client_for, worker, wish, participant):
    client = client_for(worker)
    edit(client, wish, "Ik wil overzicht over mijn geld")
    body = detail(client, participant)
    assert "&ldquo;Ik wil overzicht over mijn geld&rdquo;" in body
    with translation.override("nl"):
        day = date_format(TODAY(), "j F Y")
    assert f"eerder verwoord als &ldquo;Ik wil van mijn schulden af&rdquo; ({day})" in body


def test_the_edit_page_says_the_earlier_wording_is_kept(client_for, worker, wish):
    body = client_for(worker).get(
        reverse("participants:change_wish_edit", args=[wish.participant_id, wish.pk])).content.decode()
    assert "De eerdere verwoording blijft bewaard in de geschiedenis van de wens" in body


def test_a_reflection_at_the_end_of_a_group_shows_on_the_residents_page(client_for, worker, wish, participant):
    ChangeWishNote.objects.create(change_wish=wish, kind="reflection", text="Het lukt me nu beter",
                                  date=D(2024, 11, 12))
    body = detail(client_for(worker), participant)
    assert "bij het einde van een collectief (12 november 2024): &ldquo;Het lukt me nu beter&rdquo;" in body


@pytest.mark.parametrize("text, message", [("", "verplicht"), ("x" * 1001, "1000 tekens")])
def test_a_bad_new_wording_gives_a_message_and_keeps_text_and_history(client_for, worker, wish, text, message):
    response = edit(client_for(worker), wish, text)
    assert response.status_code == 200
    assert message in response.content.decode()
    wish.refresh_from_db()
    assert wish.text == "Ik wil van mijn schulden af"
    assert not ChangeWishNote.objects.exists()
    assert not AuditEvent.objects.filter(event="change_wish.updated").exists()


def test_a_new_wish_has_no_history(client_for, worker, participant):
    client_for(worker).post(reverse("participants:change_wish_add", args=[participant.pk]), {
        "change_wish-text": "Weer gaan sporten", "change_wish-status": "open", "change_wish-start_date": "2024-03-01",
    })
    assert participant.change_wishes.get().text == "Weer gaan sporten"
    assert not ChangeWishNote.objects.exists()


def test_another_team_cannot_reword_a_wish(client_for, outsider, wish):
    assert edit(client_for(outsider), wish, "Van een ander team").status_code == 404
    wish.refresh_from_db()
    assert wish.text == "Ik wil van mijn schulden af" and not ChangeWishNote.objects.exists()


def test_the_residents_page_reads_the_history_in_a_constant_number_of_queries(client_for, worker, participant):
    client = client_for(worker)
    first = ChangeWishFactory(participant=participant, start_date=D(2024, 1, 1))
    ChangeWishNote.objects.create(change_wish=first, kind="reworded", text="Eerst zo")
    with CaptureQueriesContext(connection) as few:
        detail(client, participant)
    for i in range(8):
        other = ChangeWishFactory(participant=participant, start_date=D(2024, 1, 1), text=f"Wens {i}")
        ChangeWishNote.objects.bulk_create(
            [ChangeWishNote(change_wish=other, kind="reworded", text=f"Eerder {i}.{k}") for k in range(4)])
    with CaptureQueriesContext(connection) as many:
        body = detail(client, participant)
    assert body.count("eerder verwoord als") == 1 + 32
    assert len(many) == len(few)


# --- The resident's data export (AVG art. 15) -----------------------------------------------------------


@pytest.fixture
def history(participant, wish, team_a):
    ChangeWishNote.objects.create(change_wish=wish, kind="reworded", text="Ik wil minder rekeningen",
                                  date=D(2024, 2, 1))
    group = GroupFactory(team=team_a, name="Geld Telt")
    enrolment = EnrolmentFactory(participant=participant, group=group, start_date=D(2024, 9, 3))
    enrolment.change_wishes.add(wish)
    ChangeWishNote.objects.create(change_wish=wish, kind="reflection", text="Het gaat beter",
                                  date=D(2024, 11, 12), enrolment_id=enrolment.pk)
    return enrolment


def test_the_json_export_holds_each_wishs_history_and_the_wishes_of_each_enrolment(
    client_for, coordinator, participant, wish, history
):
    response = client_for(coordinator).post(reverse("participants:export", args=[participant.pk]), {"format": "json"})
    data = json.loads(response.content)
    exported = data["change_wishes"][0]
    assert exported["text"] == "Ik wil van mijn schulden af"
    assert exported["history"] == [
        {"kind": "reworded", "kind_label": "Eerdere verwoording", "text": "Ik wil minder rekeningen",
         "date": "2024-02-01", "enrolment_id": None},
        {"kind": "reflection", "kind_label": "Hoe het er nu voor staat", "text": "Het gaat beter",
         "date": "2024-11-12", "enrolment_id": history.pk},
    ]
    assert data["enrolments"][0]["change_wishes"] == [{"id": wish.pk, "text": "Ik wil van mijn schulden af"}]


def test_the_pdf_export_shows_the_history_and_the_linked_wishes(participant, wish, history):
    resident = export.queryset().get(pk=participant.pk)
    with translation.override("nl"):
        html = render_to_string("participants/export/participant_export.html", {
            **export.build(resident), "audit_shown": [], "audit_total": 0, "audit_limit": 300})
    assert "eerder verwoord als &ldquo;Ik wil minder rekeningen&rdquo; (1 februari 2024)" in html
    assert "bij het einde van een collectief (12 november 2024): &ldquo;Het gaat beter&rdquo;" in html
    assert "Veranderwens: &ldquo;Ik wil van mijn schulden af&rdquo;" in html
    assert ChangeWish.objects.count() == 1
