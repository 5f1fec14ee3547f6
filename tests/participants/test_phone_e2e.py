"""On a phone (390 px): find a resident, register a new one, add a change wish."""

import pytest

from participants.models import Participant
from tests.conftest import login_in_browser


@pytest.mark.e2e
def test_worker_registers_a_resident_and_adds_a_change_wish_on_a_phone(
    phone_page, live_server, worker, participant
):
    page = login_in_browser(phone_page, live_server, worker.username)
    page.goto(f"{live_server.url}/deelnemers/")
    page.fill("input[name=q]", "fatima")
    page.wait_for_selector("#participant-results >> text=El Amrani, Fatima")

    page.get_by_role("link", name="Nieuwe deelnemer").click()
    page.fill("input[name=first_name]", "Anouk")
    page.fill("input[name=last_name]", "de Vries")
    page.fill("input[name=birth_date]", "1975-03-14")
    page.fill("input[name=postcode]", "8921 AB")
    page.check("input[name=consent_registration]")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Anouk de Vries").is_visible()
    # Nothing sticks out sideways on a narrow screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_text("Veranderwens toevoegen").click()
    page.fill("textarea[name=change_wish-text]", "Ik wil weer onder de mensen komen.")
    page.select_option("select[name=change_wish-life_domain]", "sociaal_netwerk")
    page.locator("#change-wishes").get_by_role("button", name="Toevoegen").click()
    page.wait_for_load_state()
    assert page.get_by_text("Ik wil weer onder de mensen komen.").is_visible()
    anouk = Participant.objects.get(last_name="de Vries")
    assert anouk.change_wishes.count() == 1
