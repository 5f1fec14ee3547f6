"""In Chromium, on a phone, without an account: fill in the experience survey through its link (issue 12).

Also WCAG 2.1 AA for the public pages (axe-core, as tests/e2e/test_accessibility.py does): both steps,
a validation error, the thank-you page and a closed link; and for the staff's paper entry and QR page.
"""

import datetime

import pytest
from django.utils import timezone

from outcomes.models import Survey, SurveyLink, SurveyResponse
from tests.factories import GroupFactory

from .test_accessibility import Audit, browser_as, submit

pytestmark = pytest.mark.e2e


@pytest.fixture
def survey_link(transactional_db, team_a, worker):
    group = GroupFactory(team=team_a, name="Ouder-kindcafé Vrijheidswijk", kind_id="support",
                         start_date=datetime.date(2024, 1, 1))
    group.facilitators.set([worker])
    return SurveyLink.objects.create(group=group, survey=Survey.current(), moment="follow_up",
                                     open_until=timezone.localdate() + datetime.timedelta(days=28))


def statement_group(page, code):
    """The fieldset of one statement, found by its legend as a screen reader would."""
    text = Survey.current().statements.get(code=code).text
    return page.get_by_role("group", name=text)


def test_a_parent_fills_in_the_survey_on_a_phone_without_an_account(phone_page, live_server, survey_link):
    page = phone_page
    page.goto(f"{live_server.url}/vragenlijst/{survey_link.token}/")
    assert "/login/" not in page.url
    page.get_by_role("heading", name="Hoe was de groep voor jou?").wait_for()
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_label("Ik ben ouder of verzorger van iemand in de groep").check()
    submit(page, page.get_by_role("button", name="Volgende"))

    assert page.get_by_role("group", name="Ik heb in de groep dingen geleerd waar ik wat aan heb").count() == 0
    statement_group(page, "op_gemak").get_by_label("Helemaal mee eens").check()
    statement_group(page, "gezin_geleerd").get_by_label("Mee eens", exact=True).check()
    statement_group(page, "wachttijd").get_by_label("Niet mee eens", exact=True).check()
    page.get_by_label("Welk rapportcijfer geef je de groep?").select_option("8")
    page.get_by_label("Wat hielp jou in de groep?").fill("Andere ouders die hetzelfde meemaken")
    submit(page, page.get_by_role("button", name="Versturen"))

    page.get_by_role("heading", name="Bedankt!").wait_for()
    response = SurveyResponse.objects.get()
    assert (response.group, response.channel, response.moment, response.respondent_type, response.mark) == (
        survey_link.group, "link", "follow_up", "parent", 8,
    )
    assert dict(response.answers.values_list("statement__code", "value")) == {
        "op_gemak": 5, "gezin_geleerd": 4, "wachttijd": 2,
    }
    assert response.what_helped == "Andere ouders die hetzelfde meemaken"
    assert not [c for c in page.context.cookies() if c["name"] == "sessionid"]


def test_the_public_survey_pages_have_no_axe_violations(browser, live_server, survey_link):
    base = f"/vragenlijst/{survey_link.token}/"
    with browser_as(browser, live_server, None, viewport={"width": 390, "height": 844}, is_mobile=True) as page:
        audit = Audit(page, live_server, "anonymous")
        audit.check("step 1", base, state="#public-start")
        submit(page, page.get_by_role("button", name="Volgende"))
        audit.check("step 1 without a choice", state="#start-errors")
        audit.check("step 2", f"{base}?respondent_type=youth", state="#public-form")
        submit(page, page.get_by_role("button", name="Versturen"))
        audit.check("step 2 with nothing filled in", state="#form-errors")
        page.get_by_role("group", name=Survey.current().statements.get(code="geleerd").text).get_by_label(
            "Mee eens", exact=True).check()
        submit(page, page.get_by_role("button", name="Versturen"))
        audit.check("thank-you page", state="#thanks")
        SurveyLink.objects.filter(pk=survey_link.pk).update(closed_at=timezone.now())
        audit.check("closed link", base)
        audit.check("unknown link", "/vragenlijst/bestaat-niet/")
    assert len(audit.checked) == 7
    assert not audit.failures, audit.report()


def test_paper_entry_the_qr_page_and_the_table_have_no_axe_violations(browser, live_server, survey_link, worker,
                                                                     coordinator):
    group = survey_link.group
    with browser_as(browser, live_server, worker.username) as page:
        audit = Audit(page, live_server, "worker")
        audit.check("group's survey page", f"/collectieven/{group.pk}/vragenlijst/", state="#link-list")
        audit.check("paper entry, step 1", f"/collectieven/{group.pk}/vragenlijst/invoeren/", state="#entry-start")
        page.get_by_label("Jongere").check()
        submit(page, page.get_by_role("button", name="Verder: de stellingen"))
        audit.check("paper entry, step 2", state="#entry-form")
        submit(page, page.get_by_role("button", name="Opslaan en volgende"))
        audit.check("paper entry, nothing filled in", state="#entry-errors")
        audit.check("QR code to print", f"/collectieven/{group.pk}/vragenlijst/qr-code/", state="svg[role=img]")
        audit.check("new link", f"/collectieven/{group.pk}/vragenlijst/link/", state="#link-form")
    with browser_as(browser, live_server, coordinator.username) as page:
        table = Audit(page, live_server, "coordinator")
        table.check("Ervaringen", "/ervaringen/", state="#response-count")
    assert not audit.failures + table.failures, audit.report() + table.report()
