""""Nog te registreren" never loses a session: every planned date without a session is listed."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.models import Group
from tests.factories import GroupFactory, SessionFactory

D = datetime.date
# 2024-01-01 is a Monday; the group meets on Tuesdays.
MONDAY = D(2024, 1, 1)


def make(rhythm="weekly", weekday=1, **kwargs):
    defaults = {"name": "X", "kind_id": "support", "status": "running", "start_date": MONDAY}
    return Group(rhythm=rhythm, usual_weekday=weekday, **{**defaults, **kwargs})


@pytest.mark.parametrize(
    "rhythm, weekday, until, expected",
    [
        ("weekly", 1, D(2024, 1, 23), [D(2024, 1, 2), D(2024, 1, 9), D(2024, 1, 16), D(2024, 1, 23)]),
        ("weekly", None, D(2024, 1, 15), [D(2024, 1, 1), D(2024, 1, 8), D(2024, 1, 15)]),  # the start's weekday
        ("biweekly", 3, D(2024, 2, 1), [D(2024, 1, 4), D(2024, 1, 18), D(2024, 2, 1)]),
        ("twice_weekly", 0, D(2024, 1, 15), [D(2024, 1, 1), D(2024, 1, 4), D(2024, 1, 8), D(2024, 1, 11),
                                             D(2024, 1, 15)]),
        ("course", 1, D(2024, 6, 1), [D(2024, 1, 2), D(2024, 1, 9), D(2024, 1, 16), D(2024, 1, 23)]),  # 4 meetings
    ],
)
def test_the_rhythm_plans_every_meeting_from_the_start(rhythm, weekday, until, expected):
    assert make(rhythm, weekday, planned_sessions=4).expected_dates(until) == expected


def test_nothing_is_planned_after_the_end_or_from_the_hand_over():
    assert make(end_date=D(2024, 1, 10)).expected_dates(D(2024, 3, 1)) == [D(2024, 1, 2), D(2024, 1, 9)]
    assert make(handed_over_on=D(2024, 1, 16)).expected_dates(D(2024, 3, 1)) == [D(2024, 1, 2), D(2024, 1, 9)]


def test_every_missing_date_is_listed_newest_first():
    group = make()
    logged = [D(2024, 1, 2), D(2024, 1, 16)]
    assert group.missing_dates(logged, D(2024, 1, 30)) == [D(2024, 1, 30), D(2024, 1, 23), D(2024, 1, 9)]


def test_a_session_cancelled_in_advance_does_not_hide_the_missed_one_before_it():
    group = make()
    logged = [D(2024, 1, 2), D(2024, 1, 23)]  # the 23rd cancelled in advance; the 9th and 16th were missed
    assert group.missing_dates(logged, D(2024, 1, 20)) == [D(2024, 1, 16), D(2024, 1, 9)]


def test_a_year_typo_does_not_silence_the_group():
    group = make()
    logged = [D(2024, 1, 2), D(2029, 1, 9)]  # 2029 typed for 2024 (refused now, but old data may hold it)
    assert group.missing_dates(logged, D(2024, 1, 16)) == [D(2024, 1, 16), D(2024, 1, 9)]


def test_an_extra_session_on_another_weekday_does_not_shift_the_rhythm():
    group = make()
    with_extra = [D(2024, 1, 2), D(2024, 1, 9), D(2024, 1, 11), D(2024, 1, 16)]  # Thursday the 11th: extra
    assert group.missing_dates(with_extra, D(2024, 1, 30)) == [D(2024, 1, 30), D(2024, 1, 23)]


def test_a_session_moved_a_day_stands_in_for_its_planned_date():
    group = make()
    assert group.missing_dates([D(2024, 1, 2), D(2024, 1, 10)], D(2024, 1, 16)) == [D(2024, 1, 16)]


def test_a_finished_course_is_not_chased():
    group = make("course", planned_sessions=2)
    assert group.missing_dates([D(2024, 1, 2), D(2024, 1, 9)], D(2024, 6, 1)) == []


# --- The page -------------------------------------------------------------------------------------


def _tuesdays_back(n, today):
    last = today - datetime.timedelta(days=(today.weekday() - 1) % 7)
    return [last - datetime.timedelta(weeks=k) for k in range(n)]


def test_the_start_page_lists_every_missing_date_and_offers_the_oldest_first(client_for, worker, team_a):
    today = timezone.localdate()
    tuesdays = _tuesdays_back(12, today)  # newest first
    group = GroupFactory(name="Taalcafé", team=team_a, usual_weekday=1, start_date=tuesdays[-1],
                         usual_time=datetime.time(0, 0))
    group.facilitators.add(worker)
    for day in tuesdays[2:11]:
        SessionFactory(group=group, date=day, start_time=datetime.time(0, 0))
    # Cancelled in advance, a year and a bit ahead: must not hide the two missed Tuesdays.
    SessionFactory(group=group, date=today + datetime.timedelta(days=300), start_time=datetime.time(0, 0),
                   status="cancelled")

    body = client_for(worker).get("/").content.decode()

    missing = [tuesdays[0], tuesdays[1], tuesdays[11]]
    for day in missing:
        assert f"?date={day.isoformat()}" in body
    for day in tuesdays[2:11]:
        assert f"?date={day.isoformat()}" not in body
    # The primary button is the oldest missing date, which lies more than 8 weeks back: folded under "ouder".
    primary = body.index("btn btn-primary", body.index('id="to-log"'))
    assert f"?date={tuesdays[11].isoformat()}" in body[primary:primary + 300]
    assert "ouder (1)" in body
    # "Vandaag" only on the meeting day; otherwise "andere datum".
    if today.weekday() == 1:
        assert ">Vandaag<" in body or "Bijeenkomst van vandaag registreren" in body
    else:
        assert "Andere datum" in body


def test_a_session_date_more_than_a_year_ahead_is_refused(client_for, worker, group, members):
    far = timezone.localdate() + datetime.timedelta(days=400)
    data = {"date": far.isoformat(), "start_time": "10:00", "duration_minutes": "90", "status": "cancelled",
            "head_count": "0"}
    response = client_for(worker).post(reverse("groups:session_create", args=[group.pk]), data)
    assert response.status_code == 200
    assert "meer dan een jaar vooruit" in response.content.decode()
    assert not group.sessions.exists()


def test_a_held_session_later_today_is_refused(client_for, worker, group, members):
    now = timezone.localtime()
    if now.hour >= 23:
        pytest.skip("no later start time left today")
    later = (now + datetime.timedelta(minutes=61)).strftime("%H:%M")
    data = {"date": now.date().isoformat(), "start_time": later, "duration_minutes": "90", "status": "held",
            "head_count": "0"}
    response = client_for(worker).post(reverse("groups:session_create", args=[group.pk]), data)
    assert response.status_code == 200
    assert "in de toekomst" in response.content.decode()
    assert not group.sessions.exists()
