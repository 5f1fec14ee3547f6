"""Create a demo municipality that looks like two years of real work. Idempotent.

Leeuwarden with a wijkteam and a dorpenteam, a user per role, and the kinds of groups of the
research (../shared/DESIGN.md, research/amaryllis-leeuwarden.md): Geld Telt as a course of four
that runs in series with new residents each time, a weekly walking group, a cooking group, a
parent-and-child café every two weeks, a drop-in twice a week, a municipality-wide divorce
collective, a coffee morning handed over to its residents, a new group that started mid-year, a
day-activity (``meet``) group and a youth group. Residents join and leave with end reasons and
referral sources, begeleiders (volunteers, a peer expert, students, partner staff) help run the
groups and are recorded per session, some sessions are cancelled (summer break, Christmas, a sick
worker), walk-ins are counted, and some residents have individual support and help requests.

The path from help request to group ("collectief, tenzij", issue 11): every help request has a
dated route history and ends matched (to the enrolment that answered it, so the waiting-time
figures have data, or to individual support) or closed for a reason; open requests wait in several
wijken (``OPEN_REQUESTS``: five money questions in Bilgaard, enough for a group, and a mixed bundle
in Huizum-West); the cooking group is full and has a waiting list with a trial at its next meeting;
Geld Telt Grou runs as three linked series; the walking group is phasing out with a hand-over plan
and the coffee morning, which runs itself, had its "draait het nog?" check.

Everything follows from a fixed plan: the same random streams (one per group and per session) and
the group's own rhythm (``Group.expected_dates``). Rows are looked up by external id or natural key
and only missing ones are written, so a re-run on the same day changes nothing, and a run on a later
day adds the sessions of the days in between (the demo keeps its start date and hand-over date).
Sessions are logged up to yesterday, so nothing held lies in the future; the latest walk of the
walking group and an earlier cooking evening are left unlogged, so that the start page has
something genuine to show.
"""

import datetime
import itertools
import random
from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from collectief.models import Membership, Municipality, MunicipalityTarget, MunicipalityUser, Neighbourhood, Team
from groups.models import (
    Attendance,
    Contributor,
    Enrolment,
    Group,
    GroupCheck,
    GroupStatusChange,
    HandOver,
    Interest,
    Session,
)
from groups.services import add_interest, invite_to_trial
from participants.models import ChangeWish, Consent, HelpRequest, IndividualSupport, Participant, RouteChange

DEMO_PASSWORD = "collectief-demo"
DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(weeks=1)

MUNICIPALITY = "Leeuwarden"
NEIGHBOURHOODS = {
    "Wijkteam Noord": ["Bilgaard", "Vrijheidswijk", "Havankpark", "Oud-Oost", "Heechterp-Schieringen"],
    "Dorpenteam Zuid": ["Grou", "Wirdum", "Goutum", "Huizum-West"],
}
HOOD_TEAM = {hood: team for team, hoods in NEIGHBOURHOODS.items() for hood in hoods}
POSTCODES = {
    "Bilgaard": "8926", "Vrijheidswijk": "8932", "Havankpark": "8924", "Oud-Oost": "8921",
    "Heechterp-Schieringen": "8925", "Grou": "9001", "Wirdum": "9088", "Goutum": "9084", "Huizum-West": "8933",
}
USERS = [
    # username, first, last, role, teams
    ("sociaalwerker", "Sanne", "de Vries", "social_worker", ["Wijkteam Noord"]),
    ("sociaalwerker2", "Jelle", "Hoekstra", "social_worker", ["Dorpenteam Zuid"]),
    ("coordinator", "Marieke", "Bosma", "coordinator", ["Wijkteam Noord", "Dorpenteam Zuid"]),
    ("gemeente", "Pieter", "Visser", "municipality", []),
    ("beheerder", "Anouk", "Dijkstra", "administrator", []),
]
FIRST_NAMES = (
    "Anna Sietske Fatima Johan Klaas Wieke Mohammed Ingrid Gerrit Sjoukje Yusuf Hennie Baukje Ahmed Tjitske "
    "Marco Lieke Hatice Douwe Femke Olena Rients Grietje Said Esther Bauke Nynke Kees Aaltje Tiago Wietske "
    "Henk Amina Jannie Sybren Petra Ilse Ruben Meryem Hylke Jildou Tamara Freerk Dewi Saskia Wubbe Mirjam Semra"
).split()
LAST_NAMES = [
    "de Jong", "Bakker", "Postma", "van der Meer", "Jansma", "Kuipers", "El Amrani", "Hoekstra", "Veenstra",
    "Wiersma", "Yilmaz", "Zijlstra", "de Boer", "Terpstra", "Kramer", "Smit", "Kingma", "Haddou", "Visser",
    "Dijkstra", "Kovalenko", "Bouma", "Sikkema", "Mulder", "de Haan", "Brouwer", "Tuinstra", "Hiemstra",
    "van der Veen", "Boersma", "Osinga", "de Wit", "Nauta", "Bijlsma", "Rijpstra", "Abdi", "Nijholt",
    "van Dijk", "Faber", "Schaap",
]
# Every resident a name of their own (first name, surname) for the first 1,920 residents.
NAME_PAIRS = list(itertools.product(range(len(FIRST_NAMES)), range(len(LAST_NAMES))))
random.Random(8).shuffle(NAME_PAIRS)
LANGUAGES = ["nl"] * 14 + ["fy"] * 3 + ["ar", "tr", "uk", "ti", "en", "pl"]


@dataclass(frozen=True)
class GroupPlan:
    """One demo group: what it is, and how its membership and sessions behave over time."""

    code: str
    name: str
    kind: str
    team: str
    hood: str | None  # None = municipality-wide
    rhythm: str
    weekday: int
    time: str
    minutes: int
    domains: tuple
    framework: str | None
    location: str
    theme: str
    topics: tuple
    start_month: int = 0  # months after the demo's start; None below for "mid-year"
    capacity: int = 12
    initial: int = 6  # members at the first session (ongoing groups)
    join: float = 0.4  # chance that a new resident joins at a session, scaled by the room left
    leave: float = 0.02  # chance per session that a member leaves
    presence: float = 0.85
    summer_weeks: int = 2  # zomerstop before the end of the school holidays (sessions cancelled)
    walk_ins: tuple = (0, 0)
    born: tuple = (1950, 2004)
    planned: int | None = None  # a course: meetings per series
    series_gap_weeks: int = 2  # a course: weeks between the last meeting and the next series
    new_per_series: tuple = (5, 9)
    transfer_to: str | None = None  # a course: the group residents move on to ("to_other_group")
    request_theme: str = ""
    wish: str = ""
    mid_year: bool = False
    handed_over: bool = False
    phasing_out: bool = False  # afbouwen: a hand-over to the residents is planned
    full: bool = False  # as many residents as places: newcomers go on the waiting list
    skip_recent: int = 0  # how many weeks back a session was forgotten (the start page shows it)

    @property
    def external_id(self):
        return f"demo-g-{self.code}"


GROUPS = [
    GroupPlan(
        "geld-telt", "Geld Telt", "support", "Wijkteam Noord", "Heechterp-Schieringen", "course", 1, "10:00", 120,
        ("financien",), "wgs", "Buurthuis De Schalm",
        "Grip op geld: overzicht, budget en betalingsregelingen, met de werkmap",
        ("Kennismaken en je geldsituatie in kaart", "Post ordenen met de werkmap",
         "Budgetplan: inkomsten en uitgaven", "Besparen en toeslagen checken (Voorzieningenwijzer)"),
        capacity=10, planned=4, series_gap_weeks=2, new_per_series=(5, 9), transfer_to="kookgroep",
        request_theme="Geldzorgen, de post stapelt zich op",
        wish="Ik wil weer overzicht over mijn post en rekeningen.",
    ),
    GroupPlan(
        "wandelgroep", "Wandelgroep Bilgaard", "support", "Wijkteam Noord", "Bilgaard", "weekly", 3, "10:00", 60,
        ("lichamelijke_gezondheid", "sociaal_netwerk", "mentale_gezondheid"), "wmo",
        "Start bij wijkcentrum Bilgaard, daarna koffie", "Samen in beweging; een deelnemer kiest de routes",
        ("Rondje Bilgaard en de Groene Ster", "Langs de Dokkumer Ee", "Route door de Prinsentuin",
         "Wandeling Froskepôlle", "Langs de Potmarge", "Korte route, daarna koffie"),
        capacity=20, initial=6, join=0.45, leave=0.015, summer_weeks=0, walk_ins=(0, 3), born=(1942, 1968),
        request_theme="Zit veel alleen thuis, wil meer bewegen", wish="Ik wil weer elke week buiten lopen.",
        skip_recent=1, phasing_out=True,
    ),
    GroupPlan(
        "kookgroep", "Kookgroep Samen Eten", "support", "Wijkteam Noord", "Oud-Oost", "weekly", 2, "17:00", 150,
        ("sociaal_netwerk", "dagelijks_functioneren", "financien"), "wmo", "Wijkkeuken Oud-Oost",
        "Gezond en goedkoop koken, samen eten; begonnen voor wie veel alleen is",
        ("Stamppot boerenkool", "Linzensoep en brood", "Boodschappen plannen met een klein budget",
         "Couscous met groenten", "Pannenkoeken", "Curry met kikkererwten", "Restjesdag"),
        start_month=3, capacity=12, initial=4, join=0.4, leave=0.02, summer_weeks=3, walk_ins=(0, 1),
        request_theme="Eenzaam, eet vaak niet goed", wish="Ik wil niet meer elke avond alleen eten.",
        skip_recent=3, full=True,
    ),
    GroupPlan(
        "ouder-kind", "Ouder-en-kindcafé", "support", "Wijkteam Noord", "Vrijheidswijk", "biweekly", 1, "14:30", 120,
        ("opvoeding", "sociaal_netwerk"), "jeugdwet", "Speel-o-theek Vrijheidswijk, soms de kinderboerderij",
        "Ouderschap delen: spelletjes, gastsprekers en buiten spelen; kinderopvang aanwezig",
        ("Slapen en bedtijd", "Schermtijd", "Spelletjesmiddag", "Gastspreker JGZ: zindelijkheid",
         "Naar de kinderboerderij", "Grenzen stellen", "Voorlezen en taal"),
        capacity=14, initial=5, join=0.5, leave=0.03, summer_weeks=6, walk_ins=(0, 2), born=(1986, 2001),
        request_theme="Vragen over opvoeden, alleenstaande ouder",
        wish="Ik wil minder ruzie met mijn zoon over schermtijd.",
    ),
    GroupPlan(
        "inloop", "De Inloop", "support", "Wijkteam Noord", "Heechterp-Schieringen", "twice_weekly", 0, "16:00", 60,
        ("sociaal_netwerk", "mentale_gezondheid", "dagelijks_functioneren"), "wmo",
        "Wijkcentrum Heechterp-Schieringen",
        "Inloop voor mensen met een licht verstandelijke beperking: contact, sociale vaardigheden, samen koken",
        ("Praten over de week", "Spelletjes", "Samen koken", "Omgaan met geld", "Bezoek aan de bibliotheek"),
        start_month=8, capacity=12, initial=4, join=0.25, leave=0.008, walk_ins=(0, 2), born=(1970, 2004),
        request_theme="Weinig contacten, wil leren omgaan met anderen", wish="Ik wil vrienden maken.",
    ),
    GroupPlan(
        "scheiding", "Scheidingscollectief", "support", "Dorpenteam Zuid", None, "course", 0, "19:30", 120,
        ("relaties", "opvoeding", "financien"), "jeugdwet", "Stadskantoor, zaal 2",
        "Ouders in scheiding: rustig uit elkaar, oog voor de kinderen",
        ("Kennismaken en je verhaal", "Wat een scheiding met kinderen doet", "Praten met je ex",
         "Het ouderschapsplan", "Geld en wonen na de scheiding", "Afsluiting: hoe verder"),
        start_month=3, capacity=10, planned=6, series_gap_weeks=6, new_per_series=(5, 8), born=(1978, 1996),
        transfer_to="ouder-kind", request_theme="Scheiding, zorgen om de kinderen",
        wish="Ik wil goede afspraken met mijn ex over de kinderen.",
    ),
    GroupPlan(
        "koffie-grou", "Koffie-inloop Grou", "support", "Dorpenteam Zuid", "Grou", "weekly", 2, "10:00", 90,
        ("sociaal_netwerk", "zingeving"), "wmo", "Dorpshuis Grou",
        "Ontmoeten en elkaar helpen; sinds de overdracht organiseren de deelnemers het zelf",
        ("Koffie en bijpraten", "Sjoelen", "Barbecue", "Samen plannen: wie doet wat na de overdracht",
         "Gastspreker Dorpsbelang"),
        capacity=15, initial=7, join=0.35, leave=0.015, walk_ins=(0, 4), born=(1940, 1965),
        request_theme="Sinds overlijden partner veel alleen", wish="Ik wil weer onder de mensen komen.",
        handed_over=True,
    ),
    GroupPlan(
        "vrijdaghap", "Vrijdagmiddaghap Grou", "support", "Dorpenteam Zuid", "Grou", "biweekly", 4, "12:00", 150,
        ("sociaal_netwerk", "financien", "dagelijks_functioneren"), "wmo",
        "Gebouw Ontmoeten en Meedoen, Grou",
        "Samen koken en eten tegen eenzaamheid: eerst koffie, dan krijgt iedereen een taak",
        ("Erwtensoep", "Broodmaaltijd", "Vis van de markt", "Stamppot", "Soep en salade"),
        capacity=12, initial=5, join=0.5, leave=0.02, walk_ins=(0, 2), born=(1945, 1990),
        request_theme="Eenzaam in het dorp", wish="Ik wil iets hebben om naar uit te kijken.", mid_year=True,
    ),
    GroupPlan(
        "creatief", "Ontmoeten en Meedoen: Creatief", "meet", "Dorpenteam Zuid", "Goutum", "weekly", 1, "13:30", 150,
        ("participatie", "sociaal_netwerk"), "wmo", "Dorpshuis Goutum", "Dagbesteding: handwerken en schilderen",
        ("Schilderen", "Haken", "Kaarten maken", "Mozaïek", "Vrij werken"),
        capacity=14, initial=8, join=0.3, leave=0.015, walk_ins=(0, 1), born=(1945, 1975),
    ),
    GroupPlan(
        "jongeren", "Jongerengroep Huizum", "youth", "Dorpenteam Zuid", "Huizum-West", "weekly", 2, "19:00", 120,
        ("participatie",), None, "Jongerenhonk Huizum", "Groepswerk met jongeren: sport, koken, praten",
        ("Zaalvoetbal", "Gamen en praten", "Samen koken", "Tips voor je eerste bijbaan", "Uitje"),
        capacity=20, initial=8, join=0.4, leave=0.03, summer_weeks=6, walk_ins=(1, 6), born=(2008, 2012),
    ),
]
PLANS = {plan.code: plan for plan in GROUPS}

# name, team, kind, organisation, active from/until (months after the demo's start), groups, chance per session
CONTRIBUTORS = [
    ("Tineke Haitsma", "Wijkteam Noord", "volunteer", "", 0, None, ("wandelgroep", "kookgroep"), 0.8),
    ("Romano Elzinga", "Wijkteam Noord", "student", "NHL Stenden, Social Work", 13, 18, ("wandelgroep", "ouder-kind"),
     0.9),
    ("Karin Sijtsma", "Wijkteam Noord", "partner_staff", "JGZ GGD Fryslân", 0, None, ("ouder-kind",), 0.35),
    ("Ellen Bergsma", "Wijkteam Noord", "peer_expert", "", 5, None, ("geld-telt",), 0.9),
    ("Gerard Faber", "Wijkteam Noord", "volunteer", "Humanitas Thuisadministratie", 0, None, ("geld-telt",), 0.6),
    ("Wim Kooistra", "Wijkteam Noord", "volunteer", "", 8, None, ("inloop",), 0.85),
    ("Marten de Groot", "Dorpenteam Zuid", "peer_expert", "", 3, None, ("scheiding",), 0.9),
    ("Anneke Rienstra", "Dorpenteam Zuid", "volunteer", "", 0, None, ("koffie-grou", "vrijdaghap"), 0.85),
    ("Dirk Westra", "Dorpenteam Zuid", "student", "Friesland College, Sociaal Werk", 9, 14, ("jongeren",), 0.9),
    ("Hiske van Dijk", "Dorpenteam Zuid", "volunteer", "", 0, None, ("creatief",), 0.9),
]

END_REASONS_ONGOING = {
    "completed_no_further_support": 30, "dropped_out": 25, "moved": 10, "to_individual_support": 10, "other": 5,
}
END_REASONS_COURSE = {
    "completed_no_further_support": 50, "next_series": 8, "to_individual_support": 12, "to_other_group": 12,
    "dropped_out": 12, "moved": 3,
}
REFERRALS = {"own_worker": 60, "other_team": 6, "partner": 12, "gp_hospital": 7, "self": 12, "other": 3}
SUPPORT_PRODUCT = {
    "wgs": ("Schuldhulp", "wgs"), "jeugdwet": ("Opvoedondersteuning", "jeugdwet"), "wmo": ("Thuisondersteuning", "wmo"),
}
CANCEL_NOTES = [
    "Afgelast: sociaal werker ziek", "Afgelast: zaal niet beschikbaar", "Afgelast: code oranje, storm",
    "Afgelast: te weinig deelnemers deze week",
]
# Help requests of residents who are not (yet) in a group: the bundling board and the individual route.
WAITING = [
    ("Eenzaamheid, zoekt contact in de buurt", "sociaal_netwerk", "Bilgaard", "undecided", ""),
    ("Eenzaamheid, zoekt contact in de buurt", "sociaal_netwerk", "Heechterp-Schieringen", "collective", ""),
    ("Eenzaamheid, zoekt contact in de buurt", "sociaal_netwerk", "Bilgaard", "collective", ""),
    ("Geldzorgen", "financien", "Oud-Oost", "undecided", ""),
    ("Geldzorgen", "financien", "Havankpark", "collective", ""),
    ("Alleen wonen voor het eerst", "wonen", "Vrijheidswijk", "undecided", ""),
    ("Alleen wonen voor het eerst", "wonen", "Oud-Oost", "collective", ""),
    ("Mantelzorg valt zwaar", "dagelijks_functioneren", "Wirdum", "undecided", ""),
    ("Schulden en een beslag op loon", "financien", "Havankpark", "individual", "too_complex"),
    ("Dreigende huisuitzetting", "wonen", "Huizum-West", "individual", "crisis"),
    ("Opvoedvragen, puberzoon", "opvoeding", "Goutum", "individual", "not_yet"),
    ("Eenzaamheid", "sociaal_netwerk", "Wirdum", "individual", "practical"),
    ("Geldzorgen", "financien", "Grou", "individual", "declines"),
    ("Werk kwijt, zoekt dagbesteding", "werk_dagbesteding", "Bilgaard", "individual", "no_group"),
    ("Schulden, wil eerst alles op een rij", "financien", "Vrijheidswijk", "combined", ""),
    ("Zorgen om de kinderen na scheiding", "opvoeding", "Grou", "combined", ""),
]
# Residents supported only individually over the two years, and why not in a group (tenzij).
INDIVIDUAL = [
    ("Schulden, betalingsachterstanden", "financien", "wgs"),
    ("Opvoedvragen", "opvoeding", "jeugdwet"),
    ("Huishouden lukt niet meer na ziekte", "dagelijks_functioneren", "wmo"),
    ("Woonproblemen, overlast", "wonen", "wmo"),
]
TENZIJ = {"too_complex": 4, "crisis": 2, "not_yet": 3, "practical": 3, "declines": 2, "no_group": 3, "other": 1}
INDIVIDUAL_RESIDENTS = 26
WAITING_BLOCK, INDIVIDUAL_BLOCK = 11 * 160, 12 * 160
# Residents of the queue and the bundling board, and of Geld Telt Grou: keys whose names (key % 1,920)
# no other resident has (the individual residents use 0-25, the groups 160 and up).
REQUEST_BLOCK, SERIES_BLOCK = 12 * 160 + 40, 12 * 160 + 100


@dataclass(frozen=True)
class RequestPlan:
    """An open (or recently closed) help request: the queue, the bundling board and the waiting list.

    ``steps`` is the route history, oldest first: (days ago, route, tenzij reason, why); the first
    step is the day of the request, the last one the route it has now.
    """

    theme: str
    domain: str | None
    hood: str
    steps: tuple
    born: tuple = (1950, 2000)
    language: str = "nl"
    days: tuple = ()  # weekdays that suit (0 = Monday)
    dayparts: tuple = ()
    closed: tuple | None = None  # (close reason, days ago)
    wait_for: str | None = None  # the code of the group whose waiting list they are on
    waiting_days: int = 0  # on that list since
    trial: bool = False  # invited to try the group at its next meeting ("proef")


def _asked(days: int, route: str = "collective", reason: str = "", why: str = "") -> tuple:
    return ((days, route, reason, why),)


OPEN_REQUESTS = [
    # Enough for a group: five residents of Bilgaard with money worries who want to work on it together.
    RequestPlan("Rekeningen stapelen zich op", "financien", "Bilgaard",
                ((40, "undecided", "", ""), (33, "collective", "", "Wil samen met anderen leren budgetteren")),
                born=(1962, 1975), days=(1, 3), dayparts=("morning",)),
    RequestPlan("Schulden na ontslag", "financien", "Bilgaard", _asked(28), born=(1985, 1995), language="ar",
                days=(0, 1, 3), dayparts=("morning", "afternoon")),
    RequestPlan("Grip op geld, alleenstaande moeder", "financien", "Bilgaard",
                ((60, "individual", "clarify_first", "Eerst uitzoeken wat er precies speelt"),
                 (35, "collective", "", "Vraag is helder; past goed in een groep over geld")),
                born=(1990, 1998), days=(1, 2), dayparts=("morning",)),
    RequestPlan("Toeslagen en formulieren", "financien", "Bilgaard", _asked(14), born=(1948, 1958), language="tr",
                days=(3,), dayparts=("afternoon",)),
    RequestPlan("Geldzorgen, wil overzicht", "financien", "Bilgaard",
                ((9, "undecided", "", ""), (5, "collective", "", "")), born=(1970, 1980), language="uk",
                days=(1, 3, 4), dayparts=("morning", "afternoon")),
    # A mixed bundle: different questions, one wijk (a pilot started like this, and it worked).
    RequestPlan("Net verhuisd, kent niemand", "sociaal_netwerk", "Huizum-West", _asked(18), born=(1995, 2002),
                language="ti", days=(2, 4), dayparts=("afternoon",)),
    RequestPlan("Wil weer iets om handen hebben", "werk_dagbesteding", "Huizum-West", _asked(25, "undecided"),
                born=(1960, 1970), days=(0, 2), dayparts=("morning",)),
    RequestPlan("Rommel en post in huis", "wonen", "Huizum-West", _asked(12), born=(1975, 1985), language="pl",
                days=(2,), dayparts=("evening",)),
    RequestPlan("Zorg voor zieke partner valt zwaar", "dagelijks_functioneren", "Huizum-West",
                ((30, "undecided", "", ""), (20, "collective", "", "Wil graag lotgenoten ontmoeten")),
                born=(1950, 1960), language="fy", days=(1, 2), dayparts=("morning",)),
    # "Collectief, tenzij": individual, and why not a group.
    RequestPlan("Brieven van instanties niet begrijpen", "financien", "Vrijheidswijk",
                _asked(15, "individual", "language", "Eerst taalondersteuning, later misschien Geld Telt"),
                born=(1980, 1990), language="ar", days=(0, 2), dayparts=("morning",)),
    RequestPlan("Opvoedvragen, werkt overdag", "opvoeding", "Oud-Oost",
                ((20, "undecided", "", ""),
                 (12, "individual", "time_does_not_fit", "Het ouder-en-kindcafé is op dinsdagmiddag")),
                born=(1988, 1996), days=(5,), dayparts=("evening",)),
    RequestPlan("Eenzaam in het dorp, geen vervoer", "sociaal_netwerk", "Wirdum",
                _asked(45, "individual", "transport", "Geen vervoer naar de koffie-inloop in Grou"),
                born=(1938, 1948), language="fy", days=(2,), dayparts=("morning",)),
    # A route that changed over time.
    RequestPlan("Somber sinds het pensioen", "mentale_gezondheid", "Goutum",
                ((70, "undecided", "", ""), (60, "individual", "not_yet", "Nog niet klaar voor een groep"),
                 (10, "collective", "", "Wil nu wel samen met anderen iets doen")),
                born=(1955, 1959), days=(1, 3), dayparts=("afternoon",)),
    RequestPlan("Schulden en weinig contacten", "financien", "Havankpark",
                _asked(22, "combined", "", "Schuldhulp loopt; daarnaast een groep"), born=(1972, 1982),
                days=(1,), dayparts=("morning",)),
    RequestPlan("Vragen over mantelzorg", "dagelijks_functioneren", "Grou", _asked(4, "undecided"),
                born=(1958, 1968)),
    RequestPlan("Koken met weinig geld", "financien", "Heechterp-Schieringen", _asked(6, "undecided"),
                born=(1990, 2000), language="en", days=(2, 3), dayparts=("afternoon", "evening")),
    # The waiting list of the cooking group, which is full: one tries it at the next meeting.
    RequestPlan("Eet vaak alleen", "sociaal_netwerk", "Oud-Oost", _asked(35), born=(1945, 1955),
                days=(2,), dayparts=("evening",), wait_for="kookgroep", waiting_days=30, trial=True),
    RequestPlan("Zoekt gezelschap bij het eten", "sociaal_netwerk", "Oud-Oost", _asked(50), born=(1950, 1960),
                language="tr", days=(2, 3), dayparts=("afternoon", "evening"), wait_for="kookgroep",
                waiting_days=45),
    RequestPlan("Wil gezonder en goedkoper koken", "dagelijks_functioneren", "Havankpark", _asked(16),
                born=(1985, 1995), days=(2,), dayparts=("evening",), wait_for="kookgroep", waiting_days=10),
    # Closed without a group, for a reason.
    RequestPlan("Vraag over huurtoeslag", "financien", "Bilgaard", _asked(80, "undecided"), closed=("solved", 70)),
    RequestPlan("Zoekt vrijwilligerswerk", "participatie", "Grou", _asked(120), closed=("elsewhere", 100)),
    RequestPlan("Eenzaam na de verhuizing", "sociaal_netwerk", "Vrijheidswijk", _asked(90), closed=("moved", 60)),
    RequestPlan("Overlast van de buren", "wonen", "Oud-Oost", _asked(75, "undecided"),
                closed=("not_reachable", 50)),
]

# Geld Telt Grou: a course of four meetings that runs as numbered series, each a group of its own
# linked to the one before (``Group.previous_series``); residents may go on to the next series.
SERIES_CODE, SERIES_WEEKDAY, SERIES_GAP = "geld-telt-grou", 3, datetime.timedelta(weeks=6)
# Per series: how the enrolments of the new residents end, then those of the residents who came
# from the series before (applied once the series is over).
SERIES_OUTCOMES = [
    (("next_series", "next_series", "next_series", "completed_no_further_support", "completed_no_further_support",
      "dropped_out", "to_individual_support"), ()),
    (("next_series", "next_series", "completed_no_further_support", "moved"),
     ("completed_no_further_support",) * 3),
    (("completed_no_further_support",) * 5, ("completed_no_further_support",) * 2),
]
SERIES_THEMES = ("Geldzorgen, wil leren budgetteren", "Betalingsachterstanden", "Overzicht kwijt over de post",
                 "Rondkomen met een klein inkomen")


def _weighted(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _on_or_after(day: datetime.date, weekday: int) -> datetime.date:
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    year, month = divmod(day.month - 1 + months, 12)
    return datetime.date(day.year + year, month + 1, 1)


def _summer_break(day: datetime.date, weeks: int) -> bool:
    """Within the zomerstop: the last ``weeks`` weeks before the end of the school holidays (23 August)."""
    end = datetime.date(day.year, 8, 23)
    return weeks > 0 and end - datetime.timedelta(weeks=weeks) < day <= end


def _christmas(day: datetime.date) -> bool:
    return (day.month, day.day) >= (12, 24) or (day.month, day.day) <= (1, 1)


def _series_start(day: datetime.date, weeks: int) -> datetime.date:
    """``day`` or, when a series starting then would run into the summer or Christmas, the first date after."""
    last = day + datetime.timedelta(weeks=weeks - 1)
    if 6 < last.month < 9 or 6 < day.month < 9:
        return _on_or_after(datetime.date(day.year, 9, 1), day.weekday())
    if last.year > day.year or (last.month, last.day) >= (12, 20):
        return _on_or_after(datetime.date(last.year + (last.month == 12), 1, 6), day.weekday())
    if (day.month, day.day) < (1, 6):
        return _on_or_after(datetime.date(day.year, 1, 6), day.weekday())
    return day


@dataclass
class Stint:
    """One enrolment of the plan."""

    person: int
    start: datetime.date
    end: datetime.date | None = None
    reason: str = ""
    referral: str = "own_worker"
    role: str = "participant"


@dataclass
class Person:
    key: int
    team: str
    hood: str
    born: tuple
    stints: list = field(default_factory=list)
    asked: datetime.date | None = None  # residents supported only individually: date of the help request
    language: str | None = None  # None: drawn like everyone's


class Command(BaseCommand):
    help = "Create demo data: a municipality, two teams, a user per role and two years of group work."

    @transaction.atomic
    def handle(self, *args, **options):
        self.today = timezone.localdate()
        self.yesterday = self.today - DAY
        self._remove_previous_demo()
        municipality = self._places()
        self.users = self._users(municipality)
        self.start = self._demo_start()
        for year in range(self.start.year, self.today.year + 1):
            target = 150 if year == self.start.year else 200
            MunicipalityTarget.objects.get_or_create(
                municipality=municipality, year=year, defaults={"residents_collective": target}
            )
        self.people: dict[int, Person] = {}
        self.transfers: dict[str, list[Stint]] = {}
        self.groups = {plan.code: self._group(plan) for plan in GROUPS}
        self.sessions = {}
        for plan in GROUPS:  # courses first: they send residents on to the ongoing groups
            self.sessions[plan.code] = self._course(plan) if plan.planned else self._ongoing(plan)
        self._waiting_residents()
        self._request_residents()
        self.series = self._course_series()
        self._write_people()
        self._write_enrolments()
        self._link_help_requests()
        contributors = self._contributors()
        for plan in GROUPS:
            self._write_sessions(plan, contributors)
        self._write_series_sessions()
        self._group_histories()
        self._waiting_list()
        # What the groups meant (issue 12): the outcomes app's own demo, when it is installed
        # (groups does not import outcomes; outcomes builds on groups).
        if apps.is_installed("outcomes"):
            import_module("outcomes.demo").seed(self.today, self.users)
        self._print()

    # --- places, users, groups -------------------------------------------------------------------

    def _remove_previous_demo(self):
        """Groups and residents of the earlier demo (numbered ids), which this plan replaces.

        A resident is never deleted (the database refuses it): the earlier demo's residents are
        anonymised instead, like any erased resident.
        """
        from participants.services import _anonymise

        Group.objects.filter(external_id__regex=r"^demo-g-\d+$").delete()
        now = timezone.now()
        for old in Participant.objects.filter(external_id__regex=r"^demo-p-\d+$", erased_at__isnull=True):
            _anonymise(old, now)

    def _places(self):
        municipality, _ = Municipality.objects.get_or_create(name=MUNICIPALITY)
        self.teams, self.hoods = {}, {}
        for team_name, hood_names in NEIGHBOURHOODS.items():
            self.teams[team_name], _ = Team.objects.get_or_create(municipality=municipality, name=team_name)
            for hood_name in hood_names:
                self.hoods[hood_name], _ = Neighbourhood.objects.get_or_create(
                    municipality=municipality, name=hood_name
                )
        return municipality

    def _users(self, municipality):
        User = get_user_model()
        users = {}
        for username, first, last, role, team_names in USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"}
            )
            if created or not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
            user.is_staff = user.is_superuser = role == "administrator"
            user.save()
            for team_name in team_names:
                Membership.objects.update_or_create(user=user, team=self.teams[team_name], defaults={"role": role})
            if role == "municipality":
                MunicipalityUser.objects.update_or_create(user=user, defaults={"municipality": municipality})
            if role == "administrator":
                self._administrator(user)
            users[username] = user
        return users

    @staticmethod
    def _administrator(user):
        """The explicit administrator role (``collectief.Administrator``), where this version has it."""
        try:
            model = apps.get_model("collectief", "Administrator")
        except LookupError:  # older schema: the staff and superuser flags make the administrator
            return
        model.objects.get_or_create(user=user)

    def _demo_start(self) -> datetime.date:
        """The first day of the quarter two years before this one (the dashboard's eight quarters).

        Kept once seeded (the walking group started then), so that a later run continues the plan.
        """
        first = Group.objects.filter(external_id=PLANS["wandelgroep"].external_id).values_list("start_date", flat=True)
        day = first[0] if first else _add_months(self.today, -24)
        return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)

    def _group_dates(self, plan: GroupPlan) -> tuple[datetime.date, datetime.date | None]:
        """Start date and hand-over date of a group, kept from an earlier run."""
        kept = Group.objects.filter(external_id=plan.external_id).values_list("start_date", "handed_over_on").first()
        if kept:
            return kept
        if plan.mid_year:  # started in June, at least three months ago
            year = self.today.year if self.today.month >= 9 else self.today.year - 1
            start = _on_or_after(datetime.date(year, 6, 1), plan.weekday)
        else:
            start = _on_or_after(_add_months(self.start, plan.start_month), plan.weekday)
        if plan.planned:  # a course starts with its first series, clear of the holidays
            start = _series_start(start, plan.planned)
        if not plan.handed_over:
            return start, None
        return start, _on_or_after(self.today - datetime.timedelta(weeks=13), plan.weekday)  # about 3 months ago

    def _group(self, plan: GroupPlan) -> Group:
        start, handed_over = self._group_dates(plan)
        group, _ = Group.objects.update_or_create(
            external_id=plan.external_id,
            defaults={
                "name": plan.name, "kind_id": plan.kind, "team": self.teams[plan.team],
                "neighbourhood": self.hoods.get(plan.hood), "rhythm": plan.rhythm, "usual_weekday": plan.weekday,
                "usual_time": datetime.time.fromisoformat(plan.time), "usual_duration_minutes": plan.minutes,
                "planned_sessions": plan.planned, "framework_id": plan.framework, "location": plan.location,
                "theme": plan.theme, "capacity": plan.capacity, "start_date": start, "handed_over_on": handed_over,
                "status": Group.Status.SELF_RUNNING if handed_over
                else Group.Status.PHASING_OUT if plan.phasing_out else Group.Status.RUNNING,
            },
        )
        group.life_domains.set(plan.domains)
        group.facilitators.add(self._worker(plan))
        return group

    def _worker(self, plan: GroupPlan):
        return self.users["sociaalwerker" if plan.team == "Wijkteam Noord" else "sociaalwerker2"]

    # --- the plan: who takes part when -----------------------------------------------------------

    def _new_person(self, plan: GroupPlan, rng: random.Random, counter: list) -> Person:
        """A new resident who comes in through ``plan``'s group: a key of the group's own block."""
        key = (GROUPS.index(plan) + 1) * 160 + counter[0]
        counter[0] += 1
        if plan.hood is None:
            hood = rng.choice(list(HOOD_TEAM))
        else:
            hood = plan.hood if rng.random() < 0.75 else rng.choice(NEIGHBOURHOODS[plan.team])
        person = Person(key, HOOD_TEAM[hood], hood, plan.born)
        self.people[key] = person
        return person

    def _join(self, plan, person, start, rng, role="participant", referral=None) -> Stint:
        stint = Stint(person.key, start, referral=referral or _weighted(rng, REFERRALS), role=role)
        if referral is None and person.team != plan.team and stint.referral == "own_worker":
            stint.referral = "other_team"
        person.stints.append((plan.code, stint))
        return stint

    def _course(self, plan: GroupPlan) -> list[tuple[datetime.date, str]]:
        """Series of ``planned`` weekly meetings, each with new residents; returns (date, topic) to log."""
        rng, counter = random.Random(plan.code), [0]
        day, number, repeaters, dates = self.groups[plan.code].start_date, 1, [], []
        while (day := _series_start(day, plan.planned)) <= self.today + 3 * DAY:
            meetings = [day + i * WEEK for i in range(plan.planned)]
            newcomers = [self._new_person(plan, rng, counter) for _ in range(rng.randint(*plan.new_per_series))]
            repeaters = self._series(plan, rng, meetings, newcomers, repeaters)
            dates += [(d, f"Reeks {number}, {i + 1}/{plan.planned}: {plan.topics[i % len(plan.topics)]}")
                      for i, d in enumerate(meetings)]
            day, number = meetings[-1] + (plan.series_gap_weeks + 1) * WEEK, number + 1
        return [(d, topic) for d, topic in dates if d <= self.yesterday]

    def _series(self, plan, rng, meetings, newcomers, repeaters) -> list[Person]:
        """Enrol one series and decide how each enrolment ends; returns who joins the next series."""
        following = []
        for person in newcomers + repeaters:
            stint = self._join(plan, person, meetings[0] - rng.randint(3, 14) * DAY, rng,
                               referral="own_worker" if person in repeaters else None)
            reason = _weighted(rng, END_REASONS_COURSE)
            if reason == "next_series" and (person in repeaters or not plan.code == "geld-telt"):
                reason = "completed_no_further_support"
            end = meetings[1] if reason == "dropped_out" else meetings[-1]
            arrival = end + rng.randint(7, 28) * DAY
            if end > self.today:
                continue  # the series is still running
            stint.end, stint.reason = end, reason
            if reason == "next_series":
                following.append(person)
            elif reason == "to_other_group":
                self.transfers.setdefault(plan.transfer_to, []).append(
                    Stint(person.key, arrival, referral="other_team" if person.team != PLANS[plan.transfer_to].team
                          else "own_worker")
                )
        return following

    def _ongoing(self, plan: GroupPlan) -> list[tuple[datetime.date, str]]:
        """Week by week: residents join (more while there is room) and leave with a reason."""
        rng, counter = random.Random(plan.code), [0]
        group = self.groups[plan.code]
        dates = group.expected_dates(self.yesterday)
        arrivals = sorted(self.transfers.get(plan.code, []), key=lambda s: s.start)
        members = []
        for index, day in enumerate(dates):
            if index == 0:
                members = [self._join(plan, self._new_person(plan, rng, counter), day, rng,
                                      role="co_lead" if i == 0 and plan.code == "wandelgroep" else "participant")
                           for i in range(plan.initial)]
                continue
            members = [s for s in members if not self._leaves(s, day, plan, rng)]
            if rng.random() < plan.join * (1 - len(members) / plan.capacity):
                members.append(self._join(plan, self._new_person(plan, rng, counter), day, rng))
            while arrivals and arrivals[0].start <= day:
                members.append(self._arrive(plan, arrivals.pop(0)))
        if group.handed_over_on:
            self._hand_over(plan, members, group.handed_over_on)
        skipped = dates[-plan.skip_recent] if plan.skip_recent and len(dates) >= plan.skip_recent else None
        return [(d, plan.topics[i % len(plan.topics)]) for i, d in enumerate(dates) if d != skipped]

    def _leaves(self, stint: Stint, day, plan, rng) -> bool:
        if stint.role == "co_lead" or stint.start >= day or rng.random() >= plan.leave:
            return False
        stint.end, stint.reason = day - DAY, _weighted(rng, END_REASONS_ONGOING)
        return True

    def _arrive(self, plan, stint: Stint) -> Stint:
        person = self.people[stint.person]
        stint.start = max(stint.start, self.groups[plan.code].start_date)
        person.stints.append((plan.code, stint))
        return stint

    def _hand_over(self, plan, members, handed_over_on):
        """The residents run the group themselves from the hand-over: the organisation's support ends."""
        for i, stint in enumerate(members):
            stint.end, stint.reason = handed_over_on - DAY, "self_running"
            if i < 2:
                stint.role = "co_lead"

    def _waiting_residents(self):
        """Residents with a help request but no group (yet): open questions and the individual route."""
        for i, (_theme, _domain, hood, _route, _reason) in enumerate(WAITING):
            person = Person(WAITING_BLOCK + i, HOOD_TEAM[hood], hood, (1955, 2003))
            self.people[person.key] = person
        for i in range(INDIVIDUAL_RESIDENTS):
            rng = random.Random(f"individual-{i}")
            hood, asked = rng.choice(list(HOOD_TEAM)), self.start + rng.randint(0, 700) * DAY
            if asked <= self.today - 14 * DAY:  # a later one comes with a later run
                person = Person(INDIVIDUAL_BLOCK + i, HOOD_TEAM[hood], hood, (1948, 2004), asked=asked)
                self.people[person.key] = person

    def _request_residents(self):
        """Residents whose help request is in the queue (or was closed without a group)."""
        for i, plan in enumerate(OPEN_REQUESTS):
            person = Person(REQUEST_BLOCK + i, HOOD_TEAM[plan.hood], plan.hood, plan.born, language=plan.language)
            self.people[person.key] = person

    def _course_series(self) -> list[tuple[str, Group, list[datetime.date]]]:
        """Geld Telt Grou in three series of four meetings, each a group linked to the one before.

        The third series starts next week (a run on a later day keeps the dates); who goes on to the
        next series ends their enrolment with ``next_series`` and is enrolled in it from its start.
        Returns (code, group, meeting dates) per series.
        """
        kept = Group.objects.filter(external_id=f"demo-g-{SERIES_CODE}-1").values_list("start_date", flat=True)
        first = kept[0] if kept else _on_or_after(self.today + 5 * DAY, SERIES_WEEKDAY) - 2 * SERIES_GAP
        rng, counter = random.Random(SERIES_CODE), [0]
        previous, repeaters, series = None, [], []
        for number, (new_outcomes, repeat_outcomes) in enumerate(SERIES_OUTCOMES, start=1):
            start = first + (number - 1) * SERIES_GAP
            meetings = [start + i * WEEK for i in range(4)]
            code = f"{SERIES_CODE}-{number}"
            previous = self.groups[code] = self._series_group(number, meetings, previous)
            newcomers = [self._series_person(rng, counter) for _ in new_outcomes]
            following = []
            for person, outcome in zip(newcomers + repeaters, new_outcomes + repeat_outcomes, strict=True):
                if person in newcomers:
                    stint = Stint(person.key, start - rng.randint(5, 12) * DAY, referral=_weighted(rng, REFERRALS))
                else:  # enrolled in one step when their enrolment in the previous series ended
                    stint = Stint(person.key, start, referral=person.stints[-1][1].referral)
                person.stints.append((code, stint))
                if meetings[-1] < self.today:  # the series is over: how each enrolment ended
                    stint.end = meetings[1] if outcome == "dropped_out" else meetings[-1]
                    stint.reason = outcome
                    if outcome == "next_series":
                        following.append(person)
            repeaters = following
            series.append((code, previous, meetings))
        return series

    def _series_person(self, rng, counter) -> Person:
        hood = "Grou" if rng.random() < 0.7 else rng.choice(["Wirdum", "Goutum", "Huizum-West"])
        person = Person(SERIES_BLOCK + counter[0], "Dorpenteam Zuid", hood, (1965, 2000))
        counter[0] += 1
        self.people[person.key] = person
        return person

    def _series_group(self, number: int, meetings: list[datetime.date], previous: Group | None) -> Group:
        plan = PLANS["geld-telt"]
        if meetings[-1] < self.today:
            status, end = Group.Status.ENDED, meetings[-1]
        else:
            status, end = (Group.Status.RUNNING if meetings[0] <= self.today else Group.Status.FORMING), None
        group, _ = Group.objects.update_or_create(
            external_id=f"demo-g-{SERIES_CODE}-{number}",
            defaults={
                "name": "Geld Telt Grou", "kind_id": "support", "team": self.teams["Dorpenteam Zuid"],
                "neighbourhood": self.hoods["Grou"], "rhythm": Group.Rhythm.COURSE, "usual_weekday": SERIES_WEEKDAY,
                "usual_time": datetime.time(13, 30), "usual_duration_minutes": 120, "planned_sessions": 4,
                "framework_id": "wgs", "location": "Dorpshuis Grou", "theme": plan.theme, "capacity": 10,
                "start_date": meetings[0], "end_date": end, "status": status, "series_number": number,
                "previous_series": previous,
            },
        )
        group.life_domains.set(["financien"])
        group.facilitators.add(self.users["sociaalwerker2"])
        return group

    # --- writing the plan --------------------------------------------------------------------------

    def _write_people(self):
        demo = Participant.objects.filter(external_id__startswith="demo-r-")
        existing = set(demo.values_list("external_id", flat=True))
        new = [self._participant(p) for p in self.people.values() if f"demo-r-{p.key:04d}" not in existing]
        Participant.objects.bulk_create(new, batch_size=500)
        self.pks = dict(demo.values_list("external_id", "pk"))
        self._write_records()

    def _participant(self, person: Person) -> Participant:
        rng = random.Random(f"person-{person.key}")
        first, last = NAME_PAIRS[person.key % len(NAME_PAIRS)]
        postcode = f"{POSTCODES[person.hood]} {rng.choice('ABCDEGHJKLMNPRSTVWX')}{rng.choice('ABCDEGHJKLMNPRSTVWXZ')}"
        return Participant(
            external_id=f"demo-r-{person.key:04d}", first_name=FIRST_NAMES[first], last_name=LAST_NAMES[last],
            birth_date=datetime.date(rng.randint(*person.born), rng.randint(1, 12), rng.randint(1, 28)),
            postcode=postcode, neighbourhood=self.hoods[person.hood], team=self.teams[person.team],
            preferred_language=person.language or rng.choice(LANGUAGES), created_by=self.users["sociaalwerker"],
        )

    def _write_records(self):
        """Consent, individual support, change wishes and help requests: only the missing ones.

        Individual support is written before the help requests, so a request answered by it can
        point at it (``matched_support``). The planned requests are kept in ``self.requests``: the
        enrolments that answer them and their route history are written once those exist.
        """
        rows = {Consent: [], IndividualSupport: [], ChangeWish: [], HelpRequest: []}
        for person in self.people.values():
            for row in self._records(person):
                rows[type(row)].append(row)
        keys = {
            # Keys without the dates that follow from today (the open help requests are recent).
            Consent: ("participant_id", "purpose"), HelpRequest: ("participant_id", "theme"),
            IndividualSupport: ("participant_id", "product"), ChangeWish: ("participant_id", "text"),
        }
        for model, new in rows.items():
            existing = set(model.objects.filter(participant_id__in=self.pks.values()).values_list(*keys[model]))
            missing = {tuple(getattr(row, k) for k in keys[model]): row for row in new}
            missing = [row for key, row in missing.items() if key not in existing]
            if model is HelpRequest:
                self._match_support(missing)
            model.objects.bulk_create(missing)
        self.requests = rows[HelpRequest]

    def _supports(self) -> dict:
        return {
            (participant, product, start): pk
            for pk, participant, product, start in IndividualSupport.objects.filter(
                participant_id__in=self.pks.values()
            ).values_list("pk", "participant_id", "product", "start_date")
        }

    def _match_support(self, requests):
        """A request answered by individual support points at that support period."""
        supports = self._supports()
        for request in requests:
            if getattr(request, "support", None):
                request.matched_support_id = supports.get((request.participant_id, *request.support))

    def _request(self, person: Person, pk: int, **fields) -> HelpRequest:
        """A help request of ``person``, registered by the social worker of their team."""
        return HelpRequest(participant_id=pk, created_by=self._team_worker(person.team), **fields)

    def _team_worker(self, team: str):
        return self.users["sociaalwerker" if team == "Wijkteam Noord" else "sociaalwerker2"]

    def _records(self, person: Person):
        rng = random.Random(f"records-{person.key}")
        pk = self.pks[f"demo-r-{person.key:04d}"]
        if person.key >= SERIES_BLOCK:
            yield from self._series_records(person, pk, rng)
            return
        if person.key >= REQUEST_BLOCK:
            yield from self._open_request_records(person, pk)
            return
        if person.key >= INDIVIDUAL_BLOCK:
            yield from self._individual_records(person, pk, rng)
            return
        if not person.stints:
            yield from self._waiting_records(person, pk, rng)
            return
        code, first = person.stints[0]
        plan = PLANS[code]
        since = min(first.start - rng.randint(0, 10) * DAY, self.today)
        yield Consent(participant_id=pk, purpose=Consent.Purpose.REGISTRATION, given=True, date=since,
                      recorded_by=self._worker(plan))
        both = rng.random() < 0.15
        if plan.request_theme and rng.random() < 0.7:
            # Answered by the enrolment: matched (the waiting time runs to the first session attended).
            request = self._request(
                person, pk, theme=plan.request_theme, life_domain_id=plan.domains[0],
                date=min(first.start - rng.randint(7, 60) * DAY, self.today),
                route="combined" if both else "collective", status=HelpRequest.Status.MATCHED,
                closed_on=min(first.start, self.today),
            )
            request.link = (code, first.start)
            yield request
        product, framework = SUPPORT_PRODUCT[plan.framework or "wmo"]
        if both:
            end = first.start + rng.randint(60, 240) * DAY
            yield IndividualSupport(participant_id=pk, product=product, framework_id=framework,
                                    start_date=first.start - rng.randint(20, 120) * DAY,
                                    end_date=end if end <= self.today else None)
        yield from self._after_group(person, pk, rng, product, framework)
        if plan.wish and rng.random() < 0.5:
            yield self._wish(plan, first, pk, rng)

    def _after_group(self, person, pk, rng, product, framework):
        """Individual support for residents whose enrolment ended with ``to_individual_support``."""
        for _code, stint in person.stints:
            start = stint.end + rng.randint(7, 21) * DAY if stint.reason == "to_individual_support" else None
            if start and start <= self.today:
                end = start + rng.randint(90, 240) * DAY
                yield IndividualSupport(participant_id=pk, product=product, framework_id=framework,
                                        start_date=start, end_date=end if end <= self.today else None)

    def _wish(self, plan, stint, pk, rng) -> ChangeWish:
        status = {"completed_no_further_support": "achieved", "dropped_out": "dropped", "": "working"}
        state = status.get(stint.reason, "open")
        return ChangeWish(
            participant_id=pk, text=plan.wish, life_domain_id=plan.domains[0], status=state,
            start_date=min(stint.start, self.today),
            end_date=stint.end if state in ("achieved", "dropped") else None,
        )

    def _individual_records(self, person, pk, rng):
        """Individual support only: the help request says why not a group, and is answered by the support."""
        theme, domain, framework = rng.choice(INDIVIDUAL)
        asked, reason = person.asked, _weighted(rng, TENZIJ)
        end = asked + rng.randint(60, 360) * DAY
        worker = self._team_worker(person.team)
        yield Consent(participant_id=pk, purpose=Consent.Purpose.REGISTRATION, given=True, date=asked,
                      recorded_by=worker)
        product, framework = SUPPORT_PRODUCT[framework]
        request = self._request(person, pk, theme=theme, life_domain_id=domain, date=asked, route="individual",
                                tenzij_reason=reason, status=HelpRequest.Status.MATCHED, closed_on=asked + 7 * DAY)
        request.support = (product, asked + 7 * DAY)
        if rng.random() < 0.35:  # weighed twice: first undecided, then individual after a conversation
            request.steps = [(asked, "undecided", "", ""),
                             (asked + 4 * DAY, "individual", reason, "Na het gesprek: eerst individueel")]
        yield request
        yield IndividualSupport(participant_id=pk, product=product, framework_id=framework,
                                start_date=asked + 7 * DAY, end_date=end if end <= self.today else None)

    def _waiting_records(self, person, pk, rng):
        """Residents with a help request but no group: open, or answered by individual support."""
        theme, domain, _hood, route, reason = WAITING[person.key - WAITING_BLOCK]
        asked = self.today - rng.randint(*((20, 500) if route == "individual" else (3, 70))) * DAY
        yield Consent(participant_id=pk, purpose=Consent.Purpose.REGISTRATION, given=True, date=asked,
                      recorded_by=self._team_worker(person.team))
        request = self._request(person, pk, theme=theme, life_domain_id=domain, date=asked, route=route,
                                tenzij_reason=reason)
        if route in ("individual", "combined"):
            product, framework = SUPPORT_PRODUCT["wgs" if domain == "financien" else
                                                 "jeugdwet" if domain == "opvoeding" else "wmo"]
            end = asked + rng.randint(60, 300) * DAY
            start = asked + rng.randint(5, 20) * DAY
            yield IndividualSupport(participant_id=pk, product=product, framework_id=framework,
                                    start_date=start, end_date=end if end <= self.today else None)
            if route == "individual" and start <= self.today:  # combined: still waiting for a group too
                request.status, request.closed_on, request.support = HelpRequest.Status.MATCHED, start, (product, start)
        if request.status == HelpRequest.Status.OPEN:
            request.preferred_days = sorted(rng.sample(range(5), rng.randint(1, 3)))
            request.preferred_dayparts = sorted(rng.sample(["morning", "afternoon", "evening"], rng.randint(1, 2)))
        yield request

    def _open_request_records(self, person, pk):
        """The requests of ``OPEN_REQUESTS``: the queue, the bundling board and the waiting list."""
        plan = OPEN_REQUESTS[person.key - REQUEST_BLOCK]
        steps = [(self.today - days * DAY, route, reason, why) for days, route, reason, why in plan.steps]
        asked, (_day, route, reason, _why) = steps[0][0], steps[-1]
        yield Consent(participant_id=pk, purpose=Consent.Purpose.REGISTRATION, given=True, date=asked,
                      recorded_by=self._team_worker(person.team))
        request = self._request(
            person, pk, theme=plan.theme, life_domain_id=plan.domain, date=asked, route=route, tenzij_reason=reason,
            preferred_days=list(plan.days), preferred_dayparts=list(plan.dayparts),
        )
        if plan.closed:
            close_reason, days = plan.closed
            request.status, request.close_reason = HelpRequest.Status.CLOSED, close_reason
            request.closed_on = self.today - days * DAY
        request.steps = steps
        yield request

    def _series_records(self, person, pk, rng):
        """A resident of Geld Telt Grou: the help request their first series answered."""
        code, first = person.stints[0]
        asked = min(first.start - rng.randint(14, 45) * DAY, self.today)
        yield Consent(participant_id=pk, purpose=Consent.Purpose.REGISTRATION, given=True, date=asked,
                      recorded_by=self._team_worker(person.team))
        request = self._request(
            person, pk, theme=rng.choice(SERIES_THEMES), life_domain_id="financien", date=asked, route="collective",
            status=HelpRequest.Status.MATCHED, closed_on=min(first.start, self.today),
        )
        request.link = (code, first.start)
        if rng.random() < 0.4:
            request.steps = [(asked, "undecided", "", ""),
                             (asked + 3 * DAY, "collective", "", "Er start binnenkort een nieuwe reeks Geld Telt")]
        yield request
        yield from self._after_group(person, pk, rng, "Schuldhulp", "wgs")

    def _write_enrolments(self):
        existing = {
            (e.participant_id, e.group_id, e.start_date): e
            for e in Enrolment.objects.filter(group__in=self.groups.values())
        }
        new, ended = [], []
        for person in self.people.values():
            for code, stint in person.stints:
                key = (self.pks[f"demo-r-{person.key:04d}"], self.groups[code].pk, stint.start)
                if key not in existing:
                    new.append(Enrolment(participant_id=key[0], group_id=key[1], start_date=stint.start,
                                         end_date=stint.end, end_reason_id=stint.reason or None,
                                         referral_source=stint.referral, role=stint.role))
                elif stint.end and existing[key].end_date is None:  # ended since the previous run
                    row = existing[key]
                    row.end_date, row.end_reason_id = stint.end, stint.reason
                    ended.append(row)
        Enrolment.objects.bulk_create(new, batch_size=500)
        Enrolment.objects.bulk_update(ended, ["end_date", "end_reason"])

    def _link_help_requests(self):
        """The enrolment that answered each matched request, and every request's route history.

        Only what is missing is written. A request that an earlier version of the demo seeded as
        closed (migration 0009 closed every request with a closing date) is matched when its
        enrolment is linked.
        """
        stored = {
            (participant, theme): (pk, status, reason)
            for pk, participant, theme, status, reason in HelpRequest.objects.filter(
                participant_id__in=self.pks.values()
            ).values_list("pk", "participant_id", "theme", "status", "close_reason")
        }
        enrolments = {
            (participant, group, start): (pk, request)
            for pk, participant, group, start, request in Enrolment.objects.filter(
                group__in=self.groups.values()
            ).values_list("pk", "participant_id", "group_id", "start_date", "help_request_id")
        }
        linked, by_group, by_support, supports = [], [], [], self._supports()
        seeded_closed = (HelpRequest.Status.CLOSED, HelpRequest.CloseReason.OTHER)
        for row in self.requests:
            request = stored.get((row.participant_id, row.theme))
            if request is None:
                continue
            if getattr(row, "support", None) and request[1:] == seeded_closed:
                by_support.append(HelpRequest(pk=request[0], status=HelpRequest.Status.MATCHED, close_reason="",
                                              matched_support_id=supports.get((row.participant_id, *row.support))))
            code, start = getattr(row, "link", (None, None))
            enrolment = enrolments.get((row.participant_id, self.groups[code].pk, start)) if code else None
            if enrolment is None or enrolment[1] is not None:
                continue
            linked.append(Enrolment(pk=enrolment[0], help_request_id=request[0]))
            if request[1:] == seeded_closed:
                by_group.append(HelpRequest(pk=request[0], status=HelpRequest.Status.MATCHED, close_reason=""))
        Enrolment.objects.bulk_update(linked, ["help_request"], batch_size=500)
        HelpRequest.objects.bulk_update(by_group, ["status", "close_reason"], batch_size=500)
        HelpRequest.objects.bulk_update(by_support, ["status", "close_reason", "matched_support"], batch_size=500)
        self._route_histories({key: value[0] for key, value in stored.items()})

    def _route_histories(self, stored: dict):
        """Each request's weighing steps (``RouteChange``), for the requests that have none yet."""
        have = set(RouteChange.objects.filter(help_request_id__in=stored.values()).values_list(
            "help_request_id", flat=True
        ))
        steps = []
        for row in self.requests:
            pk = stored.get((row.participant_id, row.theme))
            if pk is None or pk in have:
                continue
            have.add(pk)
            history = getattr(row, "steps", None) or [(row.date, row.route, row.tenzij_reason, "")]
            steps += [RouteChange(help_request_id=pk, route=route, tenzij_reason=reason, date=day, why=why,
                                  changed_by=row.created_by) for day, route, reason, why in history]
        RouteChange.objects.bulk_create(steps, batch_size=1000)

    def _contributors(self) -> dict[str, list[Contributor]]:
        """Begeleiders of each group: volunteers, a peer expert, students and partner staff."""
        by_group = {}
        for name, team, kind, organisation, since, until, codes, chance in CONTRIBUTORS:
            contributor, _ = Contributor.objects.get_or_create(
                team=self.teams[team], name=name,
                defaults={"kind": kind, "organisation": organisation,
                          "active_from": _add_months(self.start, since),
                          "active_until": _add_months(self.start, until) - DAY if until else None},
            )
            contributor.chance = chance
            for code in codes:
                self.groups[code].contributors.add(contributor)
                by_group.setdefault(code, []).append(contributor)
        by_group["kookgroep"].append(self._resident_volunteer())
        return by_group

    def _resident_volunteer(self) -> Contributor:
        """A resident who finished Geld Telt now helps in the cooking group: two roles, kept apart."""
        person = next(p for p in self.people.values()
                      if any(c == "geld-telt" and s.reason == "completed_no_further_support" for c, s in p.stints))
        participant = Participant.objects.get(external_id=f"demo-r-{person.key:04d}")
        ended = max(s.end for _c, s in person.stints if s.end)
        contributor, _ = Contributor.objects.get_or_create(
            team=self.teams["Wijkteam Noord"], name=participant.full_name,
            defaults={"kind": "volunteer", "participant": participant,
                      "active_from": min(ended + 30 * DAY, self.today)},
        )
        if not participant.is_volunteer:
            Participant.objects.filter(pk=participant.pk).update(is_volunteer=True)
        self.groups["kookgroep"].contributors.add(contributor)
        contributor.chance = 0.7
        return contributor

    # --- sessions, attendance, who helped ------------------------------------------------------------

    def _write_sessions(self, plan: GroupPlan, contributors: dict):
        group = self.groups[plan.code]
        existing = set(Session.objects.filter(group=group).values_list("date", flat=True))
        planned = [(day, topic) for day, topic in self.sessions[plan.code] if day not in existing]
        Session.objects.bulk_create(
            [self._session(plan, group, day, topic) for day, topic in planned], ignore_conflicts=True
        )
        ids = [f"demo-s-{plan.code}-{day:%Y%m%d}" for day, _topic in planned]
        new = list(Session.objects.filter(external_id__in=ids, status=Session.Status.HELD))
        members = [(self.pks[f"demo-r-{p.key:04d}"], s) for p in self.people.values()
                   for code, s in p.stints if code == plan.code]
        attendance, helped = [], []
        for session in new:
            rng = random.Random(session.external_id)
            attendance += [self._attendance(session, pk, stint, rng, plan) for pk, stint in members
                           if stint.start <= session.date and (stint.end is None or stint.end >= session.date)]
            helped += [Session.contributors.through(session_id=session.pk, contributor_id=c.pk)
                       for c in contributors.get(plan.code, []) if self._helps(c, session.date, rng)]
        Attendance.objects.bulk_create(attendance, ignore_conflicts=True, batch_size=2000)
        Session.contributors.through.objects.bulk_create(helped, ignore_conflicts=True, batch_size=2000)

    def _session(self, plan: GroupPlan, group: Group, day: datetime.date, topic: str) -> Session:
        rng = random.Random(f"demo-s-{plan.code}-{day:%Y%m%d}")
        note = ""
        if plan.planned is None and _summer_break(day, plan.summer_weeks):
            note = "Zomerstop"
        elif plan.planned is None and _christmas(day):
            note = "Kerstvakantie"
        elif rng.random() < 0.03:
            note = rng.choice(CANCEL_NOTES)
        return Session(
            group=group, date=day, start_time=group.usual_time, duration_minutes=plan.minutes,
            status=Session.Status.CANCELLED if note else Session.Status.HELD, topic="" if note else topic,
            head_count=0 if note else rng.randint(*plan.walk_ins), notes=note,
            external_id=f"demo-s-{plan.code}-{day:%Y%m%d}", created_by=self._worker(plan),
        )

    def _attendance(self, session, pk, stint: Stint, rng, plan) -> Attendance:
        chance = plan.presence - (0.25 if session.date.month in (7, 8) else 0.1 if session.date.month == 12 else 0)
        if stint.reason == "dropped_out" and stint.end - session.date < datetime.timedelta(days=21):
            chance = 0.2  # stayed away before they stopped
        if rng.random() < chance:
            status = Attendance.Status.PRESENT
        else:
            status = Attendance.Status.EXCUSED if rng.random() < 0.5 else Attendance.Status.ABSENT
        return Attendance(session=session, participant_id=pk, status=status)

    @staticmethod
    def _helps(contributor, day, rng) -> bool:
        until = contributor.active_until or day
        active = contributor.active_from <= day <= until
        return active and rng.random() < contributor.chance

    # --- the path from request to group: series, status history, hand-over, waiting list -------------

    def _write_series_sessions(self):
        """The meetings of Geld Telt Grou held so far, with everyone's attendance."""
        plan = PLANS["geld-telt"]
        for number, (code, group, meetings) in enumerate(self.series, start=1):
            logged = set(Session.objects.filter(group=group).values_list("date", flat=True))
            Session.objects.bulk_create([
                Session(group=group, date=day, start_time=group.usual_time, duration_minutes=120,
                        topic=f"Reeks {number}, {i + 1}/4: {plan.topics[i]}", external_id=f"demo-s-{code}-{day:%Y%m%d}",
                        created_by=self.users["sociaalwerker2"])
                for i, day in enumerate(meetings) if day <= self.yesterday and day not in logged
            ], ignore_conflicts=True)
            new = Session.objects.filter(group=group).exclude(date__in=logged)
            members = [(self.pks[f"demo-r-{p.key:04d}"], s) for p in self.people.values()
                       for c, s in p.stints if c == code]
            attendance = []
            for session in new:
                rng = random.Random(session.external_id)
                for pk, stint in members:
                    if stint.start <= session.date and (stint.end is None or stint.end >= session.date):
                        row = self._attendance(session, pk, stint, rng, plan)
                        if session.date == meetings[0]:  # everyone came to the first meeting
                            row.status = Attendance.Status.PRESENT
                        attendance.append(row)
            Attendance.objects.bulk_create(attendance, ignore_conflicts=True)

    def _group_histories(self):
        """The dated status history of every demo group, the hand-over plans and a "draait het nog?" check."""
        Status = Group.Status
        history = {}
        for plan in GROUPS:
            group = self.groups[plan.code]
            steps = [(Status.RUNNING, group.start_date, "")]
            if group.handed_over_on:
                steps += [(Status.PHASING_OUT, group.handed_over_on - 8 * WEEK, "De deelnemers nemen taken over"),
                          (Status.SELF_RUNNING, group.handed_over_on, "Overgedragen aan de deelnemers")]
            if plan.phasing_out:
                steps.append((Status.PHASING_OUT, self.today - 5 * WEEK, "Twee deelnemers gaan de wandelingen leiden"))
            history[group] = steps
        for _code, group, meetings in self.series:
            steps = [(Status.FORMING, meetings[0] - 4 * WEEK, "")]
            steps += [(Status.RUNNING, meetings[0], "")] if meetings[0] <= self.today else []
            steps += [(Status.ENDED, meetings[-1], "")] if meetings[-1] < self.today else []
            history[group] = steps
        have = set(GroupStatusChange.objects.filter(group__in=history).values_list("group_id", "status"))
        GroupStatusChange.objects.bulk_create([
            GroupStatusChange(group=group, status=status, date=day, note=note,
                              changed_by=self.users["sociaalwerker" if group.team.name == "Wijkteam Noord"
                                                    else "sociaalwerker2"])
            for group, steps in history.items() for status, day, note in steps
            if (group.pk, status) not in have and day <= self.today
        ])
        self._hand_overs()

    def _hand_overs(self):
        """The walking group is phasing out (hand-over in six weeks); the coffee morning runs itself."""
        walking, coffee = self.groups["wandelgroep"], self.groups["koffie-grou"]
        plans = {
            walking: (_on_or_after(self.today + 6 * WEEK, walking.usual_weekday),
                      "Vaste startplek bij wijkcentrum Bilgaard; geen zaal of sleutel nodig",
                      "Routes kiezen de deelnemers zelf. Bij zorgen over een deelnemer bellen ze het wijkteam."),
            coffee: (coffee.handed_over_on, "Dorpshuis Grou; de sleutel ligt bij de beheerder",
                     "Koffie en thee uit de pot (€ 1 per keer). Twee keer per jaar komt de sociaal werker langs."),
        }
        for group, (planned_on, room, agreements) in plans.items():
            co_lead = group.enrolments.filter(role=Enrolment.Role.CO_LEAD).select_related("participant").first()
            HandOver.objects.get_or_create(group=group, defaults={
                "planned_on": planned_on, "contact_person": co_lead.participant.full_name if co_lead else "",
                "room_or_key": room, "agreements": agreements, "check_quarterly": True,
                "updated_by": self.users["sociaalwerker" if group is walking else "sociaalwerker2"],
            })
        checked = coffee.handed_over_on + 12 * WEEK
        if checked <= self.today and not coffee.checks.exists():
            GroupCheck.objects.create(group=coffee, date=checked, still_meets=True, approx_attendance=9,
                                      checked_by=self.users["sociaalwerker2"])

    def _waiting_list(self):
        """The cooking group is full: three residents wait for a place, one tries it at the next meeting.

        Made through the services (``add_interest``, ``invite_to_trial``), which check the rules and
        audit; a resident who has been on the list before (enrolled or withdrawn since) is left alone.
        """
        group = self.groups["kookgroep"]
        taken = group.places_taken(self.today)
        if group.capacity != taken:
            Group.objects.filter(pk=group.pk).update(capacity=taken)
            group.capacity = taken
        worker = self.users["sociaalwerker"]
        for i, plan in enumerate(OPEN_REQUESTS):
            if plan.wait_for != "kookgroep":
                continue
            participant = Participant.objects.get(external_id=f"demo-r-{REQUEST_BLOCK + i:04d}")
            if Interest.objects.filter(group=group, participant=participant).exists():
                continue
            request = participant.help_requests.filter(theme=plan.theme).first()
            interest = add_interest(worker, group, participant, help_request=request, referral_source="own_worker",
                                    since=self.today - plan.waiting_days * DAY, via="seed_demo")
            if plan.trial:
                invite_to_trial(worker, interest, on=_on_or_after(self.today + DAY, group.usual_weekday))

    def _print(self):
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({MUNICIPALITY}). Demo logins:"))
        for username, _first, _last, role, team_names in USERS:
            teams = ", ".join(team_names) or "-"
            self.stdout.write(f"  {username:<15} {DEMO_PASSWORD:<17} {role:<14} {teams}")

