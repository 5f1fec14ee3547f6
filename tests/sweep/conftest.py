"""One small but complete world for the sweep: two teams in two municipalities, residents with
names that occur nowhere else, groups, sessions, sections, consent and rendered quarterly reports.

Team A (Leeuwarden) is what the worker, colleague, coordinator and municipality user belong to;
team B (Heerenveen) is the outsider's. The report of Leeuwarden 2024Q3 is rendered and approved,
so the municipality user has a PDF and a CSV to download.
"""

import datetime
from types import SimpleNamespace

import pytest

from groups.models import Attendance, Session
from offers.models import Offer, Partner, Referral, Signup
from outcomes.models import Story
from participants.models import Measurement
from reporting import services
from reporting.models import QuarterlyReport
from tests.factories import (
    AttendanceFactory,
    ChangeWishFactory,
    ConsentFactory,
    EnrolmentFactory,
    GroupFactory,
    HelpRequestFactory,
    IndividualSupportFactory,
    NeighbourhoodFactory,
    ParticipantFactory,
    SessionFactory,
)

D = datetime.date

# Distinctive names: if one of them shows up on a page, it came from the registry.
TEAM_A_PEOPLE = [
    ("Zwaantje", "Quirijnsma"),
    ("Wobkje", "Xylanderveld"),
    ("Ulbertje", "Quirijnsma"),
    ("Gerlofje", "Yntemaborg"),
    ("Sieuwke", "Xylanderveld"),
    ("Tsjerkje", "Yntemaborg"),
]
TEAM_A_GROUP = "Zonnebloemkring Oranjewoud"
TEAM_B_PEOPLE = [("Ottoline", "Buitenhuizinga")]
TEAM_B_GROUP = "Heidebloemkring Tjalleberd"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _cookie_sessions(settings):
    # Thousands of requests: sessions in a signed cookie save two queries on each of them.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"


def _build_team(team, neighbourhood, people, group_name, facilitator):
    persons = [
        ParticipantFactory(team=team, neighbourhood=neighbourhood, first_name=first, last_name=last)
        for first, last in people
    ]
    group = GroupFactory(
        name=group_name, team=team, neighbourhood=neighbourhood, life_domains=["financien"],
        start_date=D(2024, 1, 1),
    )
    group.facilitators.set([facilitator])
    enrolments = [EnrolmentFactory(group=group, participant=p, start_date=D(2024, 1, 1)) for p in persons]
    sessions = []
    for week in range(3):
        session = SessionFactory(group=group, date=D(2024, 7, 2) + datetime.timedelta(weeks=week), head_count=1)
        for person in persons:
            AttendanceFactory(session=session, participant=person, status=Attendance.Status.PRESENT)
        sessions.append(session)
    sessions.append(SessionFactory(group=group, date=D(2024, 8, 1), status=Session.Status.CANCELLED))
    first = persons[0]
    ConsentFactory(participant=first)
    # Not in the group yet: someone to enrol.
    loner = ParticipantFactory(team=team, neighbourhood=neighbourhood, first_name=people[0][0], last_name="Alleman")
    return SimpleNamespace(
        people=persons,
        loner=loner,
        group=group,
        enrolment=enrolments[0],
        session=sessions[0],
        change_wish=ChangeWishFactory(participant=first),
        help_request=HelpRequestFactory(participant=first, date=D(2024, 3, 1)),
        individual_support=IndividualSupportFactory(participant=first),
        measurement=Measurement.objects.create(participant=first, date=D(2024, 3, 1), moment="start",
                                               filled_by="together", **dict.fromkeys(Measurement.DIMENSIONS, 5)),
        story=Story.objects.create(group=group, participant=first, display_name="Verzonnen", text="Fijn.",
                                   date=D(2024, 7, 9)),
    )


def _build_offers(side, team, facilitator):
    """The sociale kaart (issue 13): a public partner offer, its partner, a sign-up from the group finder
    and a referral of the team's first resident; names that occur nowhere else."""
    municipality = team.municipality
    side.partner = Partner.objects.create(municipality=municipality, name=f"Buurtpartner {municipality.name}")
    side.offer = Offer.objects.create(
        municipality=municipality, source=Offer.Source.PARTNER, partner=side.partner, is_public=True,
        name=f"Taalcafé {municipality.name}", led_by=Offer.LedBy.VOLUNTEERS, owner=facilitator,
        owner_consent_on=D(2024, 1, 2), last_checked_on=D(2024, 1, 2),
    )
    # On the partner's offer its owner handles (a sign-up on a group would add a view event to the group page).
    side.signup = Signup.objects.create(offer=side.offer, first_name="Proefaanmelder", phone="0600000000",
                                        consent=True)
    side.referral = Referral.objects.create(participant=side.people[0], offer=side.offer, date=D(2024, 3, 1),
                                            referred_by=facilitator)


@pytest.fixture
def world(municipality, other_municipality, neighbourhood, team_a, team_b, worker, colleague, outsider,
          coordinator, municipality_user, administrator):
    """Both teams' data, plus reports: Leeuwarden 2024Q3 approved (rendered), 2024Q2 a draft,
    Heerenveen 2024Q3 a draft. ``ids`` maps a variant (own = team A, other = team B) to the ids
    of every kind of object a URL can name."""
    other_neighbourhood = NeighbourhoodFactory(municipality=other_municipality, name="Tjalleberd")
    a = _build_team(team_a, neighbourhood, TEAM_A_PEOPLE, TEAM_A_GROUP, worker)
    b = _build_team(team_b, other_neighbourhood, TEAM_B_PEOPLE, TEAM_B_GROUP, outsider)
    _build_offers(a, team_a, worker)
    _build_offers(b, team_b, outsider)

    approved = services.prepare_report(municipality, 2024, 3, coordinator)
    assert services.render_report_now(approved.pk)
    approved.refresh_from_db()
    assert approved.render_status == QuarterlyReport.RenderStatus.DONE, approved.error
    services.approve_report(approved, coordinator, approved.sha256)
    approved.refresh_from_db()
    draft = services.prepare_report(municipality, 2024, 2, coordinator)
    other_report = services.prepare_report(other_municipality, 2024, 3, administrator)

    def ids(side, report):
        return {
            "participant": side.people[0].pk,
            "group": side.group.pk,
            "enrolment": side.enrolment.pk,
            "session": side.session.pk,
            "change_wish": side.change_wish.pk,
            "help_request": side.help_request.pk,
            "individual_support": side.individual_support.pk,
            "measurement": side.measurement.pk,
            "story": side.story.pk,
            "report": report.pk,
            "offer": side.offer.pk,
            "partner": side.partner.pk,
            "municipality": side.partner.municipality_id,
            "signup": side.signup.pk,
            "referral": side.referral.pk,
        }

    return SimpleNamespace(
        a=a,
        b=b,
        approved=approved,
        draft=draft,
        other_report=other_report,
        municipality=municipality,
        other_municipality=other_municipality,
        team_a=team_a,
        team_b=team_b,
        neighbourhood=neighbourhood,
        other_neighbourhood=other_neighbourhood,
        outsider=outsider,
        worker=worker,
        ids={"own": ids(a, approved), "other": ids(b, other_report), "draft": {"report": draft.pk}},
        team_a_names=sorted({n for person in TEAM_A_PEOPLE for n in person}),
        team_b_names=sorted({n for person in TEAM_B_PEOPLE for n in person}),
    )
