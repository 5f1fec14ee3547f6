"""Two-factor login: coordinators and administrators must use it, others may; codes work once."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from collectief import two_factor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("two_factor_on")]

DASHBOARD = "/rapportage/dashboard/"
SETUP = "/tweestaps/instellen/"
VERIFY = "/tweestaps/"


def code_for(device, drift=0):
    """The app's code now (drift 0) or for the next 30 seconds (drift 1: a code not used yet)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def set_up(client):
    """Go through the set-up page as the logged-in user; the recovery codes it shows."""
    client.get(SETUP)
    device = TOTPDevice.objects.get(user_id=client.session["_auth_user_id"], confirmed=False)
    response = client.post(SETUP, {"code": code_for(device)})
    assert response.status_code == 200
    return response.context["codes"]


def test_a_coordinator_cannot_reach_the_dashboard_before_setting_up_two_factor(client_for, coordinator):
    client = client_for(coordinator)
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2Frapportage%2Fdashboard%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["required"] is True
    assert 'src="data:image/svg+xml' in page.content.decode()  # the QR code, allowed by img-src data:


def test_a_coordinator_sets_up_the_app_sees_ten_recovery_codes_once_and_reaches_the_dashboard(
    client_for, coordinator
):
    client = client_for(coordinator)
    codes = set_up(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=coordinator).confirmed
    assert StaticToken.objects.filter(device__user=coordinator).count() == 10
    assert client.get(DASHBOARD).status_code == 200
    # Shown only once: the set-up page now says it is on and offers new codes, not these.
    status = client.get(SETUP).content.decode()
    assert not any(code in status for code in codes)


def test_after_setting_up_every_login_asks_for_a_code_before_any_page(client_for, client, coordinator):
    set_up(client_for(coordinator))
    client.logout()
    client = client_for(coordinator)
    for path in (DASHBOARD, "/", "/deelnemers/", "/wachtwoord/wijzigen/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(VERIFY + "?next="), path
    assert client.post(VERIFY + "?next=/deelnemers/", {"code": "000000"}).status_code == 200
    device = TOTPDevice.objects.get(user=coordinator)
    response = client.post(VERIFY + "?next=/deelnemers/", {"code": code_for(device, drift=1)})
    assert response.status_code == 302 and response["Location"] == "/deelnemers/"
    assert client.get(DASHBOARD).status_code == 200


def test_a_wrong_code_makes_the_next_try_wait(client_for, client, coordinator, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    set_up(client_for(coordinator))
    client.logout()
    client = client_for(coordinator)
    client.post(VERIFY, {"code": "000000"})
    device = TOTPDevice.objects.get(user=coordinator)
    # Even the right code is refused until the wait is over: six digits cannot be tried quickly.
    response = client.post(VERIFY, {"code": code_for(device, drift=1)})
    assert response.status_code == 200
    assert client.get(DASHBOARD).status_code == 302


def test_a_recovery_code_works_once(client_for, client, coordinator):
    codes = set_up(client_for(coordinator))
    client.logout()
    client = client_for(coordinator)
    response = client.post(VERIFY, {"code": codes[0].upper()})
    assert response.status_code == 302
    assert client.get(DASHBOARD).status_code == 200
    assert StaticToken.objects.filter(device__user=coordinator).count() == 9
    client.logout()
    client = client_for(coordinator)
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 200
    assert client.get(DASHBOARD).status_code == 302


def test_a_user_with_a_device_cannot_replace_it_without_a_code(client_for, client, coordinator):
    set_up(client_for(coordinator))
    client.logout()
    client = client_for(coordinator)
    response = client.get(SETUP + "?nieuw=1")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    response = client.post(SETUP, {"code": "123456"})
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=coordinator).count() == 1


def test_new_recovery_codes_replace_the_old_ones(client_for, coordinator):
    client = client_for(coordinator)
    old = set_up(client)
    response = client.post(reverse("two_factor:recovery_codes"))
    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.filter(device__user=coordinator).values_list("token", flat=True)) == set(new)


def test_an_administrator_must_set_it_up_too_and_then_opens_the_audit_log(client_for, administrator):
    client = client_for(administrator)
    assert client.get("/audit/")["Location"].startswith(SETUP)
    set_up(client)
    # Verified by the code just entered: collectief.access.two_factor_required lets them in.
    assert client.get("/audit/").status_code == 200


def test_a_social_worker_is_not_forced_but_may_set_it_up(client_for, client, worker):
    worker_client = client_for(worker)
    assert worker_client.get("/").status_code == 200
    page = worker_client.get(SETUP)
    assert page.status_code == 200 and not page.context["required"]
    set_up(worker_client)
    assert worker_client.get("/").status_code == 200
    client.logout()
    # Once set up, it is asked for at every login, like for a coordinator.
    assert client_for(worker).get("/")["Location"].startswith(VERIFY)


def test_logging_out_and_switching_language_work_before_the_code(client_for, coordinator):
    client = client_for(coordinator)
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")


def test_an_htmx_request_is_sent_to_the_whole_page(client_for, coordinator):
    response = client_for(coordinator).get("/deelnemers/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(SETUP)


def test_without_django_otps_middleware_nothing_is_asked(client_for, coordinator, settings):
    """The test settings: personas log in with force_login, without a second factor."""
    from collectief import settings_test

    settings.MIDDLEWARE = settings_test.MIDDLEWARE
    assert client_for(coordinator).get(DASHBOARD).status_code == 200


def test_codes_are_accepted_with_spaces_and_dashes():
    form = two_factor.CodeForm({"code": " 123 456 "})
    assert form.is_valid() and form.cleaned_data["code"] == "123456"
    form = two_factor.CodeForm({"code": "ABCD-EFGH"})
    assert form.is_valid() and form.cleaned_data["code"] == "abcdefgh"
