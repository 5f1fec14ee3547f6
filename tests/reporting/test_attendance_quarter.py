"""The quarter summary of the attendance (reporting_attendance_quarter) stays equal to a recount
from the marks after every kind of write, whoever writes; and the KPI set read from it equals the
KPI set read from the marks (docs/performance.md "The quarter summary")."""

import datetime
import random
import threading
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from groups.models import Attendance, Group, Session
from reporting import kpi, quarter_summary
from reporting.kpi import compute_kpis
from reporting.models import AttendanceQuarter, SessionQuarter
from reporting.periods import date_range, month, quarter, year
from tests.factories import (
    GroupFactory,
    IndividualSupportFactory,
    NeighbourhoodFactory,
    ParticipantFactory,
    SessionFactory,
)

D = datetime.date
P, A, E = Attendance.Status.PRESENT, Attendance.Status.ABSENT, Attendance.Status.EXCUSED
HELD, CANCELLED = Session.Status.HELD, Session.Status.CANCELLED


def rows() -> dict:
    """The summary as {(group, quarter, resident): (present, recorded)}."""
    return {
        (r.group_id, r.quarter, r.participant_id): (r.present, r.recorded)
        for r in AttendanceQuarter.objects.all()
    }


def sessions() -> dict:
    """The session table as {(group, quarter): (held, walk_ins)}."""
    return {(r.group_id, r.quarter): (r.held, r.walk_ins) for r in SessionQuarter.objects.all()}


def exact():
    found = quarter_summary.differences()
    assert found == [], found


@pytest.fixture
def people(team_a):
    return [ParticipantFactory(first_name=f"Inwoner{i}", team=team_a) for i in range(4)]


@pytest.mark.django_db
def test_every_kind_of_write_keeps_the_summary_equal_to_a_recount(team_a, people):
    anna, bram, cees, dirk = people
    group = GroupFactory(team=team_a, kind_id="support")
    other = GroupFactory(team=team_a, kind_id="support")
    q3, q4 = D(2024, 7, 1), D(2024, 10, 1)

    # The roll call: marks written in bulk (INSERT ... ON CONFLICT DO UPDATE), then corrected.
    first = SessionFactory(group=group, date=D(2024, 9, 2), status=HELD, head_count=2)
    first.mark_attendance({anna.pk: P, bram.pk: A, cees.pk: E}, new_session=True)
    second = SessionFactory(group=group, date=D(2024, 9, 9), status=HELD)
    second.mark_attendance({anna.pk: P, bram.pk: P}, new_session=True)
    SessionFactory(group=group, date=D(2024, 9, 16), status=CANCELLED)  # counts for nothing
    assert sessions() == {(group.pk, q3): (2, 2)}
    assert rows() == {(group.pk, q3, anna.pk): (2, 2), (group.pk, q3, bram.pk): (1, 2), (group.pk, q3, cees.pk): (0, 1)}
    second.mark_attendance({anna.pk: A, dirk.pk: P})  # bram's mark removed, anna corrected, dirk added
    assert rows() == {(group.pk, q3, anna.pk): (1, 2), (group.pk, q3, bram.pk): (0, 1), (group.pk, q3, cees.pk): (0, 1),
                      (group.pk, q3, dirk.pk): (1, 1)}
    exact()

    # A session moved to the next quarter, cancelled, held again, moved to another group.
    Session.objects.filter(pk=second.pk).update(date=D(2024, 10, 7), head_count=3)
    assert rows()[(group.pk, q4, dirk.pk)] == (1, 1) and (group.pk, q3, dirk.pk) not in rows()
    assert sessions() == {(group.pk, q3): (1, 2), (group.pk, q4): (1, 3)}
    exact()
    Session.objects.filter(pk=second.pk).update(status=CANCELLED)
    assert (group.pk, q4, dirk.pk) not in rows()
    exact()
    Session.objects.filter(pk=second.pk).update(status=HELD, group=other)
    assert rows()[(other.pk, q4, dirk.pk)] == (1, 1)
    assert sessions() == {(group.pk, q3): (1, 2), (other.pk, q4): (1, 3)}
    Session.objects.filter(pk=second.pk).update(head_count=1)
    assert sessions()[(other.pk, q4)] == (1, 1)
    exact()
    Session.objects.filter(pk=second.pk).update(topic="Andere titel")  # nothing the figures read
    exact()

    # The hand-over: sessions on or after the date stop counting, and count again when it is cleared.
    Group.objects.filter(pk=group.pk).update(handed_over_on=D(2024, 9, 2))
    assert not [key for key in rows() if key[0] == group.pk]
    assert (group.pk, q3) not in sessions()
    exact()
    Group.objects.filter(pk=group.pk).update(handed_over_on=D(2024, 9, 3))
    assert rows()[(group.pk, q3, anna.pk)] == (1, 1)
    Group.objects.filter(pk=group.pk).update(handed_over_on=None)
    exact()

    # Marks changed, moved to another resident and removed.
    Attendance.objects.filter(session=first, participant=cees).update(status=P)
    assert rows()[(group.pk, q3, cees.pk)] == (1, 1)
    Attendance.objects.filter(session=first, participant=bram).update(participant=dirk)
    exact()
    Attendance.objects.filter(participant=anna).delete()
    assert not [key for key in rows() if key[2] == anna.pk]
    exact()

    # A session deleted with its marks (Django deletes the marks first), and one deleted before
    # its marks in raw SQL (the deferred foreign key allows it within a transaction).
    third = SessionFactory(group=group, date=D(2024, 8, 5), status=HELD)
    third.mark_attendance({cees.pk: P}, new_session=True)
    first.delete()
    exact()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM groups_session WHERE id = %s", [third.pk])
        cursor.execute("DELETE FROM groups_attendance WHERE session_id = %s", [third.pk])
    assert not [key for key in rows() if key[0] == group.pk]
    exact()

    # A group deleted with everything in it.
    other.delete()
    assert rows() == {}
    assert sessions() == {}
    exact()


@pytest.mark.django_db
def test_the_check_command_finds_a_difference_and_the_rebuild_repairs_it(team_a, people):
    group = GroupFactory(team=team_a, kind_id="support")
    SessionFactory(group=group, date=D(2024, 5, 6), status=HELD).mark_attendance(
        {people[0].pk: P, people[1].pk: A}, new_session=True)
    call_command("attendance_quarter", "--check")
    with connection.cursor() as cursor:  # damage by hand, as a bad restore would
        cursor.execute("UPDATE reporting_attendance_quarter SET present = 7 WHERE participant_id = %s", [people[1].pk])
    with pytest.raises(CommandError, match="differs"):
        call_command("attendance_quarter", "--check")
    call_command("attendance_quarter", "--rebuild")
    exact()
    assert rows()[(group.pk, D(2024, 4, 1), people[1].pk)] == (0, 1)


@pytest.mark.django_db
def test_the_application_role_writes_marks_but_not_the_summary(team_a, people):
    """The triggers are SECURITY DEFINER: the app's role needs no write grant on the summary."""
    group = GroupFactory(team=team_a, kind_id="support")
    session = SessionFactory(group=group, date=D(2024, 5, 6), status=HELD)
    role = f"collectief_app_test_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON groups_attendance TO {role}")
        cursor.execute(f"GRANT SELECT ON groups_session, groups_group, reporting_attendance_quarter TO {role}")
        cursor.execute(f"GRANT USAGE ON SEQUENCE {Attendance._meta.db_table}_id_seq TO {role}")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with transaction.atomic():
            cursor.execute(f"SET LOCAL ROLE {role}")
            cursor.execute("INSERT INTO groups_attendance (session_id, participant_id, status) "
                           "VALUES (%s, %s, 'present')", [session.pk, people[0].pk])
            with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
                cursor.execute("UPDATE reporting_attendance_quarter SET present = 9")
            cursor.execute("RESET ROLE")
    assert rows() == {(group.pk, D(2024, 4, 1), people[0].pk): (1, 1)}


@pytest.mark.django_db(transaction=True)
def test_concurrent_roll_calls_of_the_same_residents_add_up(team_a, people):
    """Two roll calls of one group in one quarter saved at the same moment, each in its own
    transaction: both land on the same summary rows, and neither is lost."""
    group = GroupFactory(team=team_a, kind_id="support")
    sessions = [SessionFactory(group=group, date=D(2024, 5, day), status=HELD) for day in (6, 13, 20, 27)]
    statuses = {person.pk: P for person in people}
    barrier = threading.Barrier(len(sessions))
    errors = []

    def save(session):
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                session.mark_attendance(statuses, new_session=True)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(session,)) for session in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert rows() == {(group.pk, D(2024, 4, 1), person.pk): (4, 4) for person in people}
    exact()


@pytest.mark.django_db
def test_figures_of_whole_quarters_equal_the_figures_from_the_marks(municipality, team_a, monkeypatch):
    """Random registration over two years: the KPI set of every quarter and year, read from the
    summary, equals the one read from every mark (as for a month or a date range)."""
    rng = random.Random(14)
    hoods = [NeighbourhoodFactory(municipality=municipality, name=f"Wijk {i}") for i in range(3)]
    people = [ParticipantFactory(first_name=f"R{i}", team=team_a, neighbourhood=rng.choice(hoods + [None]))
              for i in range(30)]
    for person in people[:8]:
        IndividualSupportFactory(participant=person, start_date=D(2024, rng.randint(1, 12), 1), end_date=None)
    groups = [
        GroupFactory(team=team_a, kind_id=kind, start_date=D(2023, 12, 1), life_domains=domains,
                     handed_over_on=handover)
        for kind, domains, handover in [
            ("support", ["financien"], None), ("support", ["financien", "sociaal_netwerk"], D(2024, 8, 14)),
            ("meet", ["sociaal_netwerk"], None), ("support", [], D(2025, 2, 1)),
        ]
    ]
    for group in groups:
        day = D(2024, 1, 3)
        while day < D(2025, 12, 31):
            members = rng.sample(people, 8)
            session = SessionFactory(group=group, date=day, status=rng.choice([HELD] * 5 + [CANCELLED]),
                                     head_count=rng.randint(0, 3))
            session.mark_attendance({p.pk: rng.choice([P, P, P, A, E]) for p in members}, new_session=True)
            day += datetime.timedelta(days=rng.randint(10, 40))
    exact()

    periods = [quarter(y, q) for y in (2024, 2025) for q in (1, 2, 3, 4)] + [year(2024), year(2025)]
    assert all(kpi.whole_quarters(p.start, p.end) for p in periods)
    not_whole = (month(2024, 4), date_range(D(2024, 4, 1), D(2024, 6, 29)), date_range(D(2024, 4, 2), D(2024, 6, 30)))
    assert not any(kpi.whole_quarters(p.start, p.end) for p in not_whole)
    from_summary = [compute_kpis(municipality, p) for p in periods]
    trend_from_summary = kpi.trend(municipality, periods)
    assert sum(f["residents_collective"] for f in from_summary) > 0
    assert [t["residents_collective"] for t in trend_from_summary] == [f["residents_collective"] for f in from_summary]
    # More life domains than a bigint holds as bits: the per-domain figures are joined instead.
    monkeypatch.setattr(kpi, "MAX_DOMAIN_BITS", 1)
    assert [compute_kpis(municipality, p) for p in periods] == from_summary
    monkeypatch.setattr(kpi, "whole_quarters", lambda start, end: False)
    from_marks = [compute_kpis(municipality, p) for p in periods]
    assert from_summary == from_marks
    assert kpi.trend(municipality, periods) == trend_from_summary
