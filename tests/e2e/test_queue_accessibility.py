"""WCAG 2.1 AA for the team queue and the weighing page: axe-core in Chromium finds no violation,
also with filters in use, with validation errors shown, and for a closed request."""

import datetime

import pytest
from django.utils import timezone

from participants import services
from participants.models import HelpRequest
from tests.factories import HelpRequestFactory, IndividualSupportFactory, NeighbourhoodFactory, ParticipantFactory

from .test_accessibility import Audit, browser_as, submit

pytestmark = pytest.mark.e2e


@pytest.fixture
def queue_world(transactional_db, team_a, neighbourhood, worker, municipality):
    today = timezone.localdate()
    other = NeighbourhoodFactory(municipality=municipality, name="Camminghaburen")
    people = [
        ParticipantFactory(team=team_a, first_name=first, last_name=last, neighbourhood=wijk, preferred_language=lang,
                           birth_date=datetime.date(1960 + 10 * i, 5, 1))
        for i, (first, last, wijk, lang) in enumerate([
            ("Sjoukje", "de Vries", neighbourhood, "nl"), ("Fatima", "El Amrani", other, "ar"),
            ("Wiebren", "Hoekstra", None, "nl"),
        ])
    ]
    weighed = services.route_help_request(worker, HelpRequest(
        participant=people[0], theme="Schulden", life_domain_id="financien", date=today - datetime.timedelta(days=40),
        preferred_days=[0, 2], preferred_dayparts=["morning"],
    ))
    services.weigh_request(worker, weighed, route="individual", tenzij_reason="language", why="Eerst de taal")
    IndividualSupportFactory(participant=people[0])
    HelpRequestFactory(participant=people[1], date=today - datetime.timedelta(days=3), route="collective")
    closed = HelpRequestFactory(participant=people[2], date=today - datetime.timedelta(days=10))
    services.close_request(worker, closed, reason="solved")
    return {"weighed": weighed, "closed": closed}


def test_queue_and_weighing_pages_have_no_axe_violations(browser, live_server, queue_world, worker):
    weighed, closed = queue_world["weighed"], queue_world["closed"]
    with browser_as(browser, live_server, worker.username) as page:
        audit = Audit(page, live_server, "worker")
        audit.check("queue", "/ondersteuningsvragen/", state="#queue")
        audit.check("queue, filtered", "/ondersteuningsvragen/?route=individual&weeks=4", state="#queue")
        audit.check("queue, filters not understood", "/ondersteuningsvragen/?route=zzz", state=".alert-warning")
        audit.check("queue, closed", "/ondersteuningsvragen/?status=closed", state="#queue")
        audit.check("weighing page", f"/ondersteuningsvragen/{weighed.pk}/", state="#route-steps")
        page.locator("#weigh-form input[value=individual]").check()
        page.locator("#weigh-form select[name=tenzij_reason]").select_option("")
        submit(page, "#weigh-form button[type=submit]")
        audit.check("weighing page with an error", state="#weigh-form .is-invalid")
        submit(page, "#close-form button[type=submit]")
        audit.check("closing without a reason", state="#close-form .is-invalid")
        audit.check("closed request", f"/ondersteuningsvragen/{closed.pk}/", state="#reopen-form")
        audit.check("resident page with help requests", f"/deelnemers/{weighed.participant_id}/")
    assert len(audit.checked) == 9
    assert not audit.failures, audit.report()
