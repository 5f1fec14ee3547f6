"""The experience survey's pages: paper entry, links and QR codes, the public page, the table (issue 12)."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from collectief.models import AuditEvent
from outcomes.models import Answer, Statement, Survey, SurveyLink, SurveyResponse, ThemeTag
from tests.factories import EnrolmentFactory, GroupFactory, ParticipantFactory

TODAY = timezone.localdate()
# A resident of the group: their name must never show up on a survey page.
RESIDENT = ("Quirina", "Zwanenburgh")


@pytest.fixture
def group(team_a, worker):
    group = GroupFactory(team=team_a, name="Kookgroep Bilgaard", start_date=datetime.date(2024, 1, 1))
    group.facilitators.set([worker])
    EnrolmentFactory(group=group, participant=ParticipantFactory(team=team_a, first_name=RESIDENT[0],
                                                                 last_name=RESIDENT[1]))
    return group


@pytest.fixture
def link(group, worker):
    return SurveyLink.objects.create(group=group, survey=Survey.current(), moment="end",
                                     open_until=TODAY + datetime.timedelta(days=28), created_by=worker)


def entry_url(group, **query):
    url = reverse("outcomes:paper_entry", args=[group.pk])
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else url


def public_url(link, **query):
    url = reverse("outcomes:public_survey", args=[link.token])
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else url


def statement(code) -> Statement:
    return Survey.current().statements.get(code=code)


def answers_of(response) -> dict[str, int]:
    return dict(response.answers.values_list("statement__code", "value"))


def text(response) -> str:
    return response.content.decode()


def paper_post(respondent_type="resident", *, date=None, **fields):
    return {"respondent_type": respondent_type, "moment": "end", "date": (date or TODAY).isoformat(), **fields}


# --- Paper entry ---------------------------------------------------------------------------------------


def test_paper_entry_asks_who_first_and_then_only_that_types_statements(group, client_for, worker):
    client = client_for(worker)

    first = text(client.get(entry_url(group)))
    assert 'name="respondent_type"' in first and 'name="moment"' in first and 'name="date"' in first
    assert statement("op_gemak").text not in first

    youth = text(client.get(entry_url(group, respondent_type="youth", moment="end", date=TODAY.isoformat())))
    parent = text(client.get(entry_url(group, respondent_type="parent", moment="end", date=TODAY.isoformat())))
    resident = text(client.get(entry_url(group, respondent_type="resident", moment="end", date=TODAY.isoformat())))

    assert statement("geleerd").text in youth and statement("gezin_geleerd").text not in youth
    assert statement("gezin_geleerd").text in parent and statement("geleerd").text not in parent
    assert statement("geleerd").text not in resident and statement("gezin_geleerd").text not in resident
    # Every statement is a radio group in a fieldset with the statement as its legend.
    legends = re.findall(r"<legend[^>]*>([^<]+)</legend>", resident)
    assert statement("op_gemak").text in legends and statement("aanraden").text in legends
    assert "Helemaal niet mee eens" in resident and "Niet ingevuld" in resident


def test_paper_entry_saves_exactly_the_answers_given(group, client_for, worker):
    themes = list(ThemeTag.objects.filter(code__in=["sociale_contacten", "bewegen"]))
    day = TODAY - datetime.timedelta(days=3)

    response = client_for(worker).post(entry_url(group), paper_post(
        "resident", date=day, s_op_gemak="5", s_geluisterd="", s_toepassen="2", s_aanraden="4", mark="8",
        what_helped="Samen koken", do_differently="Vaker", themes=[t.pk for t in themes],
    ))

    assert response.status_code == 302
    saved = SurveyResponse.objects.get()
    assert (saved.group, saved.channel, saved.respondent_type, saved.moment, saved.date, saved.mark) == (
        group, "paper", "resident", "end", day, 8,
    )
    # Unanswered statements ("Niet ingevuld" or not sent) have no Answer row.
    assert answers_of(saved) == {"op_gemak": 5, "toepassen": 2, "aanraden": 4}
    assert (saved.what_helped, saved.do_differently) == ("Samen koken", "Vaker")
    assert set(saved.themes.all()) == set(themes)
    event = AuditEvent.objects.get(event="survey_response.created")
    assert (event.user, event.object_id, event.participant_ids) == (worker, str(saved.pk), [])


def test_a_statement_of_another_respondent_type_is_not_stored(group, client_for, worker):
    client_for(worker).post(entry_url(group), paper_post("resident", s_op_gemak="4", s_gezin_geleerd="5",
                                                         s_geleerd="5"))

    assert answers_of(SurveyResponse.objects.get()) == {"op_gemak": 4}


def test_save_and_next_keeps_who_moment_and_date_for_the_next_form(group, client_for, worker):
    client = client_for(worker)
    day = TODAY - datetime.timedelta(days=10)

    response = client.post(entry_url(group), paper_post("parent", date=day, s_gezin_geleerd="4", next="1"),
                           follow=True)

    page = text(response)
    assert "Opgeslagen" in page
    assert 'name="respondent_type" value="parent"' in page and f'name="date" value="{day.isoformat()}"' in page
    assert statement("gezin_geleerd").text in page
    # A blank form again: "Niet ingevuld" is chosen for every statement.
    assert len(re.findall(r'value="" id="[^"]+" checked', page)) == len([s for s in Survey.current().statements.all()
                                                   if s.applies_to("parent")])
    client.post(entry_url(group), paper_post("parent", date=day, s_op_gemak="3"))
    assert list(SurveyResponse.objects.values_list("respondent_type", "date")) == [("parent", day)] * 2


@pytest.mark.parametrize(
    "fields, message",
    [
        ({}, "Er is nog niets ingevuld"),
        ({"s_op_gemak": "7"}, "Kies een van de antwoorden"),
        ({"s_op_gemak": "4", "mark": "11"}, "Kies een cijfer van 1 tot en met 10"),
        ({"s_op_gemak": "4", "what_helped": "x" * 2001}, "hoogstens 2000 tekens"),
        ({"s_op_gemak": "4", "themes": ["99999999999999999999"]}, "Kies thema&#x27;s uit de lijst"),
    ],
)
def test_invalid_paper_entry_gives_a_dutch_message_and_saves_nothing(group, client_for, worker, fields, message):
    response = client_for(worker).post(entry_url(group), paper_post("resident", **fields))

    assert response.status_code == 200
    assert message in text(response)
    assert not SurveyResponse.objects.exists() and not Answer.objects.exists()


@pytest.mark.parametrize(
    "start, message",
    [
        ({"respondent_type": "zzz", "moment": "end", "date": TODAY.isoformat()}, "Kies wie het formulier"),
        ({"respondent_type": "resident", "moment": "later", "date": TODAY.isoformat()}, "Kies het moment"),
        ({"respondent_type": "resident", "moment": "end", "date": "2024-02-30"}, "geldige datum"),
        ({"respondent_type": "resident", "moment": "end",
          "date": (TODAY + datetime.timedelta(days=1)).isoformat()}, "toekomst"),
        ({"respondent_type": "resident", "moment": "end", "date": "2023-12-31"}, "gestart op"),
        ({"respondent_type": "resident\x00", "moment": "end\x00", "date": "\x00"}, "Kies wie het formulier"),
    ],
)
def test_bad_choices_of_step_one_are_dutch_messages_never_a_500(group, client_for, worker, start, message):
    client = client_for(worker)

    for response in (client.get(entry_url(group), start), client.post(entry_url(group), {**start, "s_op_gemak": "4"})):
        assert response.status_code == 200
        assert message in text(response)
    assert not SurveyResponse.objects.exists()


def test_paper_entry_is_for_staff_of_the_groups_team_only(group, client_for, outsider, municipality_user, client):
    assert client.get(entry_url(group)).status_code == 302  # anonymous: to the login page
    outside = client_for(outsider)
    assert outside.get(entry_url(group)).status_code == 404
    assert outside.post(entry_url(group), paper_post(s_op_gemak="4")).status_code == 404
    contact = client_for(municipality_user)
    assert contact.get(entry_url(group)).status_code == 403
    assert contact.post(entry_url(group), paper_post(s_op_gemak="4")).status_code == 403
    assert contact.get(reverse("outcomes:group_survey", args=[group.pk])).status_code == 403
    assert not SurveyResponse.objects.exists()


def test_a_colleague_of_the_team_may_type_in_forms(group, client_for, colleague):
    response = client_for(colleague).post(entry_url(group), paper_post(s_op_gemak="4"))

    assert response.status_code == 302 and SurveyResponse.objects.count() == 1


# --- Links and QR codes --------------------------------------------------------------------------------


def test_the_groups_worker_makes_a_link_with_a_qr_code_and_a_printable_page(group, client_for, worker):
    client = client_for(worker)
    form = text(client.get(reverse("outcomes:link_create", args=[group.pk])))
    default = (TODAY + datetime.timedelta(days=28)).isoformat()
    assert f'value="{default}"' in form  # open four weeks by default

    response = client.post(reverse("outcomes:link_create", args=[group.pk]), {"moment": "follow_up",
                                                                               "open_until": default})

    link = SurveyLink.objects.get()
    assert (link.group, link.moment, link.open_until, link.created_by) == (group, "follow_up", TODAY +
                                                                           datetime.timedelta(days=28), worker)
    assert response.status_code == 302
    page = text(client.get(response["Location"]))
    assert f"http://testserver/vragenlijst/{link.token}/" in page
    assert re.search(r'<svg role="img" aria-label="QR-code die de vragenlijst opent"[^>]*><title>', page)
    assert "d-print-none" in page  # the instructions are not printed
    assert AuditEvent.objects.filter(event="survey_link.created", object_id=str(link.pk), user=worker).exists()
    hub = text(client.get(reverse("outcomes:group_survey", args=[group.pk])))
    assert link.token in hub and "Nu sluiten" in hub


def test_a_coordinator_may_make_a_link_a_colleague_who_is_not_the_groups_worker_may_not(
    group, client_for, coordinator, colleague,
):
    data = {"moment": "end", "open_until": (TODAY + datetime.timedelta(days=7)).isoformat()}
    url = reverse("outcomes:link_create", args=[group.pk])

    assert client_for(colleague).post(url, data).status_code == 403
    assert "Een coördinator of een van de sociaal werkers" in text(
        client_for(colleague).get(reverse("outcomes:group_survey", args=[group.pk]))
    )
    assert client_for(coordinator).post(url, data).status_code == 302
    assert SurveyLink.objects.count() == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"moment": "end", "open_until": (TODAY - datetime.timedelta(days=1)).isoformat()}, "voorbij"),
        ({"moment": "end", "open_until": "2024-02-30"}, "geldige datum"),
        ({"moment": "end", "open_until": (TODAY + datetime.timedelta(days=400)).isoformat()}, "een jaar"),
        ({"moment": "zzz", "open_until": TODAY.isoformat()}, "Kies het moment"),
        ({}, "Vul in tot wanneer"),
    ],
)
def test_a_bad_link_form_gives_a_dutch_message(group, client_for, worker, data, message):
    response = client_for(worker).post(reverse("outcomes:link_create", args=[group.pk]), data)

    assert response.status_code == 200 and message in text(response)
    assert not SurveyLink.objects.exists()


def test_closing_a_link_early_closes_the_public_page(group, link, client_for, worker, colleague, outsider):
    url = reverse("outcomes:link_close", args=[group.pk])
    assert client_for(outsider).post(url, {"link": link.pk}).status_code == 404
    assert client_for(colleague).post(url, {"link": link.pk}).status_code == 403
    assert client_for(worker).post(url, {"link": "zzz"}).status_code == 302
    link.refresh_from_db()
    assert link.closed_at is None

    client_for(worker).post(url, {"link": link.pk})

    link.refresh_from_db()
    assert link.closed_at is not None
    assert AuditEvent.objects.filter(event="survey_link.updated", object_id=str(link.pk)).count() == 1
    response = Client().get(public_url(link))
    assert response.status_code == 410 and "gesloten" in text(response)


def test_the_printable_page_shows_the_newest_open_link_or_goes_back(group, link, client_for, worker):
    client = client_for(worker)
    url = reverse("outcomes:link_print", args=[group.pk])

    assert link.token in text(client.get(url))
    SurveyLink.objects.filter(pk=link.pk).update(open_until=TODAY - datetime.timedelta(days=1))
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == reverse("outcomes:group_survey", args=[group.pk])


# --- The public page -----------------------------------------------------------------------------------


def test_a_resident_fills_in_the_survey_through_the_link_without_an_account(link):
    client = Client()

    first = client.get(public_url(link))
    assert first.status_code == 200 and "wie vult deze vragenlijst in?" in text(first)
    second = text(client.get(public_url(link, respondent_type="parent")))
    assert statement("gezin_geleerd").text in second and statement("geleerd").text not in second

    response = client.post(public_url(link), {
        "respondent_type": "parent", "s_op_gemak": "5", "s_gezin_geleerd": "4", "s_aanraden": "", "mark": "9",
        "what_helped": "De koffie", "do_differently": "", "website": "",
    })

    assert response.status_code == 302
    assert response["Location"] == reverse("outcomes:public_thanks", args=[link.token])
    assert "Bedankt" in text(client.get(response["Location"]))
    saved = SurveyResponse.objects.get()
    assert (saved.group, saved.channel, saved.moment, saved.date, saved.respondent_type, saved.mark) == (
        link.group, "link", "end", TODAY, "parent", 9,
    )
    assert answers_of(saved) == {"op_gemak": 5, "gezin_geleerd": 4}
    # No session, no login: nothing but the CSRF cookie.
    assert set(client.cookies) <= {"csrftoken"}
    event = AuditEvent.objects.get(event="survey_response.created")
    assert event.user is None and event.data == {"group": link.group_id, "channel": "link", "moment": "end",
                                                 "answers": 2, "link": link.pk}


def test_the_public_form_asks_no_personal_data(link):
    page = text(Client().get(public_url(link, respondent_type="resident")))

    names = set(re.findall(r'name="([^"]+)"', page)) - {"robots", "referrer", "viewport"}
    statements = {f"s_{s.code}" for s in Survey.current().statements.all() if s.applies_to("resident")}
    assert names == {"csrfmiddlewaretoken", "respondent_type", "mark", "what_helped", "do_differently", "website",
                     *statements}


def test_the_public_form_keeps_csrf_protection_that_works_without_a_session(link):
    client = Client(enforce_csrf_checks=True)
    assert client.post(public_url(link), {"respondent_type": "resident", "s_op_gemak": "4"}).status_code == 403

    page = text(client.get(public_url(link, respondent_type="resident")))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = client.post(public_url(link), {"csrfmiddlewaretoken": token, "respondent_type": "resident",
                                              "s_op_gemak": "4"})

    assert response.status_code == 302 and SurveyResponse.objects.count() == 1
    assert "sessionid" not in client.cookies


def test_a_filled_in_honeypot_is_thanked_but_not_stored(link):
    response = Client().post(public_url(link), {"respondent_type": "resident", "s_op_gemak": "4",
                                                "website": "http://spam.example"})

    assert response.status_code == 302
    assert not SurveyResponse.objects.exists() and not AuditEvent.objects.exists()


def test_too_many_responses_from_one_address_are_refused_and_the_answers_kept(link, settings):
    settings.SURVEY_RATE_LIMIT = 2
    client = Client()
    data = {"respondent_type": "resident", "s_op_gemak": "4", "what_helped": "Het samen eten"}
    assert [client.post(public_url(link), data).status_code for _ in range(2)] == [302, 302]

    refused = client.post(public_url(link), data)

    assert refused.status_code == 429
    page = text(refused)
    assert "Wacht een kwartier" in page and "Het samen eten" in page
    assert re.search(r'name="s_op_gemak" value="4" id="[^"]+" checked', page)
    assert SurveyResponse.objects.count() == 2
    # Another address is not held up by it.
    assert Client(REMOTE_ADDR="192.0.2.7").post(public_url(link), data).status_code == 302


def test_the_rate_limit_stores_no_address(link, settings):
    from django.core.cache import cache

    Client(REMOTE_ADDR="198.51.100.23").post(public_url(link), {"respondent_type": "resident", "s_op_gemak": "4"})

    keys = list(cache._cache)  # the test cache is a LocMemCache
    assert keys and not any("198.51.100.23" in key for key in keys)
    assert not AuditEvent.objects.filter(data__icontains="198.51.100.23").exists()
    response = SurveyResponse.objects.values()[0]
    assert "198.51.100.23" not in str(response)


def test_with_the_cache_down_a_response_is_still_stored(link, monkeypatch):
    from django.core.cache import cache
    from redis.exceptions import ConnectionError as RedisConnectionError

    def down(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(cache, "add", down)
    monkeypatch.setattr(cache, "incr", down)

    response = Client().post(public_url(link), {"respondent_type": "resident", "s_op_gemak": "4"})

    assert response.status_code == 302 and SurveyResponse.objects.count() == 1


@pytest.mark.parametrize(
    "fields, message",
    [
        ({}, "Je hebt nog niets ingevuld"),
        ({"s_op_gemak": "9"}, "Kies een van de antwoorden"),
        ({"s_op_gemak": "4", "mark": "99"}, "Kies een cijfer"),
        ({"s_op_gemak": "4", "what_helped": "x" * 2001}, "hoogstens 2000 tekens"),
        ({"s_op_gemak": "4", "do_differently": "nul\x00teken"}, "Null"),
    ],
)
def test_invalid_public_input_gives_a_message_and_stores_nothing(link, fields, message):
    response = Client().post(public_url(link), {"respondent_type": "resident", **fields})

    assert response.status_code == 200
    assert message.lower() in text(response).lower()
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_closed_or_unknown_link_gives_a_friendly_page(link, method):
    client = Client()
    data = {"respondent_type": "resident", "s_op_gemak": "4"}
    SurveyLink.objects.filter(pk=link.pk).update(open_until=TODAY - datetime.timedelta(days=1))

    expired = getattr(client, method)(public_url(link), data)
    unknown = getattr(client, method)(reverse("outcomes:public_survey", args=["bestaat-niet"]), data)
    odd = getattr(client, method)("/vragenlijst/%00%27%22%3Cscript%3E/", data)

    assert expired.status_code == 410 and "Deze vragenlijst is gesloten" in text(expired)
    assert unknown.status_code == 404 and "Deze vragenlijst is niet gevonden" in text(unknown)
    assert odd.status_code == 404
    assert not SurveyResponse.objects.exists()


def test_a_link_is_open_up_to_and_including_its_last_day(link):
    SurveyLink.objects.filter(pk=link.pk).update(open_until=TODAY)

    assert Client().get(public_url(link)).status_code == 200


# --- Ervaringen: the survey table ----------------------------------------------------------------------


def _respond(group, respondent_type, answers, *, mark=None, themes=()):
    survey = Survey.current()
    response = SurveyResponse.objects.create(survey=survey, group=group, date=TODAY, channel="paper",
                                             respondent_type=respondent_type, mark=mark)
    for code, value in answers.items():
        Answer.objects.create(response=response, statement=survey.statements.get(code=code), value=value)
    response.themes.set(ThemeTag.objects.filter(code__in=themes))


def test_the_survey_table_page_shows_percentages_and_hides_cells_under_five(group, client_for, coordinator):
    for value in (5, 4, 4, 2, 3):
        _respond(group, "resident", {"op_gemak": value}, mark=8, themes=["sociale_contacten"])
    _respond(group, "resident", {"aanraden": 5})
    for value in (5, 4):
        _respond(group, "youth", {"geleerd": value}, mark=6, themes=["sociale_contacten", "bewegen"])

    page = text(client_for(coordinator).get(reverse("outcomes:survey_table"), {"period": str(TODAY.year)}))

    resident = re.search(r'data-cell="op_gemak:resident:support">(.*?)</tr>', page, re.S)[1]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", resident)
    # Asked of 6 residents, answered by 5: 83.3%; 1 disagree, 1 neutral, 3 agree.
    assert cells[1:] == ["6", "5", "83,3%", "20,0%", "20,0%", "60,0%"]
    youth = re.search(r'data-cell="geleerd:youth:support">(.*?)</tr>', page, re.S)[1]
    assert "minder dan 5 antwoorden" in youth and "%" not in youth
    assert re.search(r"Inwoner</th><td>[^<]*</td>\s*<td class=\"text-end\">8,0", page)
    assert "Sociale contacten (7×)" in page and "Bewegen (2×)" in page
    assert "8 ingevulde vragenlijsten" in page


def test_the_survey_table_page_is_for_coordinators_of_their_own_municipality(
    group, client_for, worker, municipality_user, coordinator, other_municipality, team_b,
):
    url = reverse("outcomes:survey_table")
    assert client_for(worker).get(url).status_code == 403
    assert client_for(municipality_user).get(url).status_code == 403
    elsewhere = GroupFactory(team=team_b)
    for _ in range(5):
        _respond(elsewhere, "resident", {"op_gemak": 1})

    response = client_for(coordinator).get(url, {"municipality": other_municipality.pk, "period": str(TODAY.year)})

    assert response.status_code == 200
    assert "Kies een van je gemeenten" in text(response) and "data-cell" not in text(response)


def test_no_survey_page_shows_a_resident(group, link, client_for, worker, coordinator):
    client_for(worker).post(entry_url(group), paper_post(s_op_gemak="4"))
    Client().post(public_url(link), {"respondent_type": "resident", "s_op_gemak": "4"})
    staff = client_for(coordinator)
    pages = [
        staff.get(reverse("outcomes:group_survey", args=[group.pk])),
        staff.get(entry_url(group)),
        staff.get(entry_url(group, respondent_type="resident", moment="end", date=TODAY.isoformat())),
        staff.get(reverse("outcomes:link_print", args=[group.pk])),
        staff.get(reverse("outcomes:survey_table")),
        Client().get(public_url(link)),
        Client().get(public_url(link, respondent_type="resident")),
    ]
    for response in pages:
        assert response.status_code == 200
        assert not any(name in text(response) for name in RESIDENT)


# --- Garbage never gives a 500 ---------------------------------------------------------------------


GARBAGE = ["zzz'\"<script>alert(1)</script>\x00", "x" * 10_000, "-1", "99999999999999999999", "NaN",
           "2024-02-30", "99999-12-31", ""]


def test_no_field_of_the_survey_forms_answers_500_to_garbage(group, link, client_for, worker, settings):
    settings.SURVEY_RATE_LIMIT = 10_000  # the garbage must reach the form, not the limit
    staff = client_for(worker)
    public = Client()
    paper = paper_post("youth", s_op_gemak="4", mark="7", what_helped="Samen", themes=[ThemeTag.objects.first().pk])
    online = {"respondent_type": "youth", "s_op_gemak": "4", "mark": "7", "what_helped": "Samen", "website": ""}
    forms = [
        (staff, entry_url(group), paper),
        (public, public_url(link), online),
        (staff, reverse("outcomes:link_create", args=[group.pk]), {"moment": "end", "open_until": TODAY.isoformat()}),
        (staff, reverse("outcomes:link_close", args=[group.pk]), {"link": str(link.pk)}),
    ]
    for client, url, baseline in forms:
        for name in [*baseline, "s_geleerd", "step", "next"]:
            for value in GARBAGE:
                for send in (client.post, client.get):
                    response = send(url, {**baseline, name: value})
                    assert response.status_code < 500, (url, name, value[:20], response.status_code)


def test_the_survey_pages_query_count_does_not_grow_with_the_responses(group, link, client_for, coordinator,
                                                                       django_assert_max_num_queries):
    client = client_for(coordinator)
    pages = [reverse("outcomes:survey_table"), reverse("outcomes:group_survey", args=[group.pk])]
    counts = []
    for responses in (5, 40):
        while SurveyResponse.objects.count() < responses:
            _respond(group, "resident", {"op_gemak": 4, "aanraden": 5}, mark=7, themes=["bewegen"])
        with CaptureQueriesContext(connection) as queries:
            for url in pages:
                assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(25):
        client.get(pages[0])


def test_the_service_refuses_a_statement_not_asked_of_the_respondent_type_and_saves_nothing(group, worker):
    from django.core.exceptions import ValidationError

    from outcomes import services

    with pytest.raises(ValidationError):
        services.record_response(worker, survey=Survey.current(), group=group, date=TODAY, moment="end",
                                 channel="paper", respondent_type="resident",
                                 answers={statement("op_gemak"): 4, statement("gezin_geleerd"): 5})
    with pytest.raises(ValidationError):
        services.record_response(worker, survey=Survey.current(), group=group, date=TODAY, moment="end",
                                 channel="paper", respondent_type="resident", answers={statement("op_gemak"): 6})
    assert not SurveyResponse.objects.exists() and not Answer.objects.exists() and not AuditEvent.objects.exists()


def test_a_refusal_by_the_service_is_shown_on_the_form_not_a_500(group, link, client_for, worker, monkeypatch):
    from django.core.exceptions import ValidationError

    from outcomes import services

    def refuse(*args, **kwargs):
        raise ValidationError({"date": ["Deze datum kan niet."]})

    monkeypatch.setattr(services, "record_response", refuse)
    for response in (client_for(worker).post(entry_url(group), paper_post(s_op_gemak="4")),
                     Client().post(public_url(link), {"respondent_type": "resident", "s_op_gemak": "4"})):
        assert response.status_code == 200 and "Deze datum kan niet." in text(response)
