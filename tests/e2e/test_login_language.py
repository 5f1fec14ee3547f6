import pytest

from tests.conftest import login_in_browser


@pytest.mark.e2e
def test_social_worker_logs_in_sees_dutch_and_switches_to_english(page, live_server, worker):
    login_in_browser(page, live_server, worker.username)
    assert page.url.rstrip("/") == live_server.url
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.get_by_role("link", name="Deelnemers").first.is_visible()

    page.get_by_role("button", name="English").first.click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Participants").first.is_visible()
    assert page.get_by_role("button", name="Nederlands").first.is_visible()
