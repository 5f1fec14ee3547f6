"""survey_responses.csv: paper surveys in bulk, one anonymous response per row (issue 12)."""

import datetime

import pytest
from django.utils import timezone

from collectief.models import AuditEvent
from outcomes.models import Answer, SurveyResponse
from outcomes.survey import survey_table
from reporting.periods import quarter
from tests.factories import GroupFactory, TeamFactory

from .test_command import HEADERS, parsed_errors, run, run_failing, write

HEADER = "group,date,respondent_type,channel,op_gemak,geluisterd,geleerd,gezin_geleerd,aanraden,mark"
D = datetime.date


@pytest.fixture
def groups(municipality):
    team = TeamFactory(municipality=municipality)
    support = GroupFactory(external_id="G1", team=team, kind_id="support", start_date=D(2024, 1, 1))
    meet = GroupFactory(external_id="G2", team=team, kind_id="meet", start_date=D(2024, 1, 1))
    return support, meet


def survey_file(tmp_path, *rows, header=HEADER):
    return write(tmp_path, "survey_responses.csv", "\n".join([header, *rows]) + "\n")


def answers_of(response) -> dict[str, int]:
    return dict(response.answers.values_list("statement__code", "value"))


# --- Known rows ------------------------------------------------------------------------------------


def test_rows_become_anonymous_responses_with_exactly_the_answers_given(groups, tmp_path):
    support, meet = groups
    survey_file(
        tmp_path,
        "G1,2024-06-10,resident,paper,5,4,,,5,8",
        "G1,2024-06-10,youth,paper,,3,2,,,",
        "G2,2024-06-11,parent,link,1,,,4,2,6",
    )

    assert "survey_responses.csv: 3 aangemaakt, 0 bijgewerkt, 0 ongewijzigd" in run(tmp_path)

    resident, youth, parent = SurveyResponse.objects.order_by("pk")
    assert (resident.group, resident.date, resident.respondent_type, resident.channel, resident.mark) == (
        support, D(2024, 6, 10), "resident", "paper", 8,
    )
    assert answers_of(resident) == {"op_gemak": 5, "geluisterd": 4, "aanraden": 5}
    # Empty cells are unanswered statements: no Answer row, and an empty mark stays empty.
    assert answers_of(youth) == {"geluisterd": 3, "geleerd": 2} and youth.mark is None
    assert (parent.group, parent.channel, answers_of(parent)) == (meet, "link", {
        "op_gemak": 1, "gezin_geleerd": 4, "aanraden": 2,
    })
    # Imported forms count as taken at the end of the group, in the survey in use.
    assert {r.moment for r in (resident, youth, parent)} == {"end"}
    assert {r.survey.code for r in (resident, youth, parent)} == {"ervaringwijzer"}
    event = AuditEvent.objects.get(object_type="outcomes.surveyresponse")
    assert event.event == "import.created" and event.data["created"] == 3 and event.participant_ids == []


def test_imported_rows_count_in_the_survey_table(groups, tmp_path, municipality):
    survey_file(tmp_path, *[f"G1,2024-08-0{day},resident,paper,{value},,,,," for day, value in
                            ((1, 5), (2, 4), (3, 3), (4, 2), (5, 1))], "G1,2024-08-06,resident,paper,,,,,,7")

    run(tmp_path)

    [cell] = [r for r in survey_table(municipality, quarter(2024, 3)) if r["statement"] == "op_gemak"]
    assert (cell["asked"], cell["answered"], cell["disagree"], cell["neutral"], cell["agree"]) == (
        6, 5, 40.0, 20.0, 40.0,
    )


def test_the_statement_columns_may_be_a_subset_in_any_order(groups, tmp_path):
    survey_file(tmp_path, "G1,2024-06-10,paper,resident,7,3", header="group,date,channel,respondent_type,mark,verder")

    run(tmp_path)

    response = SurveyResponse.objects.get()
    assert (response.mark, answers_of(response)) == (7, {"verder": 3})


# --- Re-importing ------------------------------------------------------------------------------------


def test_importing_the_same_file_again_adds_nothing(groups, tmp_path):
    rows = ["G1,2024-06-10,resident,paper,5,5,,,5,9"] * 2 + ["G1,2024-06-10,resident,paper,4,,,,,"]
    survey_file(tmp_path, *rows)
    run(tmp_path)
    assert SurveyResponse.objects.count() == 3 and Answer.objects.count() == 7

    assert "survey_responses.csv: 0 aangemaakt, 0 bijgewerkt, 3 ongewijzigd" in run(tmp_path)
    assert SurveyResponse.objects.count() == 3 and Answer.objects.count() == 7


def test_a_grown_spreadsheet_adds_only_its_new_rows(groups, tmp_path):
    """Identical forms are told apart by how often they occur: a third identical form is new."""
    same = "G1,2024-06-10,resident,paper,5,5,,,5,9"
    survey_file(tmp_path, same, same)
    run(tmp_path)

    survey_file(tmp_path, "G2,2024-06-12,parent,paper,,,,5,,", same, same, same)

    assert "survey_responses.csv: 2 aangemaakt, 0 bijgewerkt, 2 ongewijzigd" in run(tmp_path)
    assert SurveyResponse.objects.filter(group__external_id="G1").count() == 3
    assert SurveyResponse.objects.filter(group__external_id="G2").count() == 1


def test_a_response_typed_in_on_the_page_is_never_taken_for_an_imported_row(groups, tmp_path):
    from outcomes.models import Survey

    SurveyResponse.objects.create(survey=Survey.current(), group=groups[0], date=D(2024, 6, 10), channel="paper",
                                  respondent_type="resident", mark=9)
    survey_file(tmp_path, "G1,2024-06-10,resident,paper,,,,,,9")

    assert "1 aangemaakt" in run(tmp_path)
    assert SurveyResponse.objects.count() == 2


# --- Errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "row, column, fragment",
    [
        ("G9,2024-06-10,resident,paper,5,,,,,", "group", "Onbekend collectief 'G9'"),
        (",2024-06-10,resident,paper,5,,,,,", "group", "leeg"),
        ("G1,2024-02-30,resident,paper,5,,,,,", "date", "geen geldige datum"),
        ("G1,2023-12-31,resident,paper,5,,,,,", "date", "2024-01-01"),
        ("G1,2024-06-10,inwoner,paper,5,,,,,", "respondent_type", "resident, youth, parent"),
        ("G1,2024-06-10,resident,email,5,,,,,", "channel", "paper, link"),
        ("G1,2024-06-10,resident,paper,6,,,,,", "op_gemak", "1 tot en met 5"),
        ("G1,2024-06-10,resident,paper,ja,,,,,", "op_gemak", "1 tot en met 5"),
        ("G1,2024-06-10,resident,paper,5,,4,,,", "geleerd", "youth"),
        ("G1,2024-06-10,youth,paper,5,,,4,,", "gezin_geleerd", "parent"),
        ("G1,2024-06-10,resident,paper,5,,,,,11", "mark", "tot en met 10"),
        ("G1,2024-06-10,resident,paper,5,,,,,0", "mark", "tot en met 10"),
        ("G1,2024-06-10,resident,paper,,,,,,", "-", "geen antwoord"),
    ],
)
def test_a_bad_row_names_file_line_and_column_and_writes_nothing(groups, tmp_path, row, column, fragment):
    survey_file(tmp_path, "G1,2024-06-09,resident,paper,5,5,,,5,8", row)

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["file"], e["line"], e["column"]) for e in errors] == [("survey_responses.csv", "3", column)], errors
    assert fragment in errors[0]["message"], errors[0]["message"]
    assert not SurveyResponse.objects.exists() and not Answer.objects.exists()


def test_a_date_in_the_future_is_an_error(groups, tmp_path):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    survey_file(tmp_path, f"G1,{tomorrow.isoformat()},resident,paper,5,,,,,")

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["line"], e["column"]) for e in errors] == [("2", "date")]
    assert "toekomst" in errors[0]["message"]


def test_an_unknown_statement_column_is_a_header_error(groups, tmp_path):
    survey_file(tmp_path, "G1,2024-06-10,resident,paper,5,8", header="group,date,respondent_type,channel,op_gmak,mark")

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["file"], e["line"], e["column"]) for e in errors] == [("survey_responses.csv", "1", "op_gmak")]
    assert "op_gemak" in errors[0]["message"]  # the known codes are listed
    assert not SurveyResponse.objects.exists()


def test_a_missing_required_column_is_a_header_error(groups, tmp_path):
    survey_file(tmp_path, "G1,2024-06-10,resident,5", header="group,date,respondent_type,op_gemak")

    errors = parsed_errors(run_failing(tmp_path))

    assert {(e["line"], e["column"]) for e in errors} == {("1", "channel"), ("1", "mark")}


def test_the_group_may_come_from_groups_csv_of_the_same_import(municipality, tmp_path):
    write(tmp_path, "groups.csv", HEADERS["groups.csv"] + "\nG7,Wandelgroep,meet,,,,Leeuwarden,Noord,,2024-01-01,,"
                                                          "running\n")
    survey_file(tmp_path, "G7,2024-06-10,resident,link,4,,,,,")

    output = run(tmp_path)

    assert "groups.csv: 1 aangemaakt" in output and "survey_responses.csv: 1 aangemaakt" in output
    assert SurveyResponse.objects.get().group.external_id == "G7"


# --- Dry run -----------------------------------------------------------------------------------------


def test_a_dry_run_changes_nothing(groups, tmp_path):
    survey_file(tmp_path, "G1,2024-06-10,resident,paper,5,4,,,5,8", "G2,2024-06-11,youth,link,,,3,,,")

    output = run(tmp_path, "--dry-run")

    assert "survey_responses.csv: 2 aan te maken, 0 bij te werken, 0 ongewijzigd" in output
    assert not SurveyResponse.objects.exists() and not Answer.objects.exists() and not AuditEvent.objects.exists()


# --- The browser -------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_browser_import_lists_and_previews_survey_responses_csv(groups, client_for, administrator, settings,
                                                                    tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .test_views import PREVIEW, UPLOAD, counts

    settings.MEDIA_ROOT = tmp_path / "media"
    client = client_for(administrator)
    assert "survey_responses.csv" in client.get(UPLOAD).content.decode()
    content = f"{HEADER}\nG1,2024-06-10,resident,paper,5,4,,,5,8\nG1,2024-06-10,youth,paper,,3,2,,,\n"

    response = client.post(UPLOAD, {"files": [SimpleUploadedFile("survey_responses.csv", content.encode())]})

    assert response.status_code == 302
    assert counts(client.get(PREVIEW).content.decode(), "survey_responses.csv") == {
        "created": 2, "updated": 0, "unchanged": 0, "errors": 0,
    }
    assert not SurveyResponse.objects.exists()
