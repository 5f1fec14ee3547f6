"""manage.py import_registry: known files give known rows; bad rows write nothing; re-runs change nothing."""

import datetime
import re
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from collectief.models import AuditEvent, Municipality, Neighbourhood, Team
from groups.models import Attendance, Enrolment, Group, Session
from imports.engine import import_directory
from participants.models import IndividualSupport, Participant
from tests.factories import GroupFactory, ParticipantFactory, SessionFactory, TeamFactory

DATA = Path(__file__).parent / "data"
TEN = datetime.time(10)
ERROR_LINE = re.compile(r"^(?P<file>[a-z_]+\.csv):(?P<line>\d+): (?P<column>[a-z_\-]+): (?P<message>.+)$")


def run(directory, *args):
    """Run the command; return its output (stdout)."""
    from io import StringIO

    out = StringIO()
    call_command("import_registry", str(directory), *args, stdout=out)
    return out.getvalue()


def run_failing(directory, *args):
    """Run the command expecting errors; return the error lines it reports."""
    with pytest.raises(CommandError) as excinfo:
        run(directory, *args)
    return str(excinfo.value).splitlines()


def parsed_errors(lines):
    return [match.groupdict() for match in map(ERROR_LINE.match, lines) if match]


def write(directory: Path, name: str, text: str, encoding="utf-8"):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(text.encode(encoding))
    return directory


def nothing_written():
    return not any(
        model.objects.exists()
        for model in (
            Participant, Group, Enrolment, Session, Attendance, IndividualSupport,
            Municipality, Team, Neighbourhood, AuditEvent,
        )
    )


# --- Known files give known rows ---------------------------------------------------------------


def test_known_files_give_known_rows(db):
    output = run(DATA / "valid")

    assert "participants.csv: 3 aangemaakt, 0 bijgewerkt, 0 ongewijzigd" in output
    assert "attendance.csv: 3 aangemaakt, 0 bijgewerkt, 0 ongewijzigd" in output

    fatima = Participant.objects.select_related("team__municipality", "neighbourhood").get(external_id="P1")
    assert (fatima.first_name, fatima.last_name) == ("Fatima", "El Amrani")  # the BOM did not leak
    assert fatima.birth_date == datetime.date(1980, 5, 12)
    assert fatima.postcode == "8921 AB"  # normalised like the participant form does
    assert fatima.team.name == "Wijkteam Noord"
    assert fatima.team.municipality.name == "Leeuwarden"
    assert fatima.neighbourhood.name == "Bilgaard"
    assert fatima.neighbourhood.municipality == fatima.team.municipality
    anouk = Participant.objects.get(external_id="P3")
    assert anouk.neighbourhood is None and anouk.postcode == ""
    assert anouk.team.municipality.name == "Heerenveen"

    geld_telt = Group.objects.get(external_id="G1")
    assert (geld_telt.name, geld_telt.kind_id, geld_telt.framework_id) == ("Geld Telt", "support", "wgs")
    assert set(geld_telt.life_domains.values_list("code", flat=True)) == {"financien", "sociaal_netwerk"}
    assert geld_telt.neighbourhood.name == "Bilgaard"
    assert geld_telt.status == Group.Status.ENDED
    assert geld_telt.start_date == datetime.date(2024, 1, 8)
    assert geld_telt.end_date == datetime.date(2024, 2, 26)
    scheiding = Group.objects.get(external_id="G2")
    assert scheiding.neighbourhood is None  # municipality-wide
    assert scheiding.theme == "Na de scheiding, samen verder"  # quoted comma (file has CRLF line ends)
    assert scheiding.team.name == "Wijkteam Zuid"

    ended = Enrolment.objects.get(participant=fatima, group=geld_telt)
    assert ended.end_date == datetime.date(2024, 2, 26)
    assert ended.end_reason_id == "completed_no_further_support"
    assert set(scheiding.enrolments.values_list("participant__external_id", "start_date")) == {
        ("P2", datetime.date(2024, 3, 1)), ("P1", datetime.date(2024, 3, 5)),
    }

    first = Session.objects.get(external_id="S1")
    assert (first.group, first.date, first.start_time) == (geld_telt, datetime.date(2024, 1, 8), TEN)
    assert (first.duration_minutes, first.status, first.topic, first.head_count) == (
        120, "held", "Kennismaken", 0,
    )
    cancelled = Session.objects.get(external_id="S2")
    assert (cancelled.status, cancelled.duration_minutes, cancelled.head_count) == ("cancelled", 90, 0)
    evening = Session.objects.get(external_id="S3")
    assert (evening.start_time, evening.head_count) == (datetime.time(19, 30), 3)

    rows = Attendance.objects.values_list("session__external_id", "participant__external_id", "status")
    assert set(rows) == {
        ("S1", "P1", "present"), ("S3", "P2", "present"), ("S3", "P1", "excused"),
    }
    rows = IndividualSupport.objects.values_list(
        "participant__external_id", "product", "framework", "start_date", "end_date"
    )
    assert set(rows) == {
        ("P1", "Schuldhulp", "wgs", datetime.date(2024, 1, 1), datetime.date(2024, 6, 30)),
        ("P3", "Thuisondersteuning", "wmo", datetime.date(2024, 2, 1), None),
    }


def test_the_import_is_audited_per_file_and_per_new_place(db):
    run(DATA / "valid")

    per_file = AuditEvent.objects.filter(data__has_key="rows")
    assert {(e.event, e.object_type, e.data["file"], e.data["created"]) for e in per_file} == {
        ("import.created", "participants.participant", "participants.csv", 3),
        ("import.created", "groups.group", "groups.csv", 2),
        ("import.created", "groups.enrolment", "enrolments.csv", 3),
        ("import.created", "groups.session", "sessions.csv", 3),
        ("import.created", "groups.attendance", "attendance.csv", 3),
        ("import.created", "participants.individualsupport", "individual_support.csv", 2),
    }
    participants_event = per_file.get(object_type="participants.participant")
    assert sorted(participants_event.data["created_ids"]) == sorted(
        Participant.objects.values_list("pk", flat=True)
    )
    noord = Team.objects.get(name="Wijkteam Noord")
    team_event = AuditEvent.objects.get(object_type="collectief.team", object_id=str(noord.pk))
    assert team_event.event == "import.created"
    assert team_event.data == {"file": "participants.csv", "line": 2}


# --- Re-runs and updates ------------------------------------------------------------------------


def test_reimporting_the_same_files_changes_nothing(db):
    run(DATA / "valid")
    stamps = {
        model: dict(model.objects.values_list("pk", "updated_at")) for model in (Participant, Group, Session)
    }
    events = AuditEvent.objects.count()
    rows = {model: model.objects.count() for model in (Enrolment, Attendance, IndividualSupport, Team)}

    output = run(DATA / "valid")

    for name in ["participants", "groups", "enrolments", "sessions", "attendance", "individual_support"]:
        assert re.search(rf"^{name}\.csv: 0 aangemaakt, 0 bijgewerkt, \d+ ongewijzigd$", output, re.M), output
    for model, before in stamps.items():
        assert dict(model.objects.values_list("pk", "updated_at")) == before
    assert {model: model.objects.count() for model in rows} == rows
    assert AuditEvent.objects.count() == events  # nothing changed, so nothing to audit


def test_changed_rows_are_updated_and_only_those(db):
    run(DATA / "valid")
    before = dict(Participant.objects.values_list("external_id", "updated_at"))
    geld_telt_stamp = Group.objects.get(external_id="G1").updated_at

    output = run(DATA / "updated")

    assert "participants.csv: 1 aangemaakt, 1 bijgewerkt, 2 ongewijzigd" in output
    assert "groups.csv: 0 aangemaakt, 1 bijgewerkt, 1 ongewijzigd" in output
    assert "attendance.csv: 1 aangemaakt, 1 bijgewerkt, 2 ongewijzigd" in output
    assert "Nieuwe wijk: Centrum (Heerenveen)" in output
    assert Participant.objects.get(external_id="P1").postcode == "8921 XY"
    assert Participant.objects.get(external_id="P1").updated_at > before["P1"]
    assert Participant.objects.get(external_id="P2").updated_at == before["P2"]
    scheiding = Group.objects.get(external_id="G2")
    assert set(scheiding.life_domains.values_list("code", flat=True)) == {"relaties", "opvoeding"}
    assert Group.objects.get(external_id="G1").updated_at == geld_telt_stamp
    assert Attendance.objects.get(session__external_id="S3", participant__external_id="P2").status == "absent"
    # Files that were not in the directory are left alone.
    assert Enrolment.objects.count() == 3 and IndividualSupport.objects.count() == 2


def test_rows_may_refer_to_rows_already_in_the_database(db, tmp_path):
    team = TeamFactory(name="Wijkteam Noord")
    participant = ParticipantFactory(team=team, external_id="OUD-1")
    group = GroupFactory(team=team, external_id="OUD-G")
    write(tmp_path, "enrolments.csv", HEADERS["enrolments.csv"] + "\nOUD-1,OUD-G,2024-04-01,,\n")

    output = run(tmp_path)

    assert "enrolments.csv: 1 aangemaakt" in output
    assert Enrolment.objects.get().participant == participant
    assert Enrolment.objects.get().group == group


# --- Places -------------------------------------------------------------------------------------


def test_unknown_municipality_team_and_neighbourhood_are_created(db):
    output = run(DATA / "valid")

    assert set(Municipality.objects.values_list("name", flat=True)) == {"Leeuwarden", "Heerenveen"}
    assert set(Team.objects.values_list("municipality__name", "name")) == {
        ("Leeuwarden", "Wijkteam Noord"), ("Leeuwarden", "Wijkteam Zuid"), ("Heerenveen", "Team Heerenveen"),
    }
    assert set(Neighbourhood.objects.values_list("municipality__name", "name")) == {
        ("Leeuwarden", "Bilgaard"), ("Leeuwarden", "Vrijheidswijk"),
    }
    assert "Nieuwe gemeente: Heerenveen" in output
    assert "Nieuw team: Wijkteam Zuid (Leeuwarden)" in output


def test_known_places_are_reused_whatever_their_case(db, tmp_path, municipality, team_a, neighbourhood):
    # The personas' Leeuwarden / Wijkteam Noord / Bilgaard already exist.
    write(
        tmp_path, "participants.csv",
        "external_id,first_name,last_name,birth_date,postcode,neighbourhood,municipality,team\n"
        "P1,Fatima,El Amrani,1980-05-12,,BILGAARD,leeuwarden,wijkteam noord\n",
    )

    run(tmp_path)

    fatima = Participant.objects.get()
    assert (fatima.team, fatima.neighbourhood) == (team_a, neighbourhood)
    assert Municipality.objects.count() == 1 and Team.objects.count() == 1


# --- Bad rows -------------------------------------------------------------------------------------


def test_bad_rows_are_reported_with_file_line_and_column_and_nothing_is_written(db):
    lines = run_failing(DATA / "bad_participants")

    errors = {(e["file"], int(e["line"]), e["column"]) for e in parsed_errors(lines)}
    assert errors == {
        ("participants.csv", 3, "last_name"),
        ("participants.csv", 4, "birth_date"),
        ("participants.csv", 5, "birth_date"),
        ("participants.csv", 6, "external_id"),
    }
    text = "\n".join(lines)
    assert "participants.csv:4: birth_date: De geboortedatum 2999-01-20 ligt in de toekomst." in text
    assert "'30-07-2001' is geen geldige datum; verwacht JJJJ-MM-DD" in text
    assert "komt twee keer voor in dit bestand (eerst op regel 2)" in text
    assert lines[-1] == "4 fout(en) gevonden; er is niets opgeslagen."
    assert nothing_written()  # not even the good row on line 2 or its municipality


def test_a_bad_row_in_a_later_file_writes_nothing_at_all(db):
    lines = run_failing(DATA / "bad_attendance")

    errors = parsed_errors(lines)
    assert [(e["file"], e["line"], e["column"]) for e in errors] == [
        ("attendance.csv", "3", "status"),
        ("attendance.csv", "4", "participant"),
    ]
    assert "toegestane waarden: present, absent, excused" in errors[0]["message"]
    assert "P9" in errors[1]["message"]
    assert nothing_written()  # the five good files before it were rolled back too


def test_a_dry_run_writes_nothing(db):
    output = run(DATA / "valid", "--dry-run")

    # Issue 9: a run that saved nothing says what it WOULD do, never "aangemaakt" (this said "3 aangemaakt").
    assert "participants.csv: 3 aan te maken, 0 bij te werken, 0 ongewijzigd" in output
    assert "attendance.csv: 3 aan te maken" in output  # later files see the rows of earlier ones
    assert "aangemaakt" not in output and "bijgewerkt" not in output
    assert "Proefimport: er is niets opgeslagen." in output
    assert nothing_written()


HEADERS = {
    "participants.csv": "external_id,first_name,last_name,birth_date,postcode,neighbourhood,"
                        "municipality,team",
    "groups.csv": "external_id,name,kind,theme,life_domains,framework,municipality,team,neighbourhood,"
                  "start_date,end_date,status",
    "enrolments.csv": "participant,group,start_date,end_date,end_reason",
    "sessions.csv": "external_id,group,date,start_time,duration_minutes,status,topic,head_count",
    "attendance.csv": "session,participant,status",
    "individual_support.csv": "participant,product,framework,start_date,end_date",
}
PARTICIPANT = "P1,Fatima,El Amrani,1980-05-12,,,Leeuwarden,Noord"
SOON = datetime.date.today() + datetime.timedelta(days=30)
GROUP = "G1,Geld Telt,support,,financien,,Leeuwarden,Noord,,2024-01-01,,running"


@pytest.mark.parametrize(
    ("name", "row", "column", "fragment"),
    [
        ("participants.csv", "P1,Fatima,El Amrani,1980-05-12,ABC,,Leeuwarden,Noord", "postcode",
         "geen Nederlandse postcode"),
        ("participants.csv", "P1,Fatima,El Amrani,1980-05-12,,,,Noord", "municipality", "leeg"),
        ("participants.csv", "P1,Fatima,El Amrani,1980-02-30,,,Leeuwarden,Noord", "birth_date",
         "geen geldige datum"),
        ("participants.csv", "P1,Fatima," + "x" * 101 + ",1980-05-12,,,Leeuwarden,Noord", "last_name",
         "Te lang"),
        ("groups.csv", "G1,Geld Telt,cursus,,,,Leeuwarden,Noord,,2024-01-01,,running", "kind",
         "Onbekende waarde 'cursus'; toegestane waarden: support, meet, youth"),
        ("groups.csv", "G1,Geld Telt,support,,geld;wonen,,Leeuwarden,Noord,,2024-01-01,,running",
         "life_domains", "Onbekend leefgebied 'geld'"),
        ("groups.csv", "G1,Geld Telt,support,,,wmo2,Leeuwarden,Noord,,2024-01-01,,running", "framework",
         "wmo, jeugdwet, wgs"),
        ("groups.csv", "G1,Geld Telt,support,,,,Leeuwarden,Noord,,2024-03-01,2024-02-01,running", "end_date",
         "ligt vóór de startdatum"),
        ("groups.csv", "G1,Geld Telt,support,,,,Leeuwarden,Noord,,2024-01-01,,open", "status",
         "forming, running, phasing_out, self_running, ended"),
        ("sessions.csv", "S1,G1,2024-01-08,25:00,90,held,,0", "start_time", "geen geldige tijd"),
        ("sessions.csv", "S1,G1,2024-01-08,10:00,-5,held,,0", "duration_minutes", "negatief"),
        ("sessions.csv", "S1,G1,2024-01-08,10:00,90,held,,99999999999999999999", "head_count",
         "geen heel getal"),
        ("sessions.csv", "S1,G1,2024-01-08,10:00,90,held,,100000", "head_count", "buiten het bereik"),
        ("sessions.csv", "S1,G1,2024-01-08,10:00,1.5,held,,0", "duration_minutes", "geen heel getal"),
        ("sessions.csv", "S1,G9,2024-01-08,10:00,90,held,,0", "group", "Onbekend collectief 'G9'"),
        ("groups.csv", "G1,Geld Telt,support,,,,Leeuwarden,Noord,,0202-01-01,,running", "start_date",
         "0202-01-01 is geen aannemelijke datum"),
        ("sessions.csv", f"S1,G1,{SOON},10:00,90,held,,0", "date", "kan nog niet gehouden zijn"),
        ("sessions.csv", "S1,G1,2023-12-01,10:00,90,held,,0", "date", "Het collectief is gestart op 2024-01-01"),
        ("sessions.csv", "S1,G1,2024-01-08,10:00,,held,,501", "head_count", "van 0 tot en met 500"),
        ("enrolments.csv", "P1,G1,2024-01-01,,dropped_out", "end_reason", "einddatum"),
        ("enrolments.csv", "P1,G1,2024-01-01,2024-02-01,", "end_reason", "reden van beëindiging"),
        ("enrolments.csv", "P1,G1,2024-01-01,2024-02-01,gestopt", "end_reason", "dropped_out"),
        ("individual_support.csv", "P1,,wmo,2024-01-01,", "product", "leeg"),
        ("individual_support.csv", "P1,Schuldhulp,wmo,2024-05-01,2024-01-01", "end_date",
         "vóór de startdatum"),
    ],
)
def test_invalid_values_are_errors_naming_line_and_column(db, tmp_path, name, row, column, fragment):
    write(tmp_path, "participants.csv", HEADERS["participants.csv"] + "\n" + PARTICIPANT + "\n")
    write(tmp_path, "groups.csv", HEADERS["groups.csv"] + "\n" + GROUP + "\n")
    write(tmp_path, name, HEADERS[name] + "\n" + row + "\n")  # replaces the good file of that name

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["file"], e["line"], e["column"]) for e in errors] == [(name, "2", column)]
    assert fragment in errors[0]["message"]
    assert nothing_written()


def test_a_session_slot_taken_by_another_external_id_is_an_error_not_a_crash(db, tmp_path):
    group = GroupFactory(external_id="G1")
    SessionFactory(group=group, date=datetime.date(2024, 1, 8), start_time=TEN, external_id="OLD")
    SessionFactory(group=group, date=datetime.date(2024, 1, 15), start_time=TEN, external_id=None)
    write(tmp_path, "sessions.csv", HEADERS["sessions.csv"] + "\n"
          "S1,G1,2024-01-08,10:00,90,held,,0\n"
          "S2,G1,2024-01-15,10:00,90,held,,0\n"
          "S3,G1,2024-01-22,10:00,90,held,,0\n"
          "S4,G1,2024-01-22,10:00,90,held,,0\n")

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["line"], e["column"]) for e in errors] == [
        ("2", "start_time"), ("3", "start_time"), ("5", "start_time"),
    ]
    assert "(OLD)" in errors[0]["message"]
    assert "zonder extern id" in errors[1]["message"]
    assert "Regel 4" in errors[2]["message"]
    assert Session.objects.count() == 2


def test_a_second_open_enrolment_is_an_error_not_a_crash(db, tmp_path):
    team = TeamFactory()
    participant = ParticipantFactory(external_id="P1", team=team)
    group = GroupFactory(external_id="G1", team=team)
    Enrolment.objects.create(participant=participant, group=group, start_date=datetime.date(2024, 1, 1))
    write(tmp_path, "enrolments.csv", HEADERS["enrolments.csv"] + "\nP1,G1,2024-03-01,,\n")

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["line"], e["column"]) for e in errors] == [("2", "end_date")]
    assert "2024-01-01" in errors[0]["message"]
    assert Enrolment.objects.count() == 1


def test_a_reference_to_a_bad_row_says_where_the_bad_row_is(db, tmp_path):
    no_last_name = "P1,Fatima,,1980-05-12,,,Leeuwarden,Noord"
    write(tmp_path, "participants.csv", HEADERS["participants.csv"] + "\n" + no_last_name + "\n")
    write(tmp_path, "attendance.csv", HEADERS["attendance.csv"] + "\n")
    support = "P1,Schuldhulp,wgs,2024-01-01,"
    write(tmp_path, "individual_support.csv", HEADERS["individual_support.csv"] + "\n" + support + "\n")

    errors = parsed_errors(run_failing(tmp_path))

    assert errors[-1]["file"] == "individual_support.csv"
    assert "participants.csv regel 2" in errors[-1]["message"]


# --- Unreadable files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "line", "fragment"),
    [
        (HEADERS["attendance.csv"].encode() + "\nS1,P1,présent\n".encode("latin-1"), "2", "niet in UTF-8"),
        (b"", "1", "leeg"),
        (b"session;participant;status\nS1;P1;present\n", "1", "puntkomma"),
        (b"session,participant\nS1,P1\n", "1", "Kolom ontbreekt"),
        (b"session,participant,status,notes\nS1,P1,present,x\n", "1", "Onbekende kolom"),
        (b"PK\x03\x04\x14\x00\x00\x00binary", "1", "Excel"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "1", "geen CSV-tekstbestand"),
        (b"session,participant,status\nS1,P1\n", "2", "velden"),
    ],
)
def test_unreadable_files_give_a_message(db, tmp_path, content, line, fragment):
    (tmp_path / "attendance.csv").write_bytes(content)

    errors = parsed_errors(run_failing(tmp_path))

    assert errors[0]["file"] == "attendance.csv" and errors[0]["line"] == line
    assert fragment in errors[0]["message"]


def test_a_missing_directory_or_one_without_import_files_is_an_error(db, tmp_path):
    with pytest.raises(CommandError, match="bestaat niet"):
        run(tmp_path / "nowhere")
    (tmp_path / "deelnemers.csv").write_text("x")
    with pytest.raises(CommandError, match="participants.csv"):
        run(tmp_path)


def test_a_file_with_only_a_header_row_is_fine(db, tmp_path):
    write(tmp_path, "attendance.csv", "\ufeff" + HEADERS["attendance.csv"] + "\r\n")
    assert "attendance.csv: 0 aangemaakt, 0 bijgewerkt, 0 ongewijzigd" in run(tmp_path)


# --- Speed --------------------------------------------------------------------------------------


def test_ten_thousand_attendance_rows_take_seconds_and_few_queries(
    db, tmp_path, django_assert_max_num_queries
):
    participants = [HEADERS["participants.csv"]]
    participants += [
        f"P{i},Naam{i},Achter,1970-01-01,,Wijk {i % 7},Leeuwarden,Team {i % 3}" for i in range(100)
    ]
    write(tmp_path, "participants.csv", "\n".join(participants) + "\n")
    write(tmp_path, "groups.csv", HEADERS["groups.csv"] + "\n" + GROUP + "\n")
    sessions = [HEADERS["sessions.csv"]]
    start = datetime.date(2024, 1, 1)
    sessions += [f"S{i},G1,{start + datetime.timedelta(days=i)},10:00,90,held,,0" for i in range(100)]
    write(tmp_path, "sessions.csv", "\n".join(sessions) + "\n")
    # Attendance only for residents enrolled in the group on the session's date.
    enrolments = [HEADERS["enrolments.csv"]] + [f"P{i},G1,2024-01-01,," for i in range(100)]
    write(tmp_path, "enrolments.csv", "\n".join(enrolments) + "\n")
    attendance = [HEADERS["attendance.csv"]]
    attendance += [
        f"S{s},P{p},{'present' if (s + p) % 4 else 'absent'}" for s in range(100) for p in range(99)
    ]
    attendance += [f"S{s},P99,excused" for s in range(100)]
    write(tmp_path, "attendance.csv", "\n".join(attendance) + "\n")

    began = time.monotonic()
    with django_assert_max_num_queries(150):
        result = import_directory(tmp_path)
    elapsed = time.monotonic() - began

    assert result.ok, result.errors[:3]
    assert result.files["attendance.csv"].created == 10_000
    assert Attendance.objects.count() == 10_000
    assert elapsed < 15, f"the import took {elapsed:.1f} s"

    began = time.monotonic()
    again = import_directory(tmp_path)
    assert again.files["attendance.csv"].unchanged == 10_000
    assert time.monotonic() - began < 15


def test_a_database_refusal_is_reported_and_rolled_back_not_raised(db, monkeypatch):
    from django.db import IntegrityError

    def refuse(*args, **kwargs):
        raise IntegrityError('duplicate key value violates unique constraint "unique_attendance"')

    monkeypatch.setattr(Attendance.objects, "bulk_create", refuse)

    errors = parsed_errors(run_failing(DATA / "valid"))

    assert [(e["file"], e["column"]) for e in errors] == [("attendance.csv", "-")]
    assert "De database weigerde de import" in errors[0]["message"]
    assert nothing_written()
