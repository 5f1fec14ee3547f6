"""Property-based: whatever a user types into a form or an import file, never a 500, nothing half-saved.

Hypothesis generates the values (any text, dates and numbers out of range, NUL bytes, other
teams' ids); each example checks that the answer is a page (200/400) or a redirect after a save,
and that a refused form left every table as it was.
"""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectief.models import AuditEvent
from groups.models import Attendance, Enrolment, Group, Session
from participants.models import ChangeWish, Consent, HelpRequest, IndividualSupport, Participant

TABLES = (Participant, Consent, ChangeWish, HelpRequest, IndividualSupport, Group, Enrolment, Session, Attendance,
          AuditEvent)
PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# What users (and attackers) type: anything, and the values that break naive parsers.
typed = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "0", "-1", "1e9", "99999999999999999999", "NaN", "2024-02-30", "31-02-2024",
                     "0202-01-01", "99999-12-31", "25:99", "\x00", "<script>", "'; DROP TABLE x;--", "x" * 5000]),
    st.integers(min_value=-10**12, max_value=10**12).map(str),
    st.dates(min_value=datetime.date(1, 1, 1)).map(lambda d: d.isoformat()),
)


def _counts():
    return {model.__name__: model.objects.count() for model in TABLES if model is not AuditEvent}


def _check(response, before, saved_statuses=(302,)):
    assert response.status_code < 500
    if response.status_code not in saved_statuses:
        assert _counts() == before, "a refused form changed the database"


@PROPERTY
@given(data=st.fixed_dictionaries({
    name: typed for name in ("first_name", "last_name", "birth_date", "postcode", "phone", "email",
                             "preferred_language", "neighbourhood", "team")
}))
def test_the_registration_form_never_fails_and_never_half_saves(data, client_for, worker, team_a):
    client = client_for(worker)
    before = _counts()
    response = client.post(reverse("participants:create"), {**data, "consent_registration": "on"})
    _check(response, before)


@PROPERTY
@given(data=st.fixed_dictionaries({
    name: typed for name in ("date", "start_time", "duration_minutes", "status", "head_count", "topic", "notes",
                             "walkin-first_name", "walkin-last_name", "walkin-birth_date", "walkin-postcode",
                             "walkin-match", "helped")
}), attendance=typed)
def test_the_roll_call_never_fails_and_never_half_saves(data, attendance, client_for, worker, group, members):
    client = client_for(worker)
    before = _counts()
    data[f"att-{members[0].pk}"] = attendance
    response = client.post(reverse("groups:session_create", args=[group.pk]), data)
    _check(response, before)


@PROPERTY
@given(data=st.fixed_dictionaries({
    name: typed for name in ("name", "kind", "theme", "framework", "team", "neighbourhood", "rhythm",
                             "usual_weekday", "usual_time", "usual_duration_minutes", "planned_sessions",
                             "capacity", "status", "start_date", "end_date", "handed_over_on", "facilitators")
}))
def test_the_group_form_never_fails_and_never_half_saves(data, client_for, worker, team_a):
    client = client_for(worker)
    before = _counts()
    _check(client.post(reverse("groups:create"), data), before)


@PROPERTY
@given(data=st.fixed_dictionaries({
    name: typed for name in ("participant", "role", "referral_source", "start_date", "confirm_capacity",
                             "consent_other_team")
}))
def test_enrolling_never_fails_and_never_half_saves(data, client_for, worker, group):
    client = client_for(worker)
    before = _counts()
    _check(client.post(reverse("groups:enrol", args=[group.pk]), data), before)


@PROPERTY
@given(section=st.sampled_from(["change_wish", "help_request", "individual_support"]),
       data=st.dictionaries(st.sampled_from(["text", "life_domain", "status", "start_date", "theme", "date", "route",
                                             "tenzij_reason", "closed_on", "product", "framework", "end_date"]),
                            typed))
def test_the_sections_of_a_resident_never_fail_and_never_half_save(section, data, client_for, worker, team_a):
    resident = Participant.objects.filter(team=team_a).first() or Participant.objects.create(
        team=team_a, first_name="Anna", last_name="de Boer", birth_date=datetime.date(1970, 1, 1))
    client = client_for(worker)
    before = _counts()
    posted = {f"{section}-{key}": value for key, value in data.items()}
    _check(client.post(reverse(f"participants:{section}_add", args=[resident.pk]), posted), before)


@PROPERTY
@given(rows=st.lists(st.lists(typed, min_size=8, max_size=8), min_size=1, max_size=4))
def test_the_import_never_fails_and_saves_nothing_when_a_row_is_bad(rows, db, tmp_path_factory):
    directory = tmp_path_factory.mktemp("import")
    header = "external_id,first_name,last_name,birth_date,postcode,neighbourhood,municipality,team"
    lines = [",".join('"' + cell.replace('"', '""') + '"' for cell in row) for row in rows]
    (directory / "participants.csv").write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8",
                                                errors="surrogatepass")
    before = _counts()
    try:
        call_command("import_registry", str(directory), "--dry-run")
    except CommandError:
        pass  # bad rows: a message naming file, line and column
    assert _counts() == before  # a dry run saves nothing, good rows or bad


@pytest.fixture
def group(team_a, worker):
    from tests.factories import GroupFactory

    group = GroupFactory(team=team_a, start_date=datetime.date(2024, 1, 1), usual_time=datetime.time(0, 0))
    group.facilitators.add(worker)
    return group


@pytest.fixture
def members(group):
    people = [Participant.objects.create(team=group.team, first_name=f"Lid{i}", last_name="Test",
                                         birth_date=datetime.date(1970, 1, 1 + i)) for i in range(3)]
    for person in people:
        Enrolment.objects.create(group=group, participant=person, start_date=datetime.date(2024, 1, 1))
    return people
