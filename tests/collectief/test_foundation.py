import json

import pytest
from django.core.exceptions import PermissionDenied
from django.db import ProgrammingError, connection, transaction
from django.urls import reverse

from collectief.models import AuditEvent, EndReason, Framework, GroupKind, LifeDomain, log_event


def test_healthz_answers_ok_when_database_and_redis_are_up(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"database": "ok", "redis": "ok"}


def test_healthz_answers_503_when_redis_is_unreachable(client, db, settings):
    # Nothing listens on port 1: a real connection attempt that fails.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["database"] == "ok"
    assert body["redis"].startswith("error")


PUBLIC_PATHS = ["/login/", "/healthz", "/wachtwoord/vergeten/", "/sw.js"]  # /sw.js: issue 15, no personal data
# The rest of the password-reset flow is public too (it starts from an email link).
PASSWORD_RESET_PATHS = ["/wachtwoord/verstuurd/", "/wachtwoord/klaar/"]


def _all_page_paths():
    """Every URL pattern of the project without parameters, plus samples with ids."""
    from django.urls import get_resolver

    paths = set()

    def walk(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, route)
            elif "<" not in route and "(?P" not in route and "^" not in route:
                paths.add("/" + route)
            elif "<int:pk>" in route or "<int:" in route:
                import re

                paths.add("/" + re.sub(r"<int:\w+>", "1", route))

    walk(get_resolver().url_patterns)
    return sorted(p for p in paths if not p.startswith("/beheer/"))


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login_from_every_page(client):
    paths = _all_page_paths()
    assert len(paths) >= 3
    for path in paths:
        # /aanbod/: the public group finder residents open without an account (issue 13).
        if path in PUBLIC_PATHS + PASSWORD_RESET_PATHS or path.startswith(("/i18n/", "/aanbod/")):
            continue
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("login")), path


@pytest.mark.django_db
def test_admin_also_requires_login(client):
    response = client.get("/beheer/")
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_login_and_healthz_are_public(client, path):
    assert client.get(path).status_code == 200


@pytest.mark.django_db
def test_login_page_is_dutch_by_default(client):
    response = client.get("/login/")
    assert 'lang="nl"' in response.content.decode()
    assert "Inloggen" in response.content.decode()


@pytest.mark.django_db
def test_password_reset_sends_a_dutch_mail(client, worker, mailoutbox):
    response = client.post("/wachtwoord/vergeten/", {"email": worker.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "wachtwoord" in mailoutbox[0].subject.lower()
    assert "/wachtwoord/nieuw/" in mailoutbox[0].body


# The code lists of DESIGN.md ("Code lists"), copied here on purpose: a seed that drifts from the
# design in either direction (a code missing or one too many) fails.
DESIGNED_CODES = {
    GroupKind: {"support", "meet", "youth"},
    Framework: {"wmo", "jeugdwet", "wgs"},
    LifeDomain: {
        "financien", "wonen", "werk_dagbesteding", "sociaal_netwerk", "opvoeding", "relaties",
        "lichamelijke_gezondheid", "mentale_gezondheid", "zingeving", "participatie", "dagelijks_functioneren",
        "verslaving", "justitie",
    },
    EndReason: {
        "completed_no_further_support", "to_individual_support", "to_other_group", "next_series", "self_running",
        "dropped_out", "moved", "other",
    },
}


@pytest.mark.django_db
@pytest.mark.parametrize("model", DESIGNED_CODES, ids=lambda model: model.__name__)
def test_code_lists_hold_exactly_the_designed_codes(model):
    # On a fresh test database the seeded codes are exactly the designed ones (administrators may
    # add more later, but the seed itself adds none and misses none).
    assert set(model.objects.values_list("code", flat=True)) == DESIGNED_CODES[model]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("run", ["first", "after a flush"])
def test_transactional_tests_see_the_seeded_code_lists(run):
    # Each transactional test ends with a flush of every table; the second run only sees the
    # code lists because serialized_rollback (tests/conftest.py) restores them before each test.
    for model, codes in DESIGNED_CODES.items():
        assert set(model.objects.values_list("code", flat=True)) == codes, run


@pytest.mark.django_db
def test_only_group_based_support_counts_for_the_kpi():
    assert set(GroupKind.objects.filter(counts_for_kpi=True).values_list("code", flat=True)) == {"support"}


@pytest.mark.django_db
def test_audit_events_cannot_be_changed_or_deleted(worker):
    event = log_event(worker, "participant.viewed", object_type="participants.participant", object_id=1)
    assert event.action == AuditEvent.Action.VIEW
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(ProgrammingError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM collectief_auditevent")
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db
def test_navigation_fits_the_role(client_for, worker, coordinator, municipality_user):
    body = client_for(worker).get("/").content.decode()
    assert reverse("participants:list") in body
    assert reverse("reporting:dashboard") not in body
    body = client_for(coordinator).get("/").content.decode()
    assert reverse("reporting:dashboard") in body
    response = client_for(municipality_user).get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:reports")
