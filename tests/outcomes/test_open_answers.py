"""Open answers of a group's survey: tagged by staff for every channel; a mistyped paper form removed."""

import datetime

from django.urls import reverse

from collectief.models import AuditEvent
from outcomes.models import Answer, Survey, SurveyResponse, ThemeTag
from tests.factories import GroupFactory

D = datetime.date(2024, 8, 1)


def _response(group, channel="link", **extra):
    survey = Survey.current()
    response = SurveyResponse.objects.create(survey=survey, group=group, date=D, channel=channel,
                                             respondent_type="resident", **extra)
    Answer.objects.create(response=response, statement=survey.statements.first(), value=4)
    return response


def test_staff_tag_the_themes_of_a_link_response(client_for, worker, team_a):
    group = GroupFactory(team=team_a)
    response = _response(group, what_helped="Dat ik niet de enige was")
    _response(group)  # no open answer: not listed
    client = client_for(worker)
    url = reverse("outcomes:open_answers", args=[group.pk])
    body = client.get(url).content.decode()
    assert body.count('id="antwoord-') == 1 and "Dat ik niet de enige was" in body
    saved = client.post(url, {"response": response.pk, "themes": ["herkenning", "sociale_contacten"]})
    assert saved.status_code == 302
    assert set(response.themes.values_list("code", flat=True)) == {"herkenning", "sociale_contacten"}
    assert AuditEvent.objects.filter(event="survey_response.updated", object_id=str(response.pk)).exists()
    refused = client.post(url, {"response": response.pk, "themes": ["bestaat_niet"]}, follow=True)
    assert refused.status_code == 200 and "Kies thema" in refused.content.decode()
    assert response.themes.count() == 2


def test_only_a_paper_form_can_be_removed_and_only_by_the_groups_team(client_for, worker, outsider, team_a):
    group = GroupFactory(team=team_a)
    paper, link = _response(group, "paper", what_helped="x"), _response(group, "link", what_helped="y")
    url = reverse("outcomes:response_delete", args=[group.pk])
    assert client_for(outsider).post(url, {"response": paper.pk}).status_code == 404
    assert client_for(worker).post(url, {"response": link.pk}).status_code == 404
    assert client_for(worker).post(url, {"response": paper.pk}).status_code == 302
    assert list(SurveyResponse.objects.all()) == [link]
    assert not Answer.objects.filter(response_id=paper.pk).exists()
    assert ThemeTag.objects.exists()
