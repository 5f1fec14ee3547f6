"""The resident's data export also holds the path and the outcomes (issues 11–13): route history,
waiting lists, referrals, stories, 'hier wil ik over praten'."""

import datetime
import json

from django.urls import reverse

from groups.models import Interest
from offers.models import Offer, Referral
from outcomes.models import Story
from participants.models import Consent, HelpRequest, Measurement, RouteChange
from tests.factories import GroupFactory

D = datetime.date


def test_the_export_holds_route_history_waiting_lists_referrals_stories_and_talk_about(
    client_for, coordinator, resident, team_a, worker
):
    request = HelpRequest.objects.create(participant=resident, theme="Geldzorgen", date=D(2024, 2, 1))
    RouteChange.objects.create(help_request=request, route="undecided", date=D(2024, 2, 1), changed_by=worker)
    RouteChange.objects.create(help_request=request, route="collective", date=D(2024, 2, 8),
                               why="Past bij Geld Telt", changed_by=worker)
    group = GroupFactory(team=team_a, name="Wandelgroep Oost")
    Interest.objects.create(group=group, participant=resident, since=D(2024, 3, 1))
    resident.record_consent(Consent.Purpose.SHARE_PARTNER, True, worker)
    Referral.objects.create(participant=resident, offer=Offer.objects.get(group=group), date=D(2024, 3, 2),
                            note="Graag bellen", referred_by=worker)
    resident.record_consent(Consent.Purpose.QUOTE_REPORT, True, worker)
    Story.objects.create(group=group, participant=resident, display_name="Anna", text="Het hielp mij.",
                         date=D(2024, 6, 1))
    scores = {d: 5 for d in Measurement.DIMENSIONS}
    Measurement.objects.create(participant=resident, date=D(2024, 3, 1), moment="start", filled_by="together",
                               talk_about=["zingeving"], **scores)

    response = client_for(coordinator).post(reverse("participants:export", args=[resident.pk]), {"format": "json"})
    data = json.loads(response.content)
    [exported] = [h for h in data["help_requests"] if h["theme"] == "Geldzorgen"]
    assert [(r["date"], r["why"]) for r in exported["route_history"]] == [
        ("2024-02-01", ""), ("2024-02-08", "Past bij Geld Telt")
    ]
    assert exported["status_label"] == "Open"
    assert [(w["group"], w["since"]) for w in data["waiting_lists"]] == [("Wandelgroep Oost", "2024-03-01")]
    assert [(r["offer"], r["note"]) for r in data["referrals"]] == [("Wandelgroep Oost", "Graag bellen")]
    assert [(s["shown_as"], s["text"]) for s in data["stories"]] == [("Anna", "Het hielp mij.")]
    [measured] = [m for m in data["measurements"] if m["date"] == "2024-03-01"]
    assert measured["want_to_talk_about"] == ["zingeving"]  # the export is in Dutch

    pdf = client_for(coordinator).post(reverse("participants:export", args=[resident.pk]), {"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
