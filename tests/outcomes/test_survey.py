"""The experience survey table against a data set with known answers (issue 12)."""

import datetime
import io
import json

import pytest
from django.core.management import call_command

from outcomes.models import Answer, Statement, Survey, SurveyResponse
from outcomes.survey import percentage, survey_table
from participants.models import Participant
from reporting.periods import quarter
from tests.factories import GroupFactory, TeamFactory

Q3 = quarter(2024, 3)
IN_Q3 = datetime.date(2024, 8, 15)


def _respond(group, respondent_type, answers: dict, *, date=IN_Q3, mark=None):
    survey = Survey.current()
    response = SurveyResponse.objects.create(
        survey=survey, group=group, date=date, channel="paper", respondent_type=respondent_type, mark=mark
    )
    statements = {s.code: s for s in survey.statements.all()}
    Answer.objects.bulk_create(
        Answer(response=response, statement=statements[code], value=value)
        for code, value in answers.items() if value is not None
    )
    return response


@pytest.fixture
def survey_data(municipality, other_municipality, team_a):
    support = GroupFactory(team=team_a, kind_id="support")
    meet = GroupFactory(team=team_a, kind_id="meet")
    elsewhere = GroupFactory(team=TeamFactory(municipality=other_municipality), kind_id="support")
    # Six residents of a support group; one left "op_gemak" unanswered.
    for value in (5, 4, 4, 3, 1, None):
        _respond(support, "resident", {"op_gemak": value, "aanraden": 5}, mark=8)
    # Two young people: too few to show.
    for value in (5, 4):
        _respond(support, "youth", {"geleerd": value, "op_gemak": 4})
    # Five parents answer the parents-only statement.
    for value in (4, 4, 4, 4, 2):
        _respond(support, "parent", {"gezin_geleerd": value})
    # Five residents of a meet group.
    for value in (2, 2, 3, 4, 5):
        _respond(meet, "resident", {"op_gemak": value})
    # Not in the table: another municipality, another quarter.
    for _ in range(5):
        _respond(elsewhere, "resident", {"op_gemak": 1})
        _respond(support, "resident", {"op_gemak": 1}, date=datetime.date(2024, 4, 1))
    return municipality


def _cell(rows, statement, respondent_type, group_kind):
    found = [r for r in rows if (r["statement"], r["respondent_type"], r["group_kind"])
             == (statement, respondent_type, group_kind)]
    assert len(found) == 1, (statement, respondent_type, group_kind, rows)
    return found[0]


def test_percentages_per_statement_respondent_type_and_group_kind(survey_data):
    rows = survey_table(survey_data, Q3)
    cell = _cell(rows, "op_gemak", "resident", "support")
    # Five answered of six asked: the unanswered one is not in the denominator.
    assert (cell["asked"], cell["answered"], cell["response_rate"]) == (6, 5, 83.3)
    assert (cell["disagree"], cell["neutral"], cell["agree"]) == (20.0, 20.0, 60.0)
    assert cell["text"] == "Ik voelde me op mijn gemak in de groep"
    meet = _cell(rows, "op_gemak", "resident", "meet")
    assert (meet["asked"], meet["answered"], meet["disagree"], meet["neutral"], meet["agree"]) == (
        5, 5, 40.0, 20.0, 40.0
    )
    parents = _cell(rows, "gezin_geleerd", "parent", "support")
    assert (parents["asked"], parents["answered"], parents["disagree"], parents["neutral"], parents["agree"]) == (
        5, 5, 20.0, 0.0, 80.0
    )
    recommend = _cell(rows, "aanraden", "resident", "support")
    assert (recommend["answered"], recommend["agree"]) == (6, 100.0)


def test_statements_for_one_respondent_type_are_asked_only_of_them(survey_data):
    rows = survey_table(survey_data, Q3, hide_small=False)
    assert not [r for r in rows if r["statement"] == "geleerd" and r["respondent_type"] != "youth"]
    assert not [r for r in rows if r["statement"] == "gezin_geleerd" and r["respondent_type"] != "parent"]
    youth = _cell(rows, "geleerd", "youth", "support")
    assert (youth["asked"], youth["answered"], youth["agree"]) == (2, 2, 100.0)


def test_cells_under_five_respondents_are_hidden(survey_data):
    rows = survey_table(survey_data, Q3)
    youth = _cell(rows, "geleerd", "youth", "support")
    assert youth["hidden"] is True
    assert youth["answered"] is youth["agree"] is youth["disagree"] is youth["response_rate"] is None
    assert _cell(rows, "op_gemak", "resident", "support")["hidden"] is False


def test_survey_report_command_prints_the_unsuppressed_table_with_the_contract_keys(survey_data):
    out = io.StringIO()
    call_command("survey_report", "--municipality", survey_data.name, "--period", "2024Q3", stdout=out)
    data = json.loads(out.getvalue())
    keys = {"statement", "respondent_type", "group_kind", "answered", "disagree", "neutral", "agree"}
    assert all(set(row) == keys for row in data["statements"])
    youth = [r for r in data["statements"] if r["statement"] == "geleerd"]
    assert youth == [{"statement": "geleerd", "respondent_type": "youth", "group_kind": "support", "answered": 2,
                      "disagree": 0.0, "neutral": 0.0, "agree": 100.0}]
    assert len(data["statements"]) == len(survey_table(survey_data, Q3))


def test_percentages_round_half_up():
    assert percentage(1, 16) == 6.3  # 6.25
    assert percentage(2, 3) == 66.7
    assert percentage(0, 0) is None


def test_no_survey_response_can_be_traced_to_a_resident():
    """No relation from a response, its answers or its link leads to a resident, directly or via a join table."""

    def related_models(model, seen):
        for field in model._meta.get_fields():
            target = getattr(field, "related_model", None)
            if field.is_relation and target is not None and target not in seen and field.concrete:
                seen.add(target)
        return seen

    for model in (SurveyResponse, Answer):
        direct = related_models(model, set())
        assert Participant not in direct
        assert "participant" not in {f.name for f in model._meta.get_fields()}
    assert Statement in related_models(Answer, set())  # the check does see relations
