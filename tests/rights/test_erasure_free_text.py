"""Erasure also removes what was written about the resident in the path and the outcomes (issues 11, 12)."""

import datetime

from offers.models import Offer, Referral, Signup
from outcomes.models import Story
from participants import services
from participants.models import ChangeWish, ChangeWishNote, Consent, HelpRequest, RouteChange
from tests.factories import EnrolmentFactory, GroupFactory


def test_erasure_clears_route_reasons_change_wish_history_and_deletes_stories(
    coordinator, second_coordinator, resident, worker, team_a
):
    request = HelpRequest.objects.create(participant=resident, theme="Schulden", external_id="hr-1")
    RouteChange.objects.create(help_request=request, route="individual", tenzij_reason="crisis",
                               why="Crisis thuis na ontslag")
    wish = ChangeWish.objects.create(participant=resident, text="Weer rust in mijn hoofd")
    ChangeWishNote.objects.create(change_wish=wish, kind="reworded", text="Minder zorgen over geld")
    group = GroupFactory(team=team_a)
    EnrolmentFactory(group=group, participant=resident)
    resident.record_consent(Consent.Purpose.QUOTE_REPORT, True, worker)
    Story.objects.create(group=group, participant=resident, display_name="Anna", text="Mijn verhaal",
                         date=datetime.date(2024, 6, 1))
    anonymous = Story.objects.create(group=group, display_name="Kees", text="Ons verhaal",
                                     date=datetime.date(2024, 6, 1))

    resident.record_consent(Consent.Purpose.SHARE_PARTNER, True, worker)
    referral = Referral.objects.create(participant=resident, offer=Offer.objects.get(group=group),
                                       note="Heeft schulden, graag bellen", referred_by=worker)
    signup = Signup.objects.create(offer=Offer.objects.get(group=group), group=group, first_name="Hiltsje",
                                   phone="0612345678", consent=True, participant=resident)

    erasure, _ = services.request_erasure(coordinator, resident, reason="verzoek")
    services.erase_participant(second_coordinator, erasure)

    assert list(RouteChange.objects.filter(help_request=request).values_list("why", flat=True)) == [""]
    assert list(ChangeWishNote.objects.filter(change_wish=wish).values_list("text", flat=True)) == [""]
    assert HelpRequest.objects.get(pk=request.pk).external_id is None
    assert list(Story.objects.all()) == [anonymous]
    referral.refresh_from_db()
    assert referral.note == ""
    assert not Signup.objects.filter(pk=signup.pk).exists()
