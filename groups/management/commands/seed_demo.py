"""Create a demo municipality with teams, users, groups and a year of sessions. Idempotent."""

import datetime
import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from collectief.models import Membership, Municipality, MunicipalityTarget, MunicipalityUser, Neighbourhood, Team
from groups.models import Attendance, Enrolment, Group, Session
from participants.models import ChangeWish, Consent, HelpRequest, IndividualSupport, Participant

DEMO_PASSWORD = "collectief-demo"

MUNICIPALITY = "Leeuwarden"
NEIGHBOURHOODS = {
    "Wijkteam Noord": ["Bilgaard", "Vrijheidswijk", "Havankpark", "Oud-Oost", "Heechterp-Schieringen"],
    "Dorpenteam Zuid": ["Grou", "Wirdum", "Goutum", "Huizum-West"],
}
USERS = [
    # username, first, last, role, teams
    ("sociaalwerker", "Sanne", "de Vries", "social_worker", ["Wijkteam Noord"]),
    ("sociaalwerker2", "Jelle", "Hoekstra", "social_worker", ["Dorpenteam Zuid"]),
    ("coordinator", "Marieke", "Bosma", "coordinator", ["Wijkteam Noord", "Dorpenteam Zuid"]),
    ("gemeente", "Pieter", "Visser", "municipality", []),
    ("beheerder", "Anouk", "Dijkstra", "administrator", []),
]
FIRST_NAMES = [
    "Anna",
    "Sietske",
    "Fatima",
    "Johan",
    "Klaas",
    "Wieke",
    "Mohammed",
    "Ingrid",
    "Gerrit",
    "Sjoukje",
    "Yusuf",
    "Hennie",
    "Baukje",
    "Ahmed",
    "Tjitske",
    "Marco",
    "Lieke",
    "Hatice",
    "Douwe",
    "Femke",
    "Olena",
    "Rients",
    "Grietje",
    "Said",
    "Esther",
    "Bauke",
    "Nynke",
    "Kees",
    "Aaltje",
    "Tiago",
    "Wietske",
    "Henk",
    "Amina",
    "Jannie",
    "Sybren",
    "Petra",
    "Ilse",
    "Ruben",
    "Meryem",
    "Hylke",
]
LAST_NAMES = [
    "de Jong",
    "Bakker",
    "Postma",
    "van der Meer",
    "Jansma",
    "Kuipers",
    "El Amrani",
    "Hoekstra",
    "Veenstra",
    "Wiersma",
    "Yilmaz",
    "Zijlstra",
    "de Boer",
    "Terpstra",
    "Kramer",
    "Smit",
    "Kingma",
    "Haddou",
    "Visser",
    "Dijkstra",
    "Kovalenko",
    "Bouma",
    "Sikkema",
    "Mulder",
    "de Haan",
    "Brouwer",
]
# name, kind, team, neighbourhood (None = municipality-wide), rhythm, weekday, time, planned, domains,
# framework, location, status, theme
GROUPS = [
    (
        "Geld Telt",
        "support",
        "Wijkteam Noord",
        "Heechterp-Schieringen",
        "course",
        1,
        "10:00",
        4,
        ["financien"],
        "wgs",
        "Buurthuis De Schalm",
        "running",
        "Grip op geld: overzicht, budget en betalingsregelingen",
    ),
    (
        "Wandelgroep Bilgaard",
        "support",
        "Wijkteam Noord",
        "Bilgaard",
        "weekly",
        3,
        "10:00",
        None,
        ["lichamelijke_gezondheid", "sociaal_netwerk", "mentale_gezondheid"],
        "wmo",
        "Start bij wijkcentrum Bilgaard",
        "running",
        "Samen in beweging, zelf de route kiezen",
    ),
    (
        "Kookgroep Samen Eten",
        "support",
        "Wijkteam Noord",
        "Oud-Oost",
        "weekly",
        2,
        "17:00",
        None,
        ["sociaal_netwerk", "dagelijks_functioneren", "financien"],
        "wmo",
        "Wijkkeuken Oud-Oost",
        "running",
        "Gezond en goedkoop koken, samen eten",
    ),
    (
        "Ouder-en-kindcafé",
        "support",
        "Wijkteam Noord",
        "Vrijheidswijk",
        "biweekly",
        4,
        "09:30",
        None,
        ["opvoeding", "sociaal_netwerk"],
        "jeugdwet",
        "Speel-o-theek Vrijheidswijk",
        "running",
        "Opvoedvragen delen met andere ouders",
    ),
    (
        "Scheidingscollectief",
        "support",
        "Dorpenteam Zuid",
        None,
        "course",
        0,
        "19:30",
        6,
        ["relaties", "opvoeding", "financien"],
        "jeugdwet",
        "Stadskantoor, zaal 2",
        "running",
        "Ouders in scheiding: rustig uit elkaar, oog voor de kinderen",
    ),
    (
        "Koffie-inloop Grou",
        "support",
        "Dorpenteam Zuid",
        "Grou",
        "weekly",
        4,
        "10:00",
        None,
        ["sociaal_netwerk", "zingeving"],
        "wmo",
        "Dorpshuis Grou",
        "self_running",
        "Ontmoeten en elkaar helpen",
    ),
    (
        "Ontmoeten en Meedoen: Creatief",
        "meet",
        "Dorpenteam Zuid",
        "Goutum",
        "weekly",
        1,
        "13:30",
        None,
        ["participatie", "sociaal_netwerk"],
        "wmo",
        "Dorpshuis Goutum",
        "running",
        "Dagbesteding: handwerken en schilderen",
    ),
    (
        "Jongerengroep Huizum",
        "youth",
        "Dorpenteam Zuid",
        "Huizum-West",
        "weekly",
        2,
        "19:00",
        None,
        ["participatie"],
        None,
        "Jongerenhonk Huizum",
        "running",
        "Groepswerk met jongeren",
    ),
]
HOOD_TEAM = {hood: team for team, hoods in NEIGHBOURHOODS.items() for hood in hoods}
CHANGE_WISHES = [
    ("financien", "Ik wil weer overzicht over mijn post en rekeningen."),
    ("sociaal_netwerk", "Ik wil mensen leren kennen in de buurt, ik zit te veel alleen thuis."),
    ("opvoeding", "Ik wil minder ruzie met mijn zoon over schermtijd."),
    ("lichamelijke_gezondheid", "Ik wil weer elke week buiten lopen."),
    ("relaties", "Ik wil goede afspraken met mijn ex over de kinderen."),
]


def _time(value: str) -> datetime.time:
    return datetime.time.fromisoformat(value)


def _session_dates(group: Group, start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Planned session dates between start and end, following the group's rhythm."""
    day = start + datetime.timedelta(days=(group.usual_weekday - start.weekday()) % 7)
    step = {"weekly": 7, "biweekly": 14, "twice_weekly": 7, "course": 7}[group.rhythm]
    dates = []
    while day <= end:
        dates.append(day)
        if group.rhythm == "twice_weekly" and day + datetime.timedelta(days=3) <= end:
            dates.append(day + datetime.timedelta(days=3))
        day += datetime.timedelta(days=step)
    return dates


class Command(BaseCommand):
    help = "Create demo data: a municipality, two teams, a user per role and two years of group sessions."

    @transaction.atomic
    def handle(self, *args, **options):
        # One random stream for residents and memberships, in this order: a re-run draws the same
        # numbers and so finds (get_or_create) exactly the rows the first run made.
        self.rng = random.Random(2026)
        self.today = timezone.localdate()
        municipality = self._places()
        self.users = self._users(municipality, self.teams)
        participants = [self._participant(i) for i in range(64)]
        start = self.today - datetime.timedelta(days=2 * 365)
        for g_index, spec in enumerate(GROUPS):
            self._group(g_index, spec, start, participants)
        self._print(self.users)

    def _places(self):
        """The municipality with its yearly targets, teams and neighbourhoods."""
        municipality, _ = Municipality.objects.get_or_create(name=MUNICIPALITY)
        for year in (self.today.year - 1, self.today.year):
            MunicipalityTarget.objects.get_or_create(
                municipality=municipality, year=year, defaults={"residents_collective": 200}
            )
        self.teams, self.hoods = {}, {}
        for team_name, hood_names in NEIGHBOURHOODS.items():
            self.teams[team_name], _ = Team.objects.get_or_create(municipality=municipality, name=team_name)
            for hood_name in hood_names:
                self.hoods[hood_name], _ = Neighbourhood.objects.get_or_create(
                    municipality=municipality, name=hood_name
                )
        return municipality

    def _participant(self, i):
        """Resident number ``i`` with consent, and for some a change wish, support or help request."""
        rng, today = self.rng, self.today
        hood_name = rng.choice(list(HOOD_TEAM))
        birth = datetime.date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
        participant, _ = Participant.objects.update_or_create(
            external_id=f"demo-p-{i:03d}",
            defaults={
                "first_name": FIRST_NAMES[i % len(FIRST_NAMES)],
                "last_name": LAST_NAMES[(i * 7) % len(LAST_NAMES)],
                "birth_date": birth,
                "postcode": f"89{rng.randint(11, 45)} {rng.choice('ABCDEHJKLMNPRS')}{rng.choice('ABCDEHJKLMNPRS')}",
                "neighbourhood": self.hoods[hood_name],
                "team": self.teams[HOOD_TEAM[hood_name]],
                "is_volunteer": i % 13 == 0,
            },
        )
        Consent.objects.get_or_create(
            participant=participant,
            purpose=Consent.Purpose.REGISTRATION,
            defaults={
                "given": True,
                "date": today - datetime.timedelta(days=360),
                "recorded_by": self.users["sociaalwerker"],
            },
        )
        if i % 3 == 0:
            domain, text = CHANGE_WISHES[i % len(CHANGE_WISHES)]
            ChangeWish.objects.get_or_create(
                participant=participant,
                text=text,
                defaults={
                    "life_domain_id": domain,
                    "status": rng.choice(["open", "working", "achieved"]),
                    "start_date": today - datetime.timedelta(days=rng.randint(30, 300)),
                },
            )
        if i % 4 == 0:
            IndividualSupport.objects.get_or_create(
                participant=participant,
                product=rng.choice(["Thuisondersteuning", "Schuldhulp", "Opvoedondersteuning"]),
                framework_id=rng.choice(["wmo", "wgs", "jeugdwet"]),
                start_date=today - datetime.timedelta(days=rng.randint(60, 400)),
                defaults={"end_date": None if i % 8 == 0 else today - datetime.timedelta(days=rng.randint(0, 50))},
            )
        if i % 5 == 0:
            self._help_request(participant, i)
        return participant

    def _help_request(self, participant, i):
        rng = self.rng
        HelpRequest.objects.get_or_create(
            participant=participant,
            theme="Eenzaamheid" if i % 2 else "Geldzorgen",
            defaults={
                "life_domain_id": "sociaal_netwerk" if i % 2 else "financien",
                "date": self.today - datetime.timedelta(days=rng.randint(1, 90)),
                "route": (route := rng.choice(["collective", "combined", "undecided", "individual"])),
                # Individual support needs its *tenzij* reason, as the form requires.
                "tenzij_reason": (
                    rng.choice(["no_group", "not_yet", "practical"]) if route == "individual" else ""
                ),
            },
        )

    def _group(self, g_index, spec, start, participants):
        """One group of GROUPS with its facilitator, members and sessions up to yesterday."""
        (
            name,
            kind,
            team_name,
            hood_name,
            rhythm,
            weekday,
            time,
            planned,
            domains,
            framework,
            location,
            status,
            theme,
        ) = spec
        group, _ = Group.objects.update_or_create(
            external_id=f"demo-g-{g_index}",
            defaults={
                "name": name,
                "kind_id": kind,
                "team": self.teams[team_name],
                "neighbourhood": self.hoods.get(hood_name),
                "rhythm": rhythm,
                "usual_weekday": weekday,
                "usual_time": _time(time),
                "planned_sessions": planned,
                "framework_id": framework,
                "location": location,
                "status": status,
                "theme": theme,
                "start_date": start,
                "capacity": 12,
                "handed_over_on": self.today - datetime.timedelta(days=60) if status == "self_running" else None,
                "co_facilitators": "Vrijwilliger Tineke" if g_index % 2 else "",
            },
        )
        group.life_domains.set(domains)
        worker = self.users["sociaalwerker"] if team_name == "Wijkteam Noord" else self.users["sociaalwerker2"]
        group.facilitators.add(worker)
        team_people = [p for p in participants if p.team_id == self.teams[team_name].pk]
        if hood_name is None:  # municipality-wide: residents from everywhere
            team_people = participants
        members = self.rng.sample(team_people, min(len(team_people), self.rng.randint(7, 12)))
        for m_index, participant in enumerate(members):
            Enrolment.objects.get_or_create(
                participant=participant,
                group=group,
                end_date=None,
                defaults={
                    "start_date": start,
                    "role": "co_lead" if (g_index == 1 and m_index == 0) else "participant",
                    "referral_source": self.rng.choice(["own_worker", "own_worker", "partner", "self", "gp_hospital"]),
                },
            )
        dates = self._dates(group, start)
        # Its own random stream: a re-run skips sessions that exist and must not shift the
        # main stream (which picks the members of the next groups).
        self._sessions(random.Random(group.external_id), group, dates, members, worker)

    def _dates(self, group, start):
        """The dates of the group's sessions up to yesterday."""
        # A year of sessions, but leave the most recent one of the walking group unlogged so the
        # start page has something to show.
        dates = _session_dates(group, start, self.today - datetime.timedelta(days=1))
        if group.name == "Wandelgroep Bilgaard":
            dates = dates[:-1]
        if group.rhythm == "course":
            # A course is a short series; the organisation starts a new series every quarter.
            by_quarter = {}
            for day in dates:
                by_quarter.setdefault((day.year, (day.month - 1) // 3), []).append(day)
            dates = [day for series in by_quarter.values() for day in series[1 : group.planned_sessions + 1]]
        return dates

    def _users(self, municipality, teams):
        User = get_user_model()
        users = {}
        for username, first, last, role, team_names in USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.email = f"{username}@example.org"
            user.is_staff = user.is_superuser = role == "administrator"
            user.set_password(DEMO_PASSWORD)
            user.save()
            for team_name in team_names:
                Membership.objects.update_or_create(user=user, team=teams[team_name], defaults={"role": role})
            if role == "municipality":
                MunicipalityUser.objects.update_or_create(user=user, defaults={"municipality": municipality})
            users[username] = user
        return users

    def _sessions(self, rng, group, dates, members, worker):
        existing = set(Session.objects.filter(group=group).values_list("date", flat=True))
        new_sessions = []
        for day in dates:
            if day in existing:
                continue
            cancelled = rng.random() < 0.05
            new_sessions.append(
                Session(
                    group=group,
                    date=day,
                    start_time=group.usual_time,
                    duration_minutes=90,
                    status="cancelled" if cancelled else "held",
                    topic=""
                    if cancelled
                    else rng.choice(["Kennismaken", "Ervaringen delen", "Thema-avond", "Samen plannen", ""]),
                    head_count=rng.choice([0, 0, 0, 1, 2]) if group.kind_id != "youth" else rng.randint(0, 5),
                    created_by=worker,
                )
            )
        Session.objects.bulk_create(new_sessions, ignore_conflicts=True)
        held = Session.objects.filter(group=group, status="held", attendances__isnull=True)
        rows = []
        for session in held:
            for participant in members:
                roll = rng.random()
                status = "present" if roll < 0.8 else ("absent" if roll < 0.92 else "excused")
                rows.append(Attendance(session=session, participant=participant, status=status))
        Attendance.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)

    def _print(self, users):
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at http://127.0.0.1:8000 with:"))
        for username, _first, _last, role, team_names in USERS:
            teams = ", ".join(team_names) or "-"
            self.stdout.write(f"  {username:<15} {DEMO_PASSWORD:<17} {role:<14} {teams}")
