"""In Chromium (issue 12): a social worker records a Positive Health conversation at the start and
another at the end, and sees the spider web of both on the resident's page; axe-core finds nothing
on the pages involved (WCAG 2.1 AA, as tests/e2e/test_accessibility.py checks every page)."""

import datetime

import pytest
from django.utils import timezone

from participants.models import Measurement
from tests.conftest import login_in_browser
from tests.factories import ParticipantFactory

from .test_accessibility import Audit, browser_as, submit

pytestmark = pytest.mark.e2e

START = {"Lichaamsfuncties": 4, "Mentaal welbevinden": 3, "Zingeving": 6, "Kwaliteit van leven": 5,
         "Meedoen": 2, "Dagelijks functioneren": 7}
END = {"Lichaamsfuncties": 6, "Mentaal welbevinden": 7, "Zingeving": 6, "Kwaliteit van leven": 8,
       "Meedoen": 5, "Dagelijks functioneren": 9}


@pytest.fixture
def resident(transactional_db, team_a, worker):
    return ParticipantFactory(team=team_a, first_name="Sietske", last_name="Bergsma")


def record(page, moment: str, day: datetime.date, scores: dict, talk=(), filled_by="Samen"):
    """Fill in the form on the Positive Health page the way a worker does, and save it."""
    form = page.locator("#measurement-form")
    form.get_by_role("group", name="Moment").get_by_label(moment, exact=True).check()
    form.get_by_label("Datum").fill(day.isoformat())
    form.get_by_role("group", name="Ingevuld").get_by_label(filled_by, exact=True).check()
    for dimension, score in scores.items():
        group = form.get_by_role("group", name=dimension, exact=True)
        group.get_by_text(str(score), exact=True).click()  # the button-like label of the radio
        if dimension in talk:
            group.get_by_label("Hier wil ik over praten").check()
    submit(page, form.get_by_role("button", name="Gesprek opslaan"))


def test_a_worker_records_a_start_and_an_end_conversation_and_sees_the_spider_web(page, live_server, worker,
                                                                                   resident):
    today = timezone.localdate()
    login_in_browser(page, live_server, worker.username)
    page.goto(f"{live_server.url}/deelnemers/{resident.pk}/")
    section = page.locator("#positive-health")
    assert "Nog geen gesprek over Positieve Gezondheid vastgelegd" in section.inner_text()
    section.get_by_role("link", name="Gesprek vastleggen").click()
    page.get_by_role("heading", name="Positieve Gezondheid").first.wait_for()
    # A first conversation is the start.
    assert page.get_by_role("group", name="Moment").get_by_label("Start", exact=True).is_checked()

    record(page, "Start", today - datetime.timedelta(days=84), START, talk=("Meedoen",))
    assert "Het gesprek over Positieve Gezondheid is vastgelegd." in page.locator(".alert-success").inner_text()
    assert page.locator("#measurement-list tbody tr").count() == 1
    # One conversation: the spider web shows it alone.
    assert page.locator("#spider-web svg .ph-start").count() == 1
    assert page.locator("#spider-web svg .ph-latest").count() == 0

    record(page, "Eind", today, END, talk=("Mentaal welbevinden", "Meedoen"), filled_by="Door de inwoner")
    assert page.locator("#measurement-list tbody tr").count() == 2
    start, end = (Measurement.objects.get(participant=resident, moment=m) for m in ("start", "end"))
    assert (start.meedoen, start.talk_about, start.filled_by) == (2, ["meedoen"], "together")
    assert (end.dagelijks_functioneren, end.talk_about, end.filled_by) == (
        9, ["mentaal_welbevinden", "meedoen"], "resident")

    page.goto(f"{live_server.url}/deelnemers/{resident.pk}/")
    section = page.locator("#positive-health")
    assert "Het eigen beeld van de inwoner — een hulpmiddel voor het gesprek, geen score" in section.inner_text()
    chart = section.get_by_role("img", name="Positieve Gezondheid: het eigen beeld van de inwoner")
    assert chart.is_visible()
    assert chart.locator(".ph-start").count() == 1 and chart.locator(".ph-latest").count() == 1
    assert sorted(chart.locator(".ph-talk").evaluate_all("els => els.map(e => e.dataset.dimension)")) == [
        "meedoen", "mentaal_welbevinden"]
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 250  # drawn, not collapsed
    meedoen = section.locator('tr[data-dimension="meedoen"]')
    assert meedoen.locator("td").all_inner_texts()[:2] == ["2", "5"]
    assert "Ja" in meedoen.inner_text()


def test_the_positive_health_pages_have_no_axe_violations(browser, live_server, worker, resident):
    today = timezone.localdate()
    values = dict.fromkeys(Measurement.DIMENSIONS, 5)
    start = Measurement.objects.create(participant=resident, date=today - datetime.timedelta(days=70),
                                       moment="start", filled_by="together", talk_about=["zingeving"],
                                       **{**values, "meedoen": 2})
    Measurement.objects.create(participant=resident, date=today, moment="end", filled_by="resident",
                               talk_about=["lichaamsfuncties", "kwaliteit_van_leven"], **{**values, "meedoen": 8})
    base = f"/deelnemers/{resident.pk}"
    for viewport in ({"width": 1280, "height": 900}, {"width": 390, "height": 844}):
        with browser_as(browser, live_server, worker.username, viewport=viewport) as page:
            audit = Audit(page, live_server, f"worker {viewport['width']}px")
            audit.check("resident's page with the spider web", f"{base}/", state="#positive-health svg")
            audit.check("Positive Health page", f"{base}/positieve-gezondheid/", state="#measurement-form")
            # Nothing wider than the screen: the chart scales, the table scrolls in its own box.
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            page.locator("#measurement-form").get_by_label("Datum").fill("")
            submit(page, page.get_by_role("button", name="Gesprek opslaan"))
            audit.check("the form with its errors", state="#measurement-errors")
            assert "Kies een getal van 0 tot en met 10 voor “Zingeving”." in page.inner_text("#measurement-form")
            audit.check("correcting a conversation", f"{base}/positieve-gezondheid/{start.pk}/",
                        state="#measurement-form")
            audit.check("deleting a conversation", f"{base}/positieve-gezondheid/{start.pk}/verwijderen/")
            assert not audit.failures, audit.report()
    assert Measurement.objects.filter(participant=resident).count() == 2


def test_the_internal_aggregate_page_has_no_axe_violations(browser, live_server, coordinator, team_a):
    today = timezone.localdate()
    with browser_as(browser, live_server, coordinator.username) as page:
        audit = Audit(page, live_server, "coordinator")
        audit.check("paired change, too few", "/ervaringen/positieve-gezondheid/", state="#health-too-few")
        for i in range(5):
            resident = ParticipantFactory(team=team_a)
            for moment, day, score in (("start", today - datetime.timedelta(days=60), 4), ("end", today, 6 + i % 2)):
                Measurement.objects.create(participant=resident, date=day, moment=moment, filled_by="together",
                                           **dict.fromkeys(Measurement.DIMENSIONS, score))
        audit.check("paired change, shown", "/ervaringen/positieve-gezondheid/?period=custom"
                    f"&start={today.replace(month=1, day=1).isoformat()}&end={today.isoformat()}",
                    state="#health-change")
        assert "+2,4" in page.locator('#health-change tr[data-dimension="meedoen"]').inner_text()
        audit.check("Ervaringen links to it", "/ervaringen/", state="#health-change-link")
    assert not audit.failures, audit.report()
