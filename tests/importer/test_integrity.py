"""Import integrity (issue 9): look-alike places, team moves, one municipality, attendance of enrolled residents.

The command keeps DESIGN.md's contract (unknown places are created) except for a name that looks like
a typo of a known one; the browser refuses every unknown municipality and team unless allowed
(tests/importer/test_integrity_views.py).
"""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collectief.models import Municipality, Neighbourhood, Team
from groups.models import Attendance, Enrolment
from imports.engine import import_directory
from imports.options import ImportOptions, looks_like_typo, similar_name
from participants.models import Participant
from tests.factories import GroupFactory, ParticipantFactory, SessionFactory, TeamFactory

from .test_command import HEADERS, parsed_errors, run, run_failing, write

JAN_8 = datetime.date(2024, 1, 8)


def participants_csv(tmp_path, *rows):
    return write(tmp_path, "participants.csv", "\n".join([HEADERS["participants.csv"], *rows]) + "\n")


# --- Names that look like a typo ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "known", "typo"),
    [
        ("Wijkteam Nord", "Wijkteam Noord", True),
        ("wijkteam nord", "Wijkteam Noord", True),
        ("Leeuwarde", "Leeuwarden", True),
        ("Sudwest-Fryslan", "Súdwest-Fryslân", True),  # accents and punctuation do not make a new place
        ("Huizum Oost", "Huizum-Oost", True),
        ("Smalingerland", "Smallingerland", True),
        ("Wijkteam West", "Wijkteam Oost", False),  # a whole word differs: another place
        ("Wijkteam Zuid", "Wijkteam Noord", False),
        ("Team 2", "Team 1", False),  # another number
        ("Wijkteam Noord 2", "Wijkteam Noord", False),
        ("Leeuwarden Oost", "Leeuwarden", False),  # a word added
        ("Heerenveen", "Leeuwarden", False),
        ("Noordwest", "Noordoost", False),
    ],
)
def test_a_typo_is_a_name_nearly_equal_to_a_known_one(name, known, typo):
    assert looks_like_typo(name, known) is typo


def test_the_closest_known_name_is_suggested():
    assert similar_name("Wijkteam Nord", ["Wijkteam Zuid", "Wijkteam Noord", "Wijkteam Noord-Oost"]) == (
        "Wijkteam Noord"
    )
    assert similar_name("Wijkteam West", ["Wijkteam Oost", "Wijkteam Noord"]) is None


# --- The command: unknown places are created, look-alikes are refused ----------------------------


def test_a_team_that_looks_like_a_typo_is_refused_on_its_row_and_column(db, tmp_path, team_a):
    participants_csv(tmp_path, "P1,Fatima,El Amrani,1980-05-12,,,Leeuwarden,Wijkteam Nord")

    lines = run_failing(tmp_path)

    assert lines[0] == (
        "participants.csv:2: team: Onbekend team 'Wijkteam Nord'; bedoel je 'Wijkteam Noord'? "
        "Gebruik --allow-new-places om het toch aan te maken."
    )
    assert list(Team.objects.values_list("name", flat=True)) == ["Wijkteam Noord"]
    assert not Participant.objects.exists()


def test_allow_new_places_creates_the_look_alike_team(db, tmp_path, team_a):
    participants_csv(tmp_path, "P1,Fatima,El Amrani,1980-05-12,,,Leeuwarden,Wijkteam Nord")

    output = run(tmp_path, "--allow-new-places")

    assert "Nieuw team: Wijkteam Nord (Leeuwarden)" in output
    assert Participant.objects.get().team.name == "Wijkteam Nord"


def test_a_genuinely_new_team_is_still_created_without_the_flag(db, tmp_path, team_a):
    participants_csv(tmp_path, "P1,Fatima,El Amrani,1980-05-12,,,Leeuwarden,Wijkteam Zuid")

    output = run(tmp_path)

    assert "Nieuw team: Wijkteam Zuid (Leeuwarden)" in output
    assert Participant.objects.get().team.name == "Wijkteam Zuid"


def test_a_look_alike_in_another_municipality_is_no_typo(db, tmp_path, team_a, other_municipality):
    participants_csv(tmp_path, "P1,Fatima,El Amrani,1980-05-12,,,Heerenveen,Wijkteam Nord")

    assert "Nieuw team: Wijkteam Nord (Heerenveen)" in run(tmp_path)


def test_a_municipality_that_looks_like_a_typo_is_refused(db, tmp_path, municipality):
    participants_csv(tmp_path, "P1,Fatima,El Amrani,1980-05-12,,,Leeuwarde,Wijkteam Noord")

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["line"], e["column"]) for e in errors] == [("2", "municipality")]  # no second error on team
    assert errors[0]["message"].startswith("Onbekende gemeente 'Leeuwarde'; bedoel je 'Leeuwarden'?")
    assert list(Municipality.objects.values_list("name", flat=True)) == ["Leeuwarden"]


def test_a_neighbourhood_that_looks_like_a_typo_is_refused_unless_allowed(db, tmp_path, team_a, neighbourhood):
    participants_csv(tmp_path, "P1,Fatima,El Amrani,1980-05-12,,Bilgard,Leeuwarden,Wijkteam Noord")

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["line"], e["column"]) for e in errors] == [("2", "neighbourhood")]
    assert "Onbekende wijk 'Bilgard'; bedoel je 'Bilgaard'?" in errors[0]["message"]
    assert Neighbourhood.objects.count() == 1

    run(tmp_path, "--allow-new-places")
    assert Participant.objects.get().neighbourhood.name == "Bilgard"


def test_every_row_with_the_typo_is_reported(db, tmp_path, team_a):
    participants_csv(
        tmp_path,
        "P1,Fatima,El Amrani,1980-05-12,,,Leeuwarden,Wijkteam Nord",
        "P2,Jan,de Vries,1955-11-03,,,Leeuwarden,Wijkteam Noord",
        "P3,Anouk,Bakker,1990-01-20,,,Leeuwarden,Wijkteam Nord",
    )

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["line"], e["column"]) for e in errors] == [("2", "team"), ("4", "team")]


def test_groups_csv_follows_the_same_rule(db, tmp_path, team_a):
    write(tmp_path, "groups.csv", HEADERS["groups.csv"] + "\n"
          "G1,Geld Telt,support,,,,Leeuwarden,Wijkteam Nord,,2024-01-01,,running\n")

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["file"], e["line"], e["column"]) for e in errors] == [("groups.csv", "2", "team")]


# --- Team moves -----------------------------------------------------------------------------------


@pytest.fixture
def fatima(team_a):
    return ParticipantFactory(external_id="P1", team=team_a, first_name="Fatima", last_name="El Amrani",
                              birth_date=datetime.date(1980, 5, 12))


def test_moving_a_resident_to_another_team_is_refused(db, tmp_path, fatima, municipality):
    TeamFactory(municipality=municipality, name="Wijkteam Zuid")
    participants_csv(tmp_path, "P1,Fatima,El Amrani,1980-05-12,,,Leeuwarden,Wijkteam Zuid")

    lines = run_failing(tmp_path)

    assert lines[0] == (
        "participants.csv:2: team: Deelnemer 'P1' zit in team Wijkteam Noord (Leeuwarden); deze regel zou de "
        "deelnemer naar team Wijkteam Zuid (Leeuwarden) verplaatsen, uit het zicht van de sociaal werkers van "
        "het eigen team. Gebruik --allow-team-moves om de deelnemer toch te verplaatsen."
    )
    fatima.refresh_from_db()
    assert fatima.team.name == "Wijkteam Noord"


def test_allow_team_moves_moves_the_resident(db, tmp_path, fatima, team_b):
    participants_csv(tmp_path, "P1,Fatima,El Amrani,1980-05-12,,,Heerenveen,Wijkteam Centrum")

    output = run(tmp_path, "--allow-team-moves")

    assert "participants.csv: 0 aangemaakt, 1 bijgewerkt, 0 ongewijzigd" in output
    fatima.refresh_from_db()
    assert fatima.team == team_b


def test_a_resident_who_stays_in_their_team_may_change_otherwise(db, tmp_path, fatima):
    participants_csv(tmp_path, "P1,Fatima,El Amrani,1980-05-12,8921 AB,,leeuwarden,WIJKTEAM NOORD")

    assert "participants.csv: 0 aangemaakt, 1 bijgewerkt" in run(tmp_path)
    fatima.refresh_from_db()
    assert fatima.postcode == "8921 AB"


# --- Within one municipality ----------------------------------------------------------------------


def test_an_enrolment_across_municipalities_is_refused(db, tmp_path, team_a, team_b):
    ParticipantFactory(external_id="P1", team=team_b)
    GroupFactory(external_id="G1", team=team_a, start_date=datetime.date(2024, 1, 1))
    write(tmp_path, "enrolments.csv", HEADERS["enrolments.csv"] + "\nP1,G1,2024-01-01,,\n")

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["file"], e["line"], e["column"]) for e in errors] == [("enrolments.csv", "2", "group")]
    assert errors[0]["message"] == (
        "Deelnemer 'P1' hoort (via het team) bij Heerenveen en collectief 'G1' bij Leeuwarden: "
        "een inschrijving blijft binnen één gemeente."
    )
    assert not Enrolment.objects.exists()


def test_an_enrolment_in_another_team_of_the_same_municipality_is_fine(db, tmp_path, team_a, municipality):
    ParticipantFactory(external_id="P1", team=TeamFactory(municipality=municipality, name="Wijkteam Zuid"))
    GroupFactory(external_id="G1", team=team_a, start_date=datetime.date(2024, 1, 1))
    write(tmp_path, "enrolments.csv", HEADERS["enrolments.csv"] + "\nP1,G1,2024-01-01,,\n")

    assert "enrolments.csv: 1 aangemaakt" in run(tmp_path)


@pytest.fixture
def session(team_a):
    group = GroupFactory(external_id="G1", team=team_a, start_date=datetime.date(2024, 1, 1))
    return SessionFactory(group=group, external_id="S1", date=JAN_8, status="held")


def attendance_csv(tmp_path, *rows):
    return write(tmp_path, "attendance.csv", "\n".join([HEADERS["attendance.csv"], *rows]) + "\n")


def test_attendance_of_a_resident_of_another_municipality_is_refused(db, tmp_path, session, team_b):
    ParticipantFactory(external_id="P1", team=team_b)
    attendance_csv(tmp_path, "S1,P1,present")

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["line"], e["column"]) for e in errors] == [("2", "participant")]
    assert errors[0]["message"] == (
        "Deelnemer 'P1' hoort (via het team) bij Heerenveen en bijeenkomst 'S1' bij Leeuwarden: "
        "aanwezigheid blijft binnen één gemeente."
    )
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "enrolled"),
    [
        (datetime.date(2024, 1, 1), None, True),
        (JAN_8, JAN_8, True),  # both dates inclusive
        (datetime.date(2024, 1, 9), None, False),  # started after the session
        (datetime.date(2024, 1, 1), datetime.date(2024, 1, 7), False),  # ended before it
    ],
)
def test_attendance_only_for_a_resident_enrolled_on_the_sessions_date(
    db, tmp_path, session, fatima, start, end, enrolled
):
    Enrolment.objects.create(
        participant=fatima, group=session.group, start_date=start, end_date=end,
        end_reason_id="other" if end else None,
    )
    attendance_csv(tmp_path, "S1,P1,present")

    if enrolled:
        assert "attendance.csv: 1 aangemaakt" in run(tmp_path)
        return
    errors = parsed_errors(run_failing(tmp_path))
    assert [(e["line"], e["column"]) for e in errors] == [("2", "participant")]
    assert errors[0]["message"] == (
        f"Deelnemer 'P1' was op 2024-01-08, de datum van bijeenkomst 'S1', niet ingeschreven in collectief "
        f"'{session.group.name}'. Voeg eerst de inschrijving toe (enrolments.csv)."
    )


def test_attendance_of_a_resident_enrolled_in_another_group_is_refused(db, tmp_path, session, fatima, team_a):
    Enrolment.objects.create(participant=fatima, group=GroupFactory(team=team_a), start_date=JAN_8)
    attendance_csv(tmp_path, "S1,P1,present")

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["line"], e["column"]) for e in errors] == [("2", "participant")]


def test_attendance_counts_the_enrolments_of_the_same_run(db, tmp_path, session, fatima):
    write(tmp_path, "enrolments.csv", HEADERS["enrolments.csv"] + "\nP1,G1,2024-01-08,,\n")
    attendance_csv(tmp_path, "S1,P1,present")

    output = run(tmp_path)

    assert "enrolments.csv: 1 aangemaakt" in output and "attendance.csv: 1 aangemaakt" in output
    assert Attendance.objects.get().participant == fatima


def test_the_checks_take_the_same_number_of_queries_for_10_and_200_rows(db, tmp_path, team_a):
    group = GroupFactory(external_id="G1", team=team_a, start_date=datetime.date(2024, 1, 1))
    for day in range(20):
        SessionFactory(group=group, external_id=f"S{day}", date=datetime.date(2024, 1, 2 + day), status="held")
    for number in range(10):
        ParticipantFactory(external_id=f"P{number}", team=team_a)

    def queries(sessions: int) -> int:
        directory = tmp_path / str(sessions)
        write(directory, "enrolments.csv", "\n".join(
            [HEADERS["enrolments.csv"]] + [f"P{n},G1,2024-01-01,," for n in range(10)]
        ) + "\n")
        attendance_csv(directory, *(f"S{s},P{n},present" for s in range(sessions) for n in range(10)))
        with CaptureQueriesContext(connection) as context:
            result = import_directory(directory, dry_run=True)
        assert result.ok, result.errors[:3]
        assert result.files["attendance.csv"].created == sessions * 10
        return len(context.captured_queries)

    assert queries(1) == queries(20)


# --- What the summary says -----------------------------------------------------------------------


def test_a_failed_run_says_what_it_would_have_done_not_what_it_did(db, tmp_path, team_a):
    participants_csv(
        tmp_path,
        "P1,Fatima,El Amrani,1980-05-12,,,Leeuwarden,Wijkteam Noord",
        "P2,Jan,de Vries,1955-11-03,,,Leeuwarden,Wijkteam Nord",
    )
    out = StringIO()

    with pytest.raises(CommandError):
        call_command("import_registry", str(tmp_path), stdout=out)

    assert "participants.csv: 1 aan te maken, 0 bij te werken, 0 ongewijzigd" in out.getvalue()
    assert "aangemaakt" not in out.getvalue()


def test_options_default_to_the_command_without_flags():
    assert ImportOptions() == ImportOptions(allow_new_places=False, allow_team_moves=False, from_browser=False)
    assert ImportOptions.from_dict({"allow_team_moves": True}).allow_team_moves
    assert ImportOptions.from_dict(ImportOptions(from_browser=True).to_dict()).from_browser
