"""The yearly section "Ervaringen en waarde" of the fourth-quarter report (issue 12): the survey table
with small cells hidden, the story tags with counts and the chosen stories; never Positive Health or
change wishes; frozen at approval, re-read by a new version."""

import csv
import datetime
import io
import json
import re

import pytest
from django.urls import reverse

from groups.models import Enrolment
from outcomes.models import Answer, Story, Survey, SurveyResponse, ThemeTag
from participants.models import Consent, Measurement
from reporting import services
from reporting.csv_export import render_csv
from reporting.models import QuarterlyReport
from tests.factories import ChangeWishFactory, EnrolmentFactory, GroupFactory, ParticipantFactory

from .conftest import pdf_text, read_pdf

D = datetime.date
SURNAME = "Hoekstraburg"
INTERNAL = "Kookgroep Oranjewoud"
SMALL_INTERNAL = "Kleine Kring Zuiderburen"
ANNA = "Ik durf weer te koken voor anderen."
KEES = "Op dinsdag heb ik nu een vaste plek."
RIA = "In de kleine kring voelde ik me thuis."
NOVEMBER = D(2024, 11, 5)
OCTOBER = D(2024, 10, 1)


def _respond(group, respondent_type, answers: dict, date=NOVEMBER):
    survey = Survey.current()
    response = SurveyResponse.objects.create(survey=survey, group=group, date=date, channel="paper",
                                             respondent_type=respondent_type)
    statements = {s.code: s for s in survey.statements.all()}
    Answer.objects.bulk_create(Answer(response=response, statement=statements[code], value=value)
                               for code, value in answers.items() if value is not None)


def _story(group, name, text, tags, participant=None, chosen=None, day=OCTOBER):
    story = Story.objects.create(group=group, display_name=name, text=text, date=day, participant=participant,
                                 chosen_for_year=chosen)
    story.tags.set(ThemeTag.objects.filter(code__in=tags))
    return story


def _consent(participant, given, day):
    Consent.objects.create(participant=participant, purpose=Consent.Purpose.QUOTE_REPORT, given=given, date=day)


@pytest.fixture
def year_data(municipality, team_a):
    """A support group of 6 residents and a small group of 4, with survey answers and stories in 2024."""
    kook = GroupFactory(name=INTERNAL, kind_id="support", team=team_a, life_domains=["financien"])
    small = GroupFactory(name=SMALL_INTERNAL, kind_id="support", team=team_a, public_name="Kring Zuid")
    residents = [ParticipantFactory(team=team_a, first_name=f"Geeske{i}", last_name=SURNAME) for i in range(6)]
    for resident in residents:
        EnrolmentFactory(group=kook, participant=resident)
    for i in range(4):
        EnrolmentFactory(group=small, participant=ParticipantFactory(team=team_a, first_name=f"Jitske{i}",
                                                                      last_name=SURNAME))
    # Six residents: "op gemak" answered by five (3 agree, 1 neutral, 1 disagree), left open by one.
    for value in (5, 4, 4, 3, 1, None):
        _respond(kook, "resident", {"op_gemak": value})
    # Two young people: too few to show.
    for value in (5, 2):
        _respond(kook, "youth", {"op_gemak": value})
    anna = residents[0]
    _consent(anna, True, D(2024, 9, 1))
    stories = {
        "anna": _story(kook, "Anna", ANNA, ["sociale_contacten", "bewegen"], participant=anna, chosen=2024),
        "kees": _story(kook, "Kees", KEES, ["sociale_contacten"], chosen=2024),
        # Chosen by mistake directly in the database: a group of 4 is never offered all the same.
        "ria": _story(small, "Ria", RIA, ["grenzen", "sociale_contacten"], chosen=2024),
    }
    for i in range(4):
        _story(kook, f"Naam{i}", "Gezellig samen.", ["sociale_contacten"])
    return {"group": kook, "small": small, "residents": residents, "anna": anna, "stories": stories}


def _render(municipality, quarter, user):
    report = services.prepare_report(municipality, 2024, quarter, user)
    assert services.render_report_now(report.pk)
    report.refresh_from_db()
    assert report.render_status == QuarterlyReport.RenderStatus.DONE, report.error
    return report


def _csv_rows(report) -> list[list[str]]:
    return list(csv.reader(io.StringIO(render_csv(report).decode("utf-8-sig")), delimiter=";"))


def _cell(section, key):
    found = [cell for cell in section["survey"] if cell["key"] == key]
    assert len(found) == 1, key
    return found[0]


def test_a_fourth_quarter_report_holds_the_yearly_section(year_data, municipality, coordinator):
    report = _render(municipality, 4, coordinator)
    section = report.figures["experiences"]

    assert (section["year"], section["start"], section["end"]) == (2024, "2024-01-01", "2024-12-31")
    shown = _cell(section, "op_gemak.resident.support")
    assert (shown["asked"], shown["answered"], shown["response_rate"]) == (6, 5, 83.3)
    assert (shown["disagree"], shown["neutral"], shown["agree"]) == (20.0, 20.0, 60.0)
    assert shown["respondent_type_label"] == "Inwoner" and shown["text"] == "Ik voelde me op mijn gemak in de groep"
    hidden = _cell(section, "op_gemak.youth.support")
    assert (hidden["asked"], hidden["answered"], hidden["hidden"]) == ("<5", "<5", True)
    assert (hidden["response_rate"], hidden["disagree"], hidden["neutral"], hidden["agree"]) == (None,) * 4
    # Six stories say "sociale contacten"; "bewegen" only one: shown as <5, like a count of persons.
    assert section["story_tags"] == [
        {"code": "sociale_contacten", "tag": "Sociale contacten", "stories": 6},
        {"code": "bewegen", "tag": "Bewegen", "stories": "<5"},
    ]
    assert [(s["display_name"], s["text"]) for s in section["stories"]] == [("Anna", ANNA), ("Kees", KEES)]
    group_names = {s["group"] for s in section["stories"]}
    assert len(group_names) == 1 and re.fullmatch(r"Collectief \d+ \(Financiën\)", group_names.pop())

    pdf = pdf_text(read_pdf(report))
    assert "Ervaringen en waarde 2024" in pdf and ANNA in pdf and KEES in pdf
    assert "Sociale contacten (6×)" in pdf and "Bewegen (<5×)" in pdf
    assert "83,3%" in pdf and "60,0%" in pdf

    rows = {(row[0], row[1]): row[3] for row in _csv_rows(report)}
    assert rows[("experiences", "year")] == "2024"
    assert rows[("experiences_survey", "op_gemak.resident.support.answered")] == "5"
    assert rows[("experiences_survey", "op_gemak.resident.support.agree")] == "60.0%"
    assert rows[("experiences_survey", "op_gemak.youth.support.answered")] == "<5"
    assert rows[("experiences_survey", "op_gemak.youth.support.agree")] == ""
    assert rows[("experiences_story_tag", "sociale_contacten")] == "6"
    assert rows[("experiences_story_tag", "bewegen")] == "<5"
    assert (rows[("experiences_story", "1.name")], rows[("experiences_story", "1.text")]) == ("Anna", ANNA)
    assert rows[("experiences_story", "2.tags")] == "Sociale contacten"

    everything = json.dumps(report.figures, ensure_ascii=False) + pdf + render_csv(report).decode("utf-8-sig")
    for secret in (INTERNAL, SMALL_INTERNAL, SURNAME, "Geeske0"):
        assert secret not in everything


def test_nothing_from_a_group_under_five_residents_is_in_the_report(year_data, municipality, coordinator):
    report = _render(municipality, 4, coordinator)
    section = report.figures["experiences"]

    assert "Ria" not in [s["display_name"] for s in section["stories"]]
    assert "grenzen" not in [t["code"] for t in section["story_tags"]]
    everything = json.dumps(report.figures, ensure_ascii=False) + pdf_text(read_pdf(report))
    everything += render_csv(report).decode("utf-8-sig")
    assert RIA not in everything and "Grenzen aangeven" not in everything and "Kring Zuid" not in everything


def test_a_third_quarter_report_has_no_yearly_section(year_data, municipality, coordinator):
    report = _render(municipality, 3, coordinator)

    assert "experiences" not in report.figures
    assert "Ervaringen en waarde" not in pdf_text(read_pdf(report))
    assert not [row for row in _csv_rows(report) if row[0].startswith("experiences")]


def test_withdrawn_consent_leaves_the_story_out_of_a_new_version_and_the_approved_one_unchanged(
    year_data, municipality, coordinator
):
    first = _render(municipality, 4, coordinator)
    services.approve_report(first, coordinator, first.sha256)
    first.refresh_from_db()
    frozen = json.dumps(first.figures, sort_keys=True)

    _consent(year_data["anna"], False, D(2025, 1, 10))
    second = _render(municipality, 4, coordinator)

    assert second.version == 2
    section = second.figures["experiences"]
    assert [s["display_name"] for s in section["stories"]] == ["Kees"]
    assert ANNA not in pdf_text(read_pdf(second)) and ANNA not in render_csv(second).decode("utf-8-sig")
    # 6 → 5 stories: shown as "x", or a reader of both versions would learn that one was taken out.
    assert section["story_tags"] == [{"code": "sociale_contacten", "tag": "Sociale contacten", "stories": "x"}]
    first.refresh_from_db()
    assert json.dumps(first.figures, sort_keys=True) == frozen
    assert [s["display_name"] for s in first.figures["experiences"]["stories"]] == ["Anna", "Kees"]


def test_a_chosen_story_that_names_a_resident_is_left_out(year_data, municipality, coordinator):
    kees = year_data["stories"]["kees"]
    resident = year_data["residents"][3]
    Story.objects.filter(pk=kees.pk).update(text=f"{KEES} Met {resident.full_name}.")

    report = _render(municipality, 4, coordinator)

    assert [s["display_name"] for s in report.figures["experiences"]["stories"]] == ["Anna"]


def test_positive_health_and_change_wishes_never_enter_the_report(year_data, municipality, coordinator):
    before = _render(municipality, 4, coordinator)
    figures_before = before.figures
    for i, resident in enumerate(year_data["residents"]):
        for moment, score in (("start", 2), ("end", 9)):
            Measurement.objects.create(
                participant=resident, date=D(2024, 3 + 6 * (moment == "end"), 1), moment=moment, filled_by="resident",
                lichaamsfuncties=score, mentaal_welbevinden=score, zingeving=score, kwaliteit_van_leven=score,
                meedoen=score, dagelijks_functioneren=score, talk_about=["zingeving"],
            )
        wish = ChangeWishFactory(participant=resident, text=f"Wens Xylofoonklank {i}", status="achieved")
        Enrolment.objects.filter(participant=resident).first().change_wishes.add(wish)

    after = services.build_figures(before)

    # Exactly the same figures: nothing about measurements or wishes goes out, not even a count.
    assert after == figures_before
    pdf = pdf_text(read_pdf(before))
    text = json.dumps(after, ensure_ascii=False) + pdf + render_csv(before).decode("utf-8-sig")
    for word in ("Xylofoonklank", "Positieve Gezondheid", "Positive Health", "veranderwens", "change_wish",
                 "Lichaamsfuncties", "Kwaliteit van leven", "measurement"):
        assert word not in text


def test_the_municipality_reads_the_section_of_the_approved_report(year_data, municipality, coordinator,
                                                                    municipality_user, client_for):
    report = _render(municipality, 4, coordinator)
    services.approve_report(report, coordinator, report.sha256)

    page = client_for(municipality_user).get(reverse("reporting:report", args=[report.pk])).content.decode()

    assert "Ervaringen en waarde 2024" in page
    assert ANNA in page and KEES in page and "Sociale contacten (6×)" in page and "Bewegen (&lt;5×)" in page
    assert 'data-cell="op_gemak.youth.support"' in page
    for secret in (INTERNAL, SURNAME, RIA):
        assert secret not in page


@pytest.mark.e2e
def test_the_report_page_with_the_yearly_section_has_no_axe_violations(transactional_db, browser, live_server,
                                                                        year_data, municipality, coordinator,
                                                                        municipality_user):
    from tests.e2e.test_accessibility import Audit, browser_as

    report = _render(municipality, 4, coordinator)
    services.approve_report(report, coordinator, report.sha256)
    with browser_as(browser, live_server, municipality_user.username) as page:
        audit = Audit(page, live_server, "municipality_user")
        audit.check("approved Q4 report with Ervaringen en waarde", reverse("reporting:report", args=[report.pk]),
                    state="#experiences-survey")
        assert "Kees" in page.locator("#experiences").inner_text()
    assert not audit.failures, audit.report()
