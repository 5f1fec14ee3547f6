"""Issue 8, WCAG 2.1 AA: axe-core in Chromium finds no violation on any page, for any persona.

axe-core comes from npm (a devDependency in package.json) and is read from node_modules and
injected into the page here: the site itself never serves it. Every page is checked in the states
a user meets: a validation error, a cancelled session, the duplicate and second-session questions,
a full group, a draft report, the error pages.
"""

import datetime
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.utils import timezone
from django.views.defaults import server_error

from collectief.models import Membership
from groups.models import Attendance, Contributor, Enrolment, Session
from reporting import services
from tests.conftest import login_in_browser
from tests.factories import (
    AttendanceFactory,
    ChangeWishFactory,
    ConsentFactory,
    GroupFactory,
    HelpRequestFactory,
    IndividualSupportFactory,
    MembershipFactory,
    ParticipantFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.e2e

AXE_SOURCE = Path(settings.BASE_DIR, "node_modules", "axe-core", "axe.min.js")
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
D = datetime.date
IMPORT_DATA = Path(__file__).parent.parent / "importer" / "data"


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page as it is now; the violations of WCAG 2.0/2.1 level A and AA."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_SOURCE.read_text(encoding="utf-8"))
    return page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
            .then(result => result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
            })))""",
        WCAG_AA,
    )


def duplicate_ids(page) -> list[str]:
    return page.evaluate(
        """() => { const seen = new Set(), twice = new Set();
                   for (const el of document.querySelectorAll("[id]")) {
                       (seen.has(el.id) ? twice : seen).add(el.id); }
                   return [...twice]; }"""
    )


def submit(page, button):
    """Click a submit button and wait for the page the server answers with."""
    with page.expect_navigation():
        (page.locator(button) if isinstance(button, str) else button).click()


class Audit:
    """Visit pages in one logged-in browser context and collect what axe reports on each."""

    def __init__(self, page, live_server, persona):
        self.page, self.base, self.persona = page, live_server.url, persona
        self.checked, self.failures = [], []

    def goto(self, path):
        self.page.goto(self.base + path)
        self.page.wait_for_load_state()
        return self.page

    def check(self, label, path=None, *, state=None):
        """Check the current page (or open ``path`` first) and remember what axe finds.

        ``state`` is a selector that shows the page is in the state meant (an error, a question).
        """
        if path is not None:
            self.goto(path)
        if state is not None:
            self.page.wait_for_selector(state)
        self.checked.append(label)
        where = f"{self.persona}: {label} ({self.page.url})"
        for violation in axe_violations(self.page):
            self.failures.append((where, violation))
        if duplicates := duplicate_ids(self.page):
            # WCAG 2.1 still has 4.1.1 Parsing; axe-core 4.x only checks the ids ARIA refers to.
            self.failures.append((where, {
                "id": "duplicate-id", "impact": "minor", "help": "ids must be unique",
                "nodes": [{"target": f"#{d}", "summary": "\nused more than once"} for d in duplicates],
            }))

    def report(self) -> str:
        lines = []
        for where, v in self.failures:
            lines.append(f"{where}\n  {v['id']} [{v['impact']}] {v['help']}")
            for node in v["nodes"][:5]:
                summary = " / ".join(node["summary"].splitlines()[1:3]).strip()
                lines.append(f"    {node['target']}: {summary}")
            if len(v["nodes"]) > 5:
                lines.append(f"    … and {len(v['nodes']) - 5} more")
        return "\n".join(lines)


# --- Data in the states the pages are checked in -----------------------------------------------


@pytest.fixture
def world(transactional_db, team_a, neighbourhood, worker, coordinator, municipality_user, administrator):
    """A running group with members, held and cancelled sessions, a begeleider; a resident with every section."""
    today = timezone.localdate()
    administrator.first_name = "Beheer"
    administrator.save(update_fields=["first_name"])
    MembershipFactory(user=administrator, team=team_a, role=Membership.Role.SOCIAL_WORKER)
    group = GroupFactory(
        name="Geld Telt", team=team_a, neighbourhood=neighbourhood, life_domains=["financien"],
        start_date=D(2024, 7, 1), usual_weekday=today.weekday(), usual_time=datetime.time(10, 0), capacity=4,
    )
    group.facilitators.add(worker, coordinator)
    helper = Contributor.objects.create(team=team_a, name="Hinke Vrijwilliger", active_from=D(2024, 1, 1))
    group.contributors.add(helper)
    people = [
        ParticipantFactory(team=team_a, neighbourhood=neighbourhood, first_name=first, last_name=last,
                           birth_date=D(1970 + i, 3, 1 + i))
        for i, (first, last) in enumerate([("Sjoukje", "de Vries"), ("Wiebren", "Hoekstra"), ("Anna", "Bosma"),
                                           ("Fatima", "El Amrani")])
    ]
    for person in people:
        Enrolment.objects.create(group=group, participant=person, start_date=D(2024, 7, 1))
    outside = ParticipantFactory(team=team_a, first_name="Klaas", last_name="Zoekbaar", birth_date=D(1961, 5, 4))
    # Sessions in 2024Q3 for the report, and recent ones for the start page and the matrix.
    days = [D(2024, 7, 2) + datetime.timedelta(weeks=w) for w in range(4)]
    days += [today - datetime.timedelta(weeks=3), today - datetime.timedelta(weeks=1)]
    for day in days:
        session = SessionFactory(group=group, date=day, start_time=datetime.time(10, 0))
        for i, person in enumerate(people):
            AttendanceFactory(session=session, participant=person,
                              status=Attendance.Status.ABSENT if i == 0 else Attendance.Status.PRESENT)
    cancelled = SessionFactory(group=group, date=today - datetime.timedelta(weeks=2),
                               start_time=datetime.time(10, 0), status=Session.Status.CANCELLED)
    held = group.sessions.filter(status=Session.Status.HELD).latest("date")
    GroupFactory(name="Koffieochtend", team=team_a, start_date=today - datetime.timedelta(weeks=6),
                 usual_weekday=(today.weekday() + 2) % 7).facilitators.add(worker)
    resident = people[1]
    ConsentFactory(participant=resident)
    wish = ChangeWishFactory(participant=resident)
    HelpRequestFactory(participant=resident)
    IndividualSupportFactory(participant=resident)
    return {
        "today": today, "group": group, "people": people, "outside": outside, "cancelled": cancelled,
        "held": held, "resident": resident, "wish": wish,
        "enrolment": group.enrolments.get(participant=people[3]),
    }


@pytest.fixture
def reports(world, coordinator, municipality, tmp_path, settings):
    """A rendered draft report of 2024Q3 and an approved one of 2024Q2, as tests/reporting does."""
    settings.MEDIA_ROOT = tmp_path / "media"
    draft = services.prepare_report(municipality, 2024, 3, coordinator)
    assert services.render_report_now(draft.pk)
    approved = services.prepare_report(municipality, 2024, 2, coordinator)
    assert services.render_report_now(approved.pk)
    approved.refresh_from_db()
    services.approve_report(approved, coordinator, approved.sha256)
    return {"draft": draft, "approved": approved}


@contextmanager
def browser_as(browser, live_server, username, **context):
    """A browser context of its own, logged in as ``username`` (or anonymous for None)."""
    ctx = browser.new_context(locale="nl-NL", **({"viewport": {"width": 1280, "height": 900}} | context))
    try:
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        if username:
            login_in_browser(page, live_server, username)
        yield page
    finally:
        ctx.close()


# --- The pages per persona ----------------------------------------------------------------------


def worker_pages(audit, world, reports):
    """Everything a social worker reaches: start, groups, roll call in all its states, residents."""
    g, today = world["group"].pk, world["today"]
    audit.check("start page with sessions to log", "/", state="#to-log li")
    audit.check("group list", "/collectieven/")
    audit.check("group list, filtered", "/collectieven/?q=geld")
    audit.check("group page with members, sessions and matrix", f"/collectieven/{g}/", state="#attendance-matrix")
    audit.check("new group", "/collectieven/nieuw/")
    page = audit.page
    page.locator("#id_name").fill("")
    submit(page, page.locator("main form button[type=submit]").last)
    audit.check("new group with validation errors", state=".is-invalid")
    audit.check("edit group", f"/collectieven/{g}/bewerken/")
    audit.check("new begeleider", f"/collectieven/{g}/begeleiders/nieuw/")
    audit.check("enrol, full group, search results", f"/collectieven/{g}/aanmelden/?q=zoekbaar",
                state="#capacity-full")
    submit(page, page.get_by_role("button", name="Aanmelden").first)
    audit.check("enrol, full group: on the waiting list", state=".alert-warning")
    audit.check("end an enrolment", f"/collectieven/{g}/aanmeldingen/{world['enrolment'].pk}/beeindigen/")

    # The roll call.
    audit.check("new session", f"/collectieven/{g}/bijeenkomsten/nieuw/")
    page.locator("#id_duration_minutes").fill("")
    submit(page, "#save-session")
    audit.check("new session with a validation error", state="#form-errors")
    audit.check("cancelled session", f"/collectieven/{g}/bijeenkomsten/{world['cancelled'].pk}/",
                state=".session-form.is-cancelled .cancelled-note")
    audit.check("held session", f"/collectieven/{g}/bijeenkomsten/{world['held'].pk}/")

    audit.goto(f"/collectieven/{g}/bijeenkomsten/nieuw/?date={(today - datetime.timedelta(days=1)).isoformat()}")
    page.locator(".walk-in summary").click()
    known = world["people"][2]
    page.locator("#id_walkin-first_name").fill(known.first_name)
    page.locator("#id_walkin-last_name").fill(known.last_name)
    page.locator("#id_walkin-birth_date").fill("1990-01-01")
    page.locator("#id_walkin-consent_registration").check()
    submit(page, "#save-session")
    page.wait_for_selector("#duplicate-check")
    audit.check("walk-in duplicate question")

    audit.goto(f"/collectieven/{g}/bijeenkomsten/nieuw/?date={world['held'].date.isoformat()}")
    page.locator("#id_start_time").fill("17:00")
    submit(page, "#save-session")
    page.wait_for_selector("#same-day-question")
    audit.check("second session on the same day question")

    # Residents.
    p, wish = world["resident"].pk, world["wish"].pk
    audit.check("participant list", "/deelnemers/")
    audit.check("participant list, searched", "/deelnemers/?q=hoekstra")
    audit.check("participant page", f"/deelnemers/{p}/")
    audit.check("edit participant", f"/deelnemers/{p}/wijzigen/")
    audit.check("new participant", "/deelnemers/nieuw/")
    known = world["people"][0]
    page.locator("#id_first_name").fill(known.first_name)
    page.locator("#id_last_name").fill(known.last_name)
    page.locator("#id_birth_date").fill(known.birth_date.isoformat())
    page.locator("#id_consent_registration").check()
    submit(page, page.locator("main form button[type=submit]").last)
    audit.check("new participant, duplicate warning", state="#duplicate-warning")
    audit.check("edit change wish", f"/deelnemers/{p}/veranderwens/{wish}/")
    audit.check("remove change wish", f"/deelnemers/{p}/veranderwens/{wish}/verwijderen/")
    help_request = world["resident"].help_requests.get().pk
    audit.check("edit help request", f"/deelnemers/{p}/ondersteuningsvraag/{help_request}/")
    support = world["resident"].individual_supports.get().pk
    audit.check("edit individual support", f"/deelnemers/{p}/individuele-ondersteuning/{support}/")
    audit.check("password change", "/wachtwoord/wijzigen/")
    submit(page, "main form button[type=submit]")
    audit.check("password change with errors", state=".is-invalid")
    audit.check("404 page", "/collectieven/999999/")
    audit.check("403 page", "/rapportage/dashboard/")


def coordinator_pages(audit, world, reports):
    audit.check("dashboard", "/rapportage/dashboard/")
    audit.check("dashboard of 2024Q3", "/rapportage/dashboard/?period=2024Q3")
    audit.check("reports list", "/rapportage/")
    audit.check("draft report", f"/rapportage/{reports['draft'].pk}/", state='[data-render-status="done"]')
    audit.check("approved report", f"/rapportage/{reports['approved'].pk}/")
    audit.check("start page", "/")
    audit.check("group page", f"/collectieven/{world['group'].pk}/")


def municipality_pages(audit, world, reports):
    audit.check("reports list", "/rapportage/")
    audit.check("approved report", f"/rapportage/{reports['approved'].pk}/")
    audit.check("403 page", "/collectieven/")
    audit.check("404 page", f"/rapportage/{reports['draft'].pk}/")


def administrator_pages(audit, world, reports):
    audit.check("start page", "/")
    audit.check("import upload", "/importeren/")
    page = audit.page
    submit(page, "main form button[type=submit]")
    audit.check("import upload without files", state=".is-invalid")
    for data, label in (("bad_attendance", "import preview with errors"), ("valid", "import preview")):
        audit.goto("/importeren/")
        page.locator("input[type=file]").set_input_files(sorted((IMPORT_DATA / data).glob("*.csv")))
        submit(page, "main form button[type=submit]")
        page.wait_for_selector("#import-summary")
        audit.check(label)
    audit.check("dashboard", "/rapportage/dashboard/?period=2024Q3")
    audit.check("reports list", "/rapportage/")


def anonymous_pages(audit, world, reports):
    audit.check("login", "/login/")
    page = audit.page
    page.fill("input[name=username]", "niemand")
    page.fill("input[name=password]", "fout")
    submit(page, "main button[type=submit]")
    audit.check("login with an error", state=".alert-danger")
    audit.check("password reset", "/wachtwoord/vergeten/")
    audit.check("password reset sent", "/wachtwoord/verstuurd/")
    audit.check("password reset link invalid", "/wachtwoord/nieuw/MQ/ongeldig-token/")
    audit.check("password reset complete", "/wachtwoord/klaar/")
    audit.goto("/login/")
    page.evaluate("document.querySelector('main input[name=csrfmiddlewaretoken]').value = 'x'.repeat(64)")
    page.fill("input[name=username]", "niemand")
    page.fill("input[name=password]", "fout")
    submit(page, "main button[type=submit]")
    audit.check("403 CSRF failure page", state="main h1 >> text=/formulier is verlopen|form has expired/i")
    # A 500 cannot be caused on purpose: serve what Django's handler renders at an address of the site.
    html = server_error(RequestFactory().get("/")).content.decode()
    page.route("**/fout/", lambda route: route.fulfill(status=500, body=html, content_type="text/html"))
    audit.check("500 page", "/fout/")


def no_team_pages(audit, world, reports):
    audit.check("no team yet", "/")


PERSONAS = {
    "worker": worker_pages,
    "coordinator": coordinator_pages,
    "municipality_user": municipality_pages,
    "administrator": administrator_pages,
    "anonymous": anonymous_pages,
    "user without a team": no_team_pages,
}


def test_every_page_passes_axe_for_every_persona(browser, live_server, world, reports, request):
    UserFactory(username="nieuw", first_name="Nieuwe")  # an account without a team
    usernames = {
        "anonymous": None, "user without a team": "nieuw",
        **{name: request.getfixturevalue(name).username for name in ("worker", "coordinator",
                                                                     "municipality_user", "administrator")},
    }
    audits = []
    for persona, visit in PERSONAS.items():
        # One browser context per persona: its pages are visited one after the other.
        with browser_as(browser, live_server, usernames[persona]) as page:
            audit = Audit(page, live_server, persona)
            visit(audit, world, reports)
            audits.append(audit)

    checked = sum(len(a.checked) for a in audits)
    assert checked >= 55
    report = "\n".join(a.report() for a in audits if a.failures)
    assert not report, f"axe-core found violations on {checked} pages checked:\n{report}"


def test_key_pages_pass_axe_on_a_phone(browser, live_server, world, worker):
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
             "device_scale_factor": 2}
    with browser_as(browser, live_server, worker.username, **phone) as page:
        audit = Audit(page, live_server, "worker on a phone")
        g = world["group"].pk
        audit.check("start page", "/")
        audit.check("new session", f"/collectieven/{g}/bijeenkomsten/nieuw/")
        audit.check("cancelled session", f"/collectieven/{g}/bijeenkomsten/{world['cancelled'].pk}/",
                    state=".session-form.is-cancelled .cancelled-note")
        audit.check("group page", f"/collectieven/{g}/")
        page.locator(".navbar-toggler").click()
        page.wait_for_selector("#mainnav.show")
        audit.check("open menu")
    assert not audit.failures, f"axe-core found violations:\n{audit.report()}"


FOCUS_STYLE = """el => { const s = getComputedStyle(el);
    return {outline: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor}; }"""


def tab_to(page, selector, limit=60):
    """Press Tab until the element with the focus matches ``selector``; return it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return page.locator(":focus")
    raise AssertionError(f"no {selector} within {limit} tabs")


def test_the_skip_link_comes_first_and_the_focus_is_always_visible(page, live_server, world, worker):
    login_in_browser(page, live_server, worker.username)
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert "skip-link" in focused.get_attribute("class") and focused.get_attribute("href") == "#main"
    assert page.locator("a.skip-link").bounding_box()["width"] > 50  # shown while it has the focus
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.locator("a.skip-link").bounding_box()["width"] <= 1  # and visually hidden again

    # A clear outline (3px, not Bootstrap's faint ring) on links and buttons, white on the blue bar.
    link = tab_to(page, "main a")
    assert link.evaluate(FOCUS_STYLE) == {"outline": "solid", "width": 3, "color": "rgb(5, 44, 101)"}
    page.goto(f"{live_server.url}/")
    menu = tab_to(page, ".navbar .nav-link")
    assert menu.evaluate(FOCUS_STYLE) == {"outline": "solid", "width": 3, "color": "rgb(255, 255, 255)"}

    # The roll call's toggles are hidden radios: their label shows the focus.
    page.goto(f"{live_server.url}/collectieven/{world['group'].pk}/bijeenkomsten/nieuw/")
    field = tab_to(page, "input.form-control")
    assert field.evaluate(FOCUS_STYLE)["width"] == 3
    radio = tab_to(page, ".attendance-toggle .btn-check")
    label = page.locator(f"label[for='{radio.get_attribute('id')}']")
    assert label.evaluate(FOCUS_STYLE) == {"outline": "solid", "width": 3, "color": "rgb(5, 44, 101)"}
