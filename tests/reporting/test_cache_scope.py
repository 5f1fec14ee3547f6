"""A save invalidates only the cached figures of the municipality and quarters it touches (issue 14),
and the figures are never older than the data (reporting/cache.py, docs/performance.md).

The writes run their bumps after commit as in production (``django_capture_on_commit_callbacks``);
a figure counts as recomputed when ``kpi.compute_kpis`` (or ``kpi.trend``) ran for it.
"""

import datetime

import pytest

from collectief.signals import registration_changed
from groups.models import Attendance
from reporting import cache as kpi_cache
from reporting import kpi
from reporting.periods import last_quarters, quarter
from tests.factories import AttendanceFactory, GroupFactory, ParticipantFactory, SessionFactory

pytestmark = pytest.mark.django_db

D = datetime.date
Q1, Q2, Q3 = quarter(2024, 1), quarter(2024, 2), quarter(2024, 3)


@pytest.fixture
def computed(monkeypatch):
    """The (municipality id, period label) of every KPI set and trend period computed afresh."""
    calls = []
    compute_kpis, trend = kpi.compute_kpis, kpi.trend

    def counting_kpis(municipality, period, **kwargs):
        calls.append((getattr(municipality, "pk", municipality), period.label))
        return compute_kpis(municipality, period, **kwargs)

    def counting_trend(municipality, periods):
        calls.extend((getattr(municipality, "pk", municipality), p.label) for p in periods)
        return trend(municipality, periods)

    monkeypatch.setattr(kpi, "compute_kpis", counting_kpis)
    monkeypatch.setattr(kpi, "trend", counting_trend)
    return calls


@pytest.fixture
def two_places(report_data, team_b):
    """Leeuwarden (report_data: 2024Q3) plus a session in 2024Q1 and Heerenveen with one in 2024Q3."""
    group_a = report_data.groups[1]  # Wandelclub, running since 2023
    early = SessionFactory(group=group_a, date=D(2024, 2, 6))
    for person in report_data.people[:2]:
        AttendanceFactory(session=early, participant=person, status=Attendance.Status.PRESENT)
    group_b = GroupFactory(name="Koffieochtend", kind_id="support", team=team_b, start_date=D(2023, 1, 1))
    later = SessionFactory(group=group_b, date=D(2024, 8, 6))
    for person in [ParticipantFactory(team=team_b) for _ in range(3)]:
        AttendanceFactory(session=later, participant=person, status=Attendance.Status.PRESENT)
    a, b = report_data.municipality, team_b.municipality
    return a, b, group_a, group_b, early


def _warm(places):
    for municipality, period in places:
        kpi_cache.cached_kpis(municipality, period)


def _recomputed(calls, places, write):
    """Warm the cache for ``places``, run ``write`` (committed), read them all again: which were computed
    afresh. Every figure read is also compared with a fresh computation: never older than the data."""
    _warm(places)
    _warm(places)
    calls.clear()
    write()
    figures = [kpi_cache.cached_kpis(municipality, period) for municipality, period in places]
    again = set(calls)
    for (municipality, period), cached in zip(places, figures, strict=True):
        assert cached == kpi.compute_kpis(municipality, period), (municipality.name, period.label)
    return {(mid, label) for mid, label in again}


def _committed(capture, write):
    def run():
        with capture(execute=True):
            write()

    return run


def test_a_save_in_one_municipality_leaves_the_others_figures_cached(
    two_places, computed, django_capture_on_commit_callbacks
):
    a, b, group_a, _, _ = two_places
    newcomer = ParticipantFactory(team=group_a.team)
    write = _committed(django_capture_on_commit_callbacks, lambda: AttendanceFactory(
        session=group_a.sessions.filter(date__gte=Q3.start).first(), participant=newcomer,
        status=Attendance.Status.PRESENT,
    ))
    assert _recomputed(computed, [(a, Q3), (b, Q3)], write) == {(a.pk, "2024Q3")}
    assert kpi_cache.cached_kpis(a, Q3)["residents_collective"] == 10


def test_a_save_in_q3_leaves_q1_cached(two_places, computed, django_capture_on_commit_callbacks):
    a, _, group_a, _, _ = two_places
    write = _committed(django_capture_on_commit_callbacks, lambda: SessionFactory(group=group_a, date=D(2024, 9, 3)))
    assert _recomputed(computed, [(a, Q1), (a, Q3)], write) == {(a.pk, "2024Q3")}


def test_a_correction_in_a_closed_quarter_refreshes_it_and_what_follows(
    two_places, computed, django_capture_on_commit_callbacks
):
    a, b, _, _, early = two_places
    mark = early.attendances.first()

    def correct():
        mark.status = Attendance.Status.ABSENT
        mark.save()

    before = kpi_cache.cached_kpis(a, Q1)["residents_collective"]
    write = _committed(django_capture_on_commit_callbacks, correct)
    recomputed = _recomputed(computed, [(a, Q1), (a, Q3), (b, Q1)], write)
    # Q3 depends on Q1 too (year to date, first sessions): refreshed; the other municipality is not.
    assert recomputed == {(a.pk, "2024Q1"), (a.pk, "2024Q3")}
    assert kpi_cache.cached_kpis(a, Q1)["residents_collective"] == before - 1


def test_a_session_moved_between_quarters_refreshes_both(two_places, computed, django_capture_on_commit_callbacks):
    a, _, _, _, early = two_places

    def move():  # from 2024Q1 to 2024Q2
        early.date = D(2024, 4, 2)
        early.save()

    sessions_q1 = kpi_cache.cached_kpis(a, Q1)["sessions_held"]
    recomputed = _recomputed(computed, [(a, Q1), (a, Q2)], _committed(django_capture_on_commit_callbacks, move))
    assert recomputed == {(a.pk, "2024Q1"), (a.pk, "2024Q2")}
    assert kpi_cache.cached_kpis(a, Q1)["sessions_held"] == sessions_q1 - 1
    assert kpi_cache.cached_kpis(a, Q2)["sessions_held"] == 1


def test_a_session_moved_back_in_time_refreshes_the_older_quarter(
    two_places, computed, django_capture_on_commit_callbacks
):
    a, _, group_a, _, _ = two_places
    session = group_a.sessions.filter(date__gte=Q3.start).first()

    def move():  # from 2024Q3 back to 2024Q2
        session.date = D(2024, 5, 7)
        session.save()

    write = _committed(django_capture_on_commit_callbacks, move)
    recomputed = _recomputed(computed, [(a, Q1), (a, Q2), (a, Q3)], write)
    assert recomputed == {(a.pk, "2024Q2"), (a.pk, "2024Q3")}


def test_a_group_moved_to_another_municipality_refreshes_both(
    two_places, computed, team_b, django_capture_on_commit_callbacks
):
    a, b, group_a, _, _ = two_places

    def move():
        group_a.team = team_b
        group_a.save()

    recomputed = _recomputed(computed, [(a, Q3), (b, Q3)], _committed(django_capture_on_commit_callbacks, move))
    assert recomputed == {(a.pk, "2024Q3"), (b.pk, "2024Q3")}
    assert kpi_cache.cached_kpis(b, Q3)["residents_collective"] == 3 + 6


def test_a_bulk_write_without_scope_refreshes_everything(two_places, computed, django_capture_on_commit_callbacks):
    a, b, _, _, _ = two_places

    def bulk():
        Attendance.objects.filter(session__group__team__municipality=b).update(status=Attendance.Status.ABSENT)
        registration_changed.send(sender=Attendance)

    places = [(a, Q1), (a, Q3), (b, Q3)]
    recomputed = _recomputed(computed, places, _committed(django_capture_on_commit_callbacks, bulk))
    assert recomputed == {(m.pk, p.label) for m, p in places}
    assert kpi_cache.cached_kpis(b, Q3)["residents_collective"] == 0


def test_a_bulk_write_with_its_scope_refreshes_only_that(two_places, computed, django_capture_on_commit_callbacks):
    a, b, _, group_b, _ = two_places

    def bulk():
        Attendance.objects.filter(session__group=group_b).update(status=Attendance.Status.ABSENT)
        registration_changed.send(sender=Attendance, scopes=[(b.pk, D(2024, 8, 6))])

    recomputed = _recomputed(computed, [(a, Q3), (b, Q3)], _committed(django_capture_on_commit_callbacks, bulk))
    assert recomputed == {(b.pk, "2024Q3")}


def test_a_roll_call_announced_with_its_session_refreshes_only_that_session(
    two_places, computed, django_capture_on_commit_callbacks
):
    """What ``Session.mark_attendance`` can announce: the session whose marks it wrote in bulk."""
    a, b, _, _, early = two_places

    def roll_call():
        early.attendances.update(status=Attendance.Status.ABSENT)
        registration_changed.send(sender=Attendance, sessions=[early.pk])

    recomputed = _recomputed(computed, [(a, Q1), (b, Q1)], _committed(django_capture_on_commit_callbacks, roll_call))
    assert recomputed == {(a.pk, "2024Q1")}
    assert kpi_cache.cached_kpis(a, Q1)["residents_collective"] == 0


def test_a_write_in_the_open_transaction_is_seen_by_its_own_next_read(two_places, computed):
    """No commit yet (the test's transaction): the writer's next read bumps first, scoped all the same."""
    a, b, _, group_b, _ = two_places
    recomputed = _recomputed(computed, [(a, Q3), (b, Q3)], lambda: SessionFactory(group=group_b, date=D(2024, 9, 3)))
    assert recomputed == {(b.pk, "2024Q3")}


def test_closed_quarters_of_the_trend_are_read_not_recomputed(
    two_places, computed, django_capture_on_commit_callbacks
):
    a, _, group_a, _, _ = two_places
    periods = last_quarters(Q3.end, 8)
    first = kpi_cache.cached_trend(a, periods)
    assert kpi_cache.cached_trend(a, periods) == first
    computed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        SessionFactory(group=group_a, date=D(2024, 9, 3))
    rows = kpi_cache.cached_trend(a, periods)
    assert computed == [(a.pk, "2024Q3")]  # seven closed quarters from the cache
    assert rows == kpi.trend(a, periods)
    assert rows[-1]["sessions_held"] == first[-1]["sessions_held"] + 1


def test_a_roll_call_saved_again_on_another_day_refreshes_the_old_quarter_too(
    two_places, computed, django_capture_on_commit_callbacks, worker
):
    """The roll call's edit saves with one conditional UPDATE (no post_save): moving the session from
    Q1 to Q3 must still refresh Q1, where it no longer counts."""
    from groups import services
    from groups.models import Session

    a, _, group_a, _, early = two_places
    session = Session.objects.select_related("group__team").get(pk=early.pk)
    statuses = dict(session.attendances.values_list("participant_id", "status"))

    def move():
        session.date = D(2024, 8, 13)
        services.log_session(worker, session, statuses, fields=["date"], version=session.version)

    recomputed = _recomputed(computed, [(a, Q1), (a, Q3)], _committed(django_capture_on_commit_callbacks, move))
    assert (a.pk, "2024Q1") in recomputed and (a.pk, "2024Q3") in recomputed


def test_the_dashboard_keeps_the_year_before_the_period_and_follows_a_correction_in_it(
    two_places, monkeypatch, django_capture_on_commit_callbacks
):
    """The year to date of Q3 is Q3's residents plus those present from 1 January to 30 June: that
    earlier part is kept (as resident ids) like a figure of Q2, so a save in Q3 does not scan it
    again, and a correction in Q1 refreshes it."""
    a, _, group_a, _, early = two_places
    scans = []
    present_residents = kpi.present_residents

    def counting(municipality, start, end, *args, **kwargs):
        scans.append((start, end))
        return present_residents(municipality, start, end, *args, **kwargs)

    monkeypatch.setattr(kpi, "present_residents", counting)

    def ytd():
        """The dashboard's year to date, and the scans of the months before Q3 it made."""
        scans.clear()
        figure = kpi_cache.cached_kpis(a, Q3)["target"]["residents_collective_ytd"]
        return figure, list(scans)

    def fresh_ytd():
        return kpi.compute_kpis(a, Q3)["target"]["residents_collective_ytd"]

    start, scanned = ytd()
    assert start == fresh_ytd()
    assert scanned == [(D(2024, 1, 1), D(2024, 6, 30))]

    # A newcomer present in Q3: the KPI set of Q3 is recomputed, the part before Q3 is read.
    in_q3 = ParticipantFactory(team=group_a.team)
    _committed(django_capture_on_commit_callbacks, lambda: AttendanceFactory(
        session=group_a.sessions.filter(date__gte=Q3.start).first(), participant=in_q3,
        status=Attendance.Status.PRESENT,
    ))()
    assert ytd() == (start + 1, [])
    assert fresh_ytd() == start + 1

    # Someone present only in February: the part before Q3 is scanned again and counts them.
    in_february = ParticipantFactory(team=group_a.team)
    _committed(django_capture_on_commit_callbacks, lambda: AttendanceFactory(
        session=early, participant=in_february, status=Attendance.Status.PRESENT,
    ))()
    assert ytd() == (start + 2, [(D(2024, 1, 1), D(2024, 6, 30))])
    assert fresh_ytd() == start + 2


def test_without_the_cache_the_dashboard_computes_the_year_to_date_itself(two_places, monkeypatch):
    a, *_ = two_places

    def unreachable(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(kpi_cache.cache, "get", unreachable)
    monkeypatch.setattr(kpi_cache.cache, "get_many", unreachable)
    monkeypatch.setattr(kpi_cache._State, "failing", False)
    assert kpi_cache.cached_kpis(a, Q3) == kpi.compute_kpis(a, Q3)
