"""In Chromium with the Content-Security-Policy enforced: no page needs an inline script or style.

A listener installed before any page script (``add_init_script``, which the policy does not
apply to) records every ``securitypolicyviolation`` event; htmx must keep working.
"""

import datetime
from contextlib import contextmanager

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from groups.models import Enrolment
from tests.conftest import login_in_browser
from tests.factories import GroupFactory, ParticipantFactory, SessionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("csp_on")]

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(
    `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} in ${e.sourceFile}:${e.lineNumber} ${e.sample}`));
"""
# Inline code in the DOM: a <script> without src (other than JSON data), an on…= handler, a javascript:
# URL, a <style> element. (Style attributes are not listed: Bootstrap sets some through the CSSOM,
# which the policy allows; one written in the HTML shows up as a violation above.)
INLINE = """() => [
    ...[...document.scripts].filter(s => !s.src && s.type !== "application/json")
        .map(s => "script: " + s.text.slice(0, 60)),
    ...[...document.querySelectorAll("*")].flatMap(el => [...el.attributes]
        .filter(a => a.name.startsWith("on") || /^\\s*javascript:/i.test(a.value))
        .map(a => el.tagName + " " + a.name)),
    ...[...document.querySelectorAll("style")].map(el => "style element"),
]"""


@pytest.fixture
def group(transactional_db, team_a, neighbourhood, worker):
    today = timezone.localdate()
    group = GroupFactory(name="Geld Telt", team=team_a, neighbourhood=neighbourhood,
                         start_date=today - datetime.timedelta(weeks=8), usual_weekday=today.weekday())
    group.facilitators.add(worker)
    for first, last in [("Sjoukje", "de Vries"), ("Wiebren", "Hoekstra")]:
        person = ParticipantFactory(team=team_a, neighbourhood=neighbourhood, first_name=first, last_name=last)
        Enrolment.objects.create(group=group, participant=person, start_date=group.start_date)
    ParticipantFactory(team=team_a, first_name="Klaas", last_name="Zoekbaar")
    SessionFactory(group=group, date=today - datetime.timedelta(weeks=1), start_time=datetime.time(10, 0))
    return group


@contextmanager
def browser_as(browser, live_server, username):
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    context.add_init_script(LISTEN)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        login_in_browser(page, live_server, username)
        yield page
    finally:
        context.close()


def problems(page) -> list[str]:
    """Violations so far on the page, and inline code in its DOM."""
    return [f"{page.url}: {p}" for p in page.evaluate("window.__csp") + page.evaluate(INLINE)]


def visit(page, live_server, paths) -> list[str]:
    found = []
    for path in paths:
        page.goto(live_server.url + path)
        page.wait_for_load_state()
        found += problems(page)
    return found


def test_the_social_workers_pages_need_no_inline_script_or_style_and_htmx_works(browser, live_server, worker, group):
    with browser_as(browser, live_server, worker.username) as page:
        assert "script-src 'self'" in page.goto(live_server.url + "/").headers["content-security-policy"]
        person = group.enrolments.first().participant
        found = visit(page, live_server, [
            "/", "/collectieven/", f"/collectieven/{group.pk}/", f"/collectieven/{group.pk}/bijeenkomsten/nieuw/",
            f"/collectieven/{group.pk}/bewerken/", "/deelnemers/", f"/deelnemers/{person.pk}/", "/deelnemers/nieuw/",
            "/wachtwoord/wijzigen/", "/bestaat-niet/",
        ])
        # htmx under the policy: the enrol search swaps in results as the worker types.
        page.goto(f"{live_server.url}/collectieven/{group.pk}/aanmelden/")
        page.fill("#participant-search", "Zoekbaar")
        expect(page.locator("#search-results")).to_contain_text("Zoekbaar")
        # The participant list's live search as well.
        page.goto(f"{live_server.url}/deelnemers/")
        page.fill("input[name=q]", "Hoekstra")
        expect(page.locator("#participant-results")).not_to_contain_text("de Vries")
        expect(page.locator("#participant-results")).to_contain_text("Hoekstra")
        found += problems(page)
    assert found == []


def test_the_login_page_and_the_administrators_pages_need_no_inline_script(browser, live_server, administrator):
    context = browser.new_context(locale="nl-NL")
    context.add_init_script(LISTEN)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        found = problems(page)
        login_in_browser(page, live_server, administrator.username)
        found += visit(page, live_server, ["/beheer/", "/beheer/participants/participant/", "/audit/",
                                           "/rapportage/", "/importeren/"])
    finally:
        context.close()
    assert found == []


def test_the_dashboard_needs_no_inline_style(browser, live_server, coordinator, group):
    with browser_as(browser, live_server, coordinator.username) as page:
        found = visit(page, live_server, ["/rapportage/dashboard/"])
        assert page.locator("svg.chart").count() >= 1
    assert found == []
