"""Issue 13 in Chromium on a phone: a resident finds a walking group near them in the public group
finder, without an account, and signs up; a social worker then sees the sign-up on the group's
waiting list. And WCAG 2.1 AA (axe-core) on the public pages and the staff's list of sign-ups."""

import datetime

import pytest

from offers.models import Offer, Signup
from tests.conftest import login_in_browser
from tests.factories import GroupFactory, NeighbourhoodFactory

from .test_accessibility import Audit, browser_as, submit

pytestmark = pytest.mark.e2e
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def groups(transactional_db, municipality, neighbourhood, team_a, worker):
    """Two walking groups in different wijken and a course for the whole town, all public."""
    made = {}
    for name, wijk, time, domains in (
        ("Wandelgroep Bilgaard", neighbourhood, datetime.time(10, 0), ["lichamelijke_gezondheid"]),
        ("Wandelgroep Heechterp", NeighbourhoodFactory(municipality=municipality, name="Heechterp"),
         datetime.time(19, 0), ["lichamelijke_gezondheid"]),
        ("Geld Telt", None, datetime.time(14, 0), ["financien"]),
    ):
        group = GroupFactory(team=team_a, name=name, neighbourhood=wijk, usual_weekday=1, usual_time=time,
                             life_domains=domains)
        group.facilitators.add(worker)
        Offer.objects.filter(group=group).update(
            is_public=True, cost="Gratis", description="We wandelen samen een uur. Daarna drinken we koffie.",
            accessibility="Rustig tempo, ook met een rollator.",
        )
        made[name] = group
    return made


def test_a_resident_finds_a_walking_group_near_them_signs_up_and_the_social_worker_sees_it(
    phone_page, browser, live_server, municipality, groups, worker
):
    page = phone_page
    page.goto(f"{live_server.url}/aanbod/")
    assert "/login/" not in page.url
    page.get_by_role("link", name="Leeuwarden").click()
    page.get_by_role("heading", name="Groepen in Leeuwarden").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling

    # Near them: the wijk Bilgaard; what it is about, in plain words.
    page.get_by_label("Wijk").select_option(label="Bilgaard")
    page.get_by_label("Waar gaat het over?").select_option(label="Bewegen en gezond blijven")
    submit(page, page.get_by_role("button", name="Groepen tonen"))
    results = page.locator("#offers")
    assert page.get_by_role("heading", name="1 groep gevonden").is_visible()
    assert "Wandelgroep Bilgaard" in results.inner_text() and "Heechterp" not in results.inner_text()

    page.get_by_role("link", name="Wandelgroep Bilgaard").click()
    page.get_by_role("heading", name="Wandelgroep Bilgaard").wait_for()
    assert "Op dinsdag om 10:00" in page.locator("#offer-facts").inner_text()
    page.get_by_role("link", name="Aanmelden").first.click()

    page.get_by_label("Je voornaam").fill("Fenna")
    page.get_by_label("Je telefoonnummer").fill("06 12345678")
    page.get_by_label("Bericht (hoeft niet)").fill("Liefst na 14 uur bellen")
    # Without consent nothing is sent.
    submit(page, page.get_by_role("button", name="Versturen"))
    assert "Zet een vinkje" in page.locator("#signup-form").inner_text()
    assert page.get_by_label("Je voornaam").input_value() == "Fenna"
    assert not Signup.objects.exists()
    page.get_by_label("Ik vind het goed dat").check()
    submit(page, page.get_by_role("button", name="Versturen"))
    page.get_by_role("heading", name="Bedankt!").wait_for()
    assert not [c for c in page.context.cookies() if c["name"] == "sessionid"]
    signup = Signup.objects.get()
    assert (signup.group, signup.first_name) == (groups["Wandelgroep Bilgaard"], "Fenna")

    # The social worker, at their desk.
    with browser_as(browser, live_server, None) as desk:
        login_in_browser(desk, live_server, worker.username)
        desk.goto(f"{live_server.url}/collectieven/{groups['Wandelgroep Bilgaard'].pk}/")
        waiting = desk.locator("#wachtlijst")
        assert "Aanmeldingen via de groepenzoeker" in waiting.inner_text()
        row = waiting.locator(".signup-row", has_text="Fenna")
        assert "06 12345678" in row.inner_text() and "Liefst na 14 uur bellen" in row.inner_text()
        submit(desk, row.get_by_role("button", name="Teruggebeld"))
        assert "Fenna staat op teruggebeld." in desk.locator(".alert-success").inner_text()
        assert "teruggebeld" in desk.locator(".signup-row", has_text="Fenna").inner_text()
    signup.refresh_from_db()
    assert signup.status == "contacted"


def test_the_group_finder_has_no_axe_violations(browser, live_server, municipality, groups, worker):
    bilgaard = groups["Wandelgroep Bilgaard"]
    offer = Offer.objects.get(group=bilgaard)
    base = f"/aanbod/{municipality.pk}/"
    with browser_as(browser, live_server, None, **PHONE) as page:
        audit = Audit(page, live_server, "resident")
        audit.check("municipalities", "/aanbod/", state="#municipalities")
        audit.check("offers of a municipality", base, state="#finder-filters")
        audit.check("offers, filtered to nothing", f"{base}?dagdeel=evening&thema=financien")
        audit.check("one offer", f"{base}{offer.pk}/", state="#offer-facts")
        audit.check("sign-up form", f"{base}{offer.pk}/aanmelden/", state="#signup-form")
        submit(page, page.get_by_role("button", name="Versturen"))
        audit.check("sign-up form with mistakes", state="#signup-errors")
        page.get_by_label("Je voornaam").fill("Fenna")
        page.get_by_label("Je e-mailadres").fill("fenna@example.org")
        page.get_by_label("Ik vind het goed dat").check()
        submit(page, page.get_by_role("button", name="Versturen"))
        audit.check("thank-you page", state="#thanks")
        audit.check("an offer that cannot be found", f"{base}999999/")
    with browser_as(browser, live_server, worker.username) as page:
        staff = Audit(page, live_server, "worker")
        staff.check("waiting list with a sign-up", f"/collectieven/{bilgaard.pk}/", state="#signups")
    assert len(audit.checked) == 8
    assert not audit.failures + staff.failures, audit.report() + staff.report()
