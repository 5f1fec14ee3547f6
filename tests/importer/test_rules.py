"""Rules of the import files that came with the imports app: optional columns and overlapping enrolments."""

import datetime

from django.core.management import CommandError, call_command

from groups.models import Enrolment, Group
from tests.factories import GroupFactory, ParticipantFactory, TeamFactory

from .test_command import HEADERS, parsed_errors, run, run_failing, write

GROUPS_WITH_HAND_OVER = HEADERS["groups.csv"] + ",handed_over_on"
ENROLMENTS_WITH_REFERRAL = HEADERS["enrolments.csv"] + ",referral_source"


def enrolled_pair():
    team = TeamFactory()  # one municipality: an enrolment may not cross it
    return (
        ParticipantFactory(external_id="P1", team=team),
        GroupFactory(external_id="G1", team=team, start_date=datetime.date(2023, 1, 1)),
    )


# --- Optional columns ---------------------------------------------------------------------------


def test_a_hand_over_date_in_groups_csv_is_stored(db, tmp_path):
    write(tmp_path, "groups.csv", GROUPS_WITH_HAND_OVER + "\n"
          "G1,Wandelgroep,support,,,,Leeuwarden,Noord,,2024-01-01,,self_running,2024-06-01\n"
          "G2,Kookgroep,support,,,,Leeuwarden,Noord,,2024-01-01,,running,\n")

    assert "groups.csv: 2 aangemaakt" in run(tmp_path)

    assert Group.objects.get(external_id="G1").handed_over_on == datetime.date(2024, 6, 1)
    assert Group.objects.get(external_id="G2").handed_over_on is None


def test_a_self_running_group_needs_a_hand_over_date(db, tmp_path):
    write(tmp_path, "groups.csv", GROUPS_WITH_HAND_OVER + "\n"
          "G1,Wandelgroep,support,,,,Leeuwarden,Noord,,2024-01-01,,self_running,\n"
          "G2,Kookgroep,support,,,,Leeuwarden,Noord,,2024-03-01,,self_running,2024-02-01\n")

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["line"], e["column"]) for e in errors] == [("2", "handed_over_on"), ("3", "handed_over_on")]
    assert "2024-02-01" in errors[1]["message"] and "2024-03-01" in errors[1]["message"]
    assert not Group.objects.exists()


def test_a_groups_file_without_the_optional_column_leaves_the_hand_over_date_alone(db, tmp_path):
    GroupFactory(external_id="G1", name="Wandelgroep", handed_over_on=datetime.date(2024, 6, 1))
    write(tmp_path, "groups.csv", HEADERS["groups.csv"] + "\n"
          "G1,Wandelgroep,support,,,,Leeuwarden,Noord,,2024-01-01,,running\n")

    run(tmp_path)

    assert Group.objects.get().handed_over_on == datetime.date(2024, 6, 1)


def test_a_referral_source_in_enrolments_csv_is_stored(db, tmp_path):
    enrolled_pair()
    write(tmp_path, "enrolments.csv", ENROLMENTS_WITH_REFERRAL + "\nP1,G1,2024-01-01,,,gp_hospital\n")

    assert "enrolments.csv: 1 aangemaakt" in run(tmp_path)

    assert Enrolment.objects.get().referral_source == Enrolment.ReferralSource.GP_HOSPITAL


def test_an_unknown_referral_source_lists_the_codes(db, tmp_path):
    enrolled_pair()
    write(tmp_path, "enrolments.csv", ENROLMENTS_WITH_REFERRAL + "\nP1,G1,2024-01-01,,,huisarts\n")

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["line"], e["column"]) for e in errors] == [("2", "referral_source")]
    assert "own_worker, other_team, partner, gp_hospital, self, other" in errors[0]["message"]


def test_required_columns_are_still_required_and_others_still_unknown(db, tmp_path):
    write(tmp_path, "enrolments.csv", "participant,group,start_date,end_date,referral_source,notes\n")

    errors = parsed_errors(run_failing(tmp_path))

    assert {(e["column"], e["message"].split(";")[0]) for e in errors} == {
        ("notes", "Onbekende kolom"), ("end_reason", "Kolom ontbreekt"),
    }


# --- Overlapping enrolments ---------------------------------------------------------------------


def test_an_enrolment_overlapping_a_stored_one_is_refused_with_line_and_column(db, tmp_path):
    participant, group = enrolled_pair()
    Enrolment.objects.create(
        participant=participant, group=group, start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2024, 3, 31), end_reason_id="other",
    )
    write(tmp_path, "enrolments.csv", HEADERS["enrolments.csv"] + "\nP1,G1,2024-03-31,,\n")

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["file"], e["line"], e["column"]) for e in errors] == [("enrolments.csv", "2", "end_date")]
    assert "'P1'" in errors[0]["message"] and "'G1'" in errors[0]["message"]
    assert "2024-01-01" in errors[0]["message"] and "2024-03-31" in errors[0]["message"]
    assert Enrolment.objects.count() == 1


def test_two_overlapping_rows_in_the_file_are_both_refused(db, tmp_path):
    enrolled_pair()
    write(tmp_path, "enrolments.csv", HEADERS["enrolments.csv"] + "\n"
          "P1,G1,2024-01-01,2024-02-15,other\n"
          "P1,G1,2024-02-01,,\n")

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["line"], e["column"]) for e in errors] == [("2", "end_date"), ("3", "end_date")]
    assert not Enrolment.objects.exists()


def test_a_new_enrolment_after_the_previous_one_ended_is_fine(db, tmp_path):
    participant, group = enrolled_pair()
    Enrolment.objects.create(participant=participant, group=group, start_date=datetime.date(2024, 1, 1))
    # The file ends the stored enrolment and starts the next one the day after: no overlap.
    write(tmp_path, "enrolments.csv", HEADERS["enrolments.csv"] + "\n"
          "P1,G1,2024-01-01,2024-03-31,next_series\n"
          "P1,G1,2024-04-01,,\n")

    output = run(tmp_path)

    assert "enrolments.csv: 1 aangemaakt, 1 bijgewerkt, 0 ongewijzigd" in output
    assert list(Enrolment.objects.order_by("start_date").values_list("end_date", flat=True)) == [
        datetime.date(2024, 3, 31), None,
    ]


def test_the_command_keeps_its_exit_status_on_an_overlap(db, tmp_path):
    participant, group = enrolled_pair()
    Enrolment.objects.create(participant=participant, group=group, start_date=datetime.date(2024, 1, 1))
    write(tmp_path, "enrolments.csv", HEADERS["enrolments.csv"] + "\nP1,G1,2024-02-01,,\n")

    try:
        call_command("import_registry", str(tmp_path))
    except CommandError as exc:
        assert exc.returncode == 1
    else:
        raise AssertionError("an overlapping enrolment was accepted")
