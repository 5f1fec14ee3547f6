"""Paired Positive Health change: internal, only for 5 or more residents with both measurements."""

import datetime

from outcomes.health import paired_change
from participants.models import Measurement
from reporting.periods import year
from tests.factories import ParticipantFactory

Y = year(2024)


def _measure(participant, moment, day, score, **extra):
    values = {d: score for d in Measurement.DIMENSIONS}
    values.update(extra)
    return Measurement.objects.create(participant=participant, date=day, moment=moment, filled_by="together", **values)


def _pair(team, start_score, end_score, **end_extra):
    resident = ParticipantFactory(team=team)
    _measure(resident, "start", datetime.date(2024, 2, 1), start_score)
    _measure(resident, "end", datetime.date(2024, 6, 1), end_score, **end_extra)
    return resident


def test_four_pairs_show_nothing_five_show_the_averages(team_a, team_b):
    for start, end in [(4, 6), (5, 6), (6, 6), (3, 7)]:
        _pair(team_a, start, end)
    # Not pairs: only a start; an end before 2024; another team; an end without a start.
    _measure(ParticipantFactory(team=team_a), "start", datetime.date(2024, 2, 1), 1)
    old = ParticipantFactory(team=team_a)
    _measure(old, "start", datetime.date(2023, 1, 1), 1)
    _measure(old, "end", datetime.date(2023, 6, 1), 9)
    _pair(team_b, 1, 10)
    _measure(ParticipantFactory(team=team_a), "end", datetime.date(2024, 6, 1), 10)

    hidden = paired_change([team_a.pk], Y)
    assert hidden == {"pairs": 4, "shown": False, "dimensions": []}

    _pair(team_a, 2, 5, zingeving=2)
    shown = paired_change([team_a.pk], Y)
    assert shown["pairs"] == 5 and shown["shown"]
    by_dimension = {d["dimension"]: d for d in shown["dimensions"]}
    # start 4,5,6,3,2 → 4.0; end 6,6,6,7,5 → 6.0
    assert by_dimension["meedoen"] == {"dimension": "meedoen", "start": 4.0, "end": 6.0, "change": 2.0}
    # zingeving: the fifth ends at 2 → end (6+6+6+7+2)/5 = 5.4
    assert by_dimension["zingeving"]["end"] == 5.4 and by_dimension["zingeving"]["change"] == 1.4


def test_the_latest_end_and_the_earliest_start_make_the_pair(team_a):
    residents = [_pair(team_a, 5, 5) for _ in range(5)]
    _measure(residents[0], "end", datetime.date(2024, 9, 1), 10)
    _measure(residents[0], "start", datetime.date(2024, 1, 1), 0)
    result = paired_change([team_a.pk], Y)
    meedoen = next(d for d in result["dimensions"] if d["dimension"] == "meedoen")
    assert (meedoen["start"], meedoen["end"]) == (4.0, 6.0)
