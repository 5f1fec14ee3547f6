"""Security headers on pages, downloads and the login page; no-store for everything a logged-in user sees."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("csp_on")]


def _directives(response) -> dict:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def _assert_security_headers(response):
    directives = _directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_login_page_has_the_security_headers(client):
    response = client.get("/login/")
    assert response.status_code == 200
    _assert_security_headers(response)


def test_a_page_for_a_logged_in_user_is_never_stored(client_for, worker):
    response = client_for(worker).get("/deelnemers/?q=Jansen")
    assert response.status_code == 200
    _assert_security_headers(response)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_download_is_never_stored(client_for, administrator):
    response = client_for(administrator).get("/audit/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    _assert_security_headers(response)
    assert "no-store" in response["Cache-Control"]


def test_an_htmx_fragment_is_never_stored(client_for, worker):
    response = client_for(worker).get("/deelnemers/?q=Jansen", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_test_settings_report_the_same_policy_instead_of_enforcing_it(client, settings):
    from collectief import settings_test

    settings.CONTENT_SECURITY_POLICY = settings_test.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings_test.CONTENT_SECURITY_POLICY_REPORT_ONLY
    response = client.get("/login/")
    assert "Content-Security-Policy" not in response
    assert "script-src 'self'" in response["Content-Security-Policy-Report-Only"]


def test_the_error_page_back_link_needs_no_inline_script(client_for, worker):
    html = client_for(worker).get("/deelnemers/999999/").content.decode()
    assert "javascript:" not in html
    assert "data-history-back hidden" in html
