"""Small-number protection: primary "<5", secondary "x", hidden percentages, hidden group rows.

"Cannot be derived" is checked by brute force (``possible_values``), independently of the linear
algebra inside reporting.suppression: every assignment of the hidden cells that agrees with what
is shown and with the KPI relations is listed, and a hidden cell is safe when more than one value
remains possible.
"""

import copy
import itertools
import random

import pytest

from reporting.kpi import KPI_KEYS, compute_kpis
from reporting.suppression import SECONDARY, is_hidden, protect, protect_trend

KINDS = {"support"}
DOMAINS = ("financien", "wonen")


def make(c_only=10, i_only=20, both=30, neighbourhoods=None, kinds=None, groups=None, ytd=None, target=200,
         sessions=None, walk_ins=12, new_groups=6, handed_over=7, rate=0.8):
    """A consistent compute_kpis-shaped result; derived totals are computed, not typed."""
    collective = c_only + both
    neighbourhoods = {"Bilgaard": collective} if neighbourhoods is None else neighbourhoods
    assert sum(neighbourhoods.values()) == collective, "test data must be consistent"
    kinds = {"support": 8, "meet": 6, "youth": 0} if kinds is None else kinds
    if groups is None:
        groups = [("support", 10, 6)] * kinds["support"] + [("meet", 7, 5)] * kinds["meet"]
    rows = [
        {"group_id": i + 1, "group": f"Groep {i + 1:02d}", "kind": kind, "neighbourhood": None,
         "participants": participants, "sessions_held": held, "attendance_rate": rate}
        for i, (kind, participants, held) in enumerate(groups)
    ]
    ytd = collective + 15 if ytd is None else ytd
    return {
        "residents_collective": collective,
        "residents_individual": i_only + both,
        "residents_both": both,
        "residents_collective_only": c_only,
        "residents_individual_only": i_only,
        "residents_total": c_only + i_only + both,
        "groups_active": kinds["support"],
        "groups_active_by_kind": kinds,
        "sessions_held": sum(r["sessions_held"] for r in rows if r["kind"] in KINDS) if sessions is None else sessions,
        "participants_per_group": rows,
        "attendance_rate": rate,
        "by_life_domain": {"financien": collective, "wonen": 0},
        "by_neighbourhood": neighbourhoods,
        "new_groups": new_groups,
        "groups_handed_over": handed_over,
        "target": {"year": 2024, "target": target, "residents_collective_ytd": ytd,
                   "progress": round(ytd / target, 4) if target else None},
        "walk_ins": walk_ins,
    }


def residents_relations(figures):
    """The resident relations, written out here independently of the module under test."""
    hoods = [("by_neighbourhood", name) for name in figures["by_neighbourhood"]]
    return [
        (("residents_total",), [("residents_collective_only",), ("residents_individual_only",), ("residents_both",)]),
        (("residents_collective",), [("residents_collective_only",), ("residents_both",)]),
        (("residents_individual",), [("residents_individual_only",), ("residents_both",)]),
        (("residents_collective",), hoods),
    ]


def get(figures, path):
    for step in path:
        figures = figures[step]
    return figures


def possible_values(protected, relations, threshold=5, top=80):
    """For every hidden cell in the relations: the set of values consistent with what is shown."""
    cells = sorted({c for total, parts in relations for c in (total, *parts)}, key=repr)
    hidden = [c for c in cells if is_hidden(get(protected, c))]

    def domain(cell):
        value = get(protected, cell)
        return range(1, threshold) if value == f"<{threshold}" else range(threshold, top)

    found = {c: set() for c in hidden}
    # Assign hidden cells one by one, checking each relation as soon as all its cells are known.
    def search(i, values):
        for total, parts in relations:
            if all(c in values or c not in hidden for c in (total, *parts)):
                val = {c: values.get(c, get(protected, c)) for c in (total, *parts)}
                if val[total] != sum(val[p] for p in parts):
                    return
        if i == len(hidden):
            for c in hidden:
                found[c].add(values[c])
            return
        for v in domain(hidden[i]):
            values[hidden[i]] = v
            search(i + 1, values)
            del values[hidden[i]]

    search(0, {})
    return found


def assert_nothing_derivable(protected, relations, **kwargs):
    for cell, values in possible_values(protected, relations, **kwargs).items():
        assert len(values) > 1, f"{cell} can be worked out: {values}"


# --- Primary suppression ------------------------------------------------------------------------


def test_counts_from_1_to_4_become_less_than_5_and_0_and_5_stay():
    figures = make(c_only=5, i_only=0, both=0, walk_ins=4, new_groups=1, handed_over=0,
                   kinds={"support": 5, "meet": 0, "youth": 0})
    figures["by_life_domain"] = {"financien": 4, "wonen": 0}
    result = protect(figures, counting_kinds=KINDS)
    assert result["walk_ins"] == "<5"
    assert result["new_groups"] == 1  # issue 8: a count of groups is shown as it is
    assert result["groups_handed_over"] == 0
    assert result["residents_collective"] == 5
    assert result["residents_individual"] == 0
    assert result["by_life_domain"] == {"financien": "<5", "wonen": 0}
    assert result["groups_active"] == 5


def test_every_count_of_the_real_kpi_set_is_protected(kpi_data):
    result = protect(compute_kpis(kpi_data.municipality, kpi_data.period))
    assert tuple(result) == KPI_KEYS

    def walk(value, path=()):
        if isinstance(value, dict):
            for key, sub in value.items():
                yield from walk(sub, (*path, key))
        elif isinstance(value, list):
            for i, sub in enumerate(value):
                yield from walk(sub, (*path, i))
        elif isinstance(value, int) and not isinstance(value, bool):
            yield path, value

    # In the hand-built set every count is below 5: nothing from 1 to 4 may be left, except the
    # ids, the year, the (municipality's own) target and (issue 8) the counts of groups and
    # sessions, which are shown as they are.
    not_persons = {"groups_active", "groups_active_by_kind", "sessions_held", "new_groups", "groups_handed_over",
                   "self_running_groups"}
    left = {path: v for path, v in walk(result)
            if 0 < v < 5 and path[-1] not in ("group_id", "year", "target") and path[0] not in not_persons
            and path[-1] != "sessions_held"}
    assert left == {}
    assert result["groups_active"] == 2 and result["sessions_held"] == 4 and result["self_running_groups"] == 2
    assert result["inflow_by_referral"]["own_worker"] == "<5"
    assert result["outflow_by_end_reason"]["dropped_out"] == "<5"
    assert result["attendance_rate"] is None
    # Year to date is 5 (shown), so its progress may be shown too.
    assert result["target"]["residents_collective_ytd"] == 5
    assert result["target"]["progress"] == 0.1


def test_the_threshold_is_configurable(settings):
    settings.SMALL_NUMBER_THRESHOLD = 10
    figures = make(c_only=20, i_only=20, both=20, walk_ins=9, new_groups=10)
    result = protect(figures, counting_kinds=KINDS)
    assert result["walk_ins"] == "<10"
    assert result["new_groups"] == 10
    assert protect(figures, threshold=8, counting_kinds=KINDS)["walk_ins"] == 9


def test_protect_returns_a_copy_and_leaves_the_input_alone():
    figures = make(c_only=10, i_only=3, both=20)
    before = copy.deepcopy(figures)
    result = protect(figures, counting_kinds=KINDS)
    assert figures == before
    assert result is not figures and result["residents_individual_only"] == "<5"


def test_nothing_is_hidden_when_every_count_is_large():
    figures = make()
    assert protect(figures, counting_kinds=KINDS) == figures


# --- Secondary suppression: one test per relation ----------------------------------------------


def test_total_equals_collective_only_plus_individual_only_plus_both():
    # both = 3; without more hiding, total - collective_only - individual_only = 3.
    figures = make(c_only=10, i_only=20, both=3, neighbourhoods={"Bilgaard": 6, "Heechterp": 7})
    result = protect(figures, counting_kinds=KINDS)
    assert result["residents_both"] == "<5"
    assert_nothing_derivable(result, residents_relations(figures))
    # The contracted KPI stays visible; the smallest part of each relation went instead.
    assert result["residents_collective"] == 13
    assert result["residents_collective_only"] == SECONDARY
    assert result["residents_individual_only"] == SECONDARY


def test_collective_equals_collective_only_plus_both():
    # collective_only = 2; collective 27 - both 25 would give it back.
    figures = make(c_only=2, i_only=0, both=25, neighbourhoods={"Bilgaard": 27})
    result = protect(figures, counting_kinds=KINDS)
    assert result["residents_collective_only"] == "<5"
    assert is_hidden(result["residents_both"])
    assert_nothing_derivable(result, residents_relations(figures))


def test_individual_equals_individual_only_plus_both():
    # individual_only = 4: individual 34 - both 30 would give it back.
    figures = make(c_only=10, i_only=4, both=30, neighbourhoods={"Bilgaard": 40})
    result = protect(figures, counting_kinds=KINDS)
    assert result["residents_individual_only"] == "<5"
    assert_nothing_derivable(result, residents_relations(figures))
    assert result["residents_collective"] == 40


def test_total_minus_collective_cannot_give_back_individual_only():
    # total - collective = individual_only: a difference of two shown totals.
    figures = make(c_only=0, i_only=2, both=6, neighbourhoods={"Bilgaard": 6})
    result = protect(figures, counting_kinds=KINDS)
    assert result["residents_individual_only"] == "<5"
    assert_nothing_derivable(result, residents_relations(figures))
    # individual 8 = individual_only + both hides both (6); then collective = 0 + both would give
    # both back, and no other non-zero cell is left: the headline figure itself has to go.
    assert result["residents_both"] == SECONDARY
    assert result["residents_collective"] == SECONDARY


def test_neighbourhoods_add_up_to_collective():
    figures = make(c_only=25, i_only=0, both=0, neighbourhoods={"Bilgaard": 3, "Heechterp": 10, "Huizum": 12})
    result = protect(figures, counting_kinds=KINDS)
    assert result["by_neighbourhood"] == {"Bilgaard": "<5", "Heechterp": SECONDARY, "Huizum": 12}
    assert_nothing_derivable(result, residents_relations(figures))


def test_residents_without_a_neighbourhood_are_a_cell_of_the_sum_too():
    figures = make(c_only=25, i_only=0, both=0, neighbourhoods={"Bilgaard": 21, "": 4})
    result = protect(figures, counting_kinds=KINDS)
    assert result["by_neighbourhood"][""] == "<5"
    # Bilgaard is the only other cell: it goes, not the total collective.
    assert result["by_neighbourhood"]["Bilgaard"] == SECONDARY
    assert result["residents_collective"] == 25
    assert_nothing_derivable(result, residents_relations(figures))


def test_zero_cells_are_shown_and_never_chosen_as_the_second_cell():
    figures = make(c_only=25, i_only=0, both=0, neighbourhoods={"Bilgaard": 4, "Heechterp": 0, "Huizum": 21})
    result = protect(figures, counting_kinds=KINDS)
    assert result["by_neighbourhood"] == {"Bilgaard": "<5", "Heechterp": 0, "Huizum": SECONDARY}


def test_sessions_held_equals_the_sessions_of_the_support_groups():
    groups = [("support", 10, 3), ("support", 10, 8), ("support", 10, 9), ("support", 10, 8),
              ("support", 10, 12), ("meet", 8, 2)]
    figures = make(kinds={"support": 5, "meet": 1, "youth": 0}, groups=groups)
    assert figures["sessions_held"] == 40
    result = protect(figures, counting_kinds=KINDS)
    held = [row["sessions_held"] for row in result["participants_per_group"]]
    # Issue 8: sessions are no count of persons; every cell is shown as it is.
    assert held == [3, 8, 9, 8, 12, 2]
    assert result["sessions_held"] == 40


def test_counts_of_groups_are_shown_as_they_are():
    # Issue 8 (DESIGN: "counts of groups and sessions are shown as they are").
    figures = make(kinds={"support": 3, "meet": 6, "youth": 0}, new_groups=1, handed_over=2)
    figures["self_running_groups"] = 1
    result = protect(figures, counting_kinds=KINDS)
    assert result["groups_active"] == 3
    assert result["groups_active_by_kind"] == {"support": 3, "meet": 6, "youth": 0}
    assert (result["new_groups"], result["groups_handed_over"], result["self_running_groups"]) == (1, 2, 1)


def test_the_rows_of_every_kind_stay_when_group_counts_are_small():
    # Counting the rows gives a group count, which is shown anyway; participants stay protected.
    figures = make(kinds={"support": 3, "meet": 6, "youth": 0})
    result = protect(figures, counting_kinds=KINDS)
    assert [row["kind"] for row in result["participants_per_group"]] == ["support"] * 3 + ["meet"] * 6
    small = make(kinds={"support": 5, "meet": 1, "youth": 0},
                 groups=[("support", 10, 6)] * 5 + [("meet", 3, 5)])
    assert protect(small, counting_kinds=KINDS)["participants_per_group"][-1]["participants"] == "<5"


def test_the_one_support_groups_participants_are_hidden_with_residents_collective():
    # With one active support group (a shown count), its participants ARE residents_collective:
    # showing 6 there while residents_collective is hidden would give it back.
    figures = make(c_only=0, i_only=2, both=6, neighbourhoods={"Bilgaard": 6},
                   kinds={"support": 1, "meet": 1, "youth": 0}, groups=[("support", 6, 4), ("meet", 6, 3)])
    result = protect(figures, counting_kinds=KINDS)
    assert result["groups_active"] == 1
    assert is_hidden(result["residents_collective"])
    support, meet = result["participants_per_group"]
    assert is_hidden(support["participants"])
    assert meet["participants"] == 6  # another kind: not the same people by definition
    # ... and a life domain with every collective resident is the same number too.
    assert is_hidden(result["by_life_domain"]["financien"])


def test_a_shown_residents_collective_keeps_equal_cells_shown():
    figures = make(kinds={"support": 1, "meet": 0, "youth": 0}, groups=[("support", 40, 6)])
    result = protect(figures, counting_kinds=KINDS)
    assert result["residents_collective"] == 40
    assert result["participants_per_group"][0]["participants"] == 40
    assert result["by_life_domain"]["financien"] == 40


def test_groups_active_sums_every_counting_kind():
    # Should an administrator let a second kind count, groups_active is the sum of both.
    figures = make(kinds={"support": 3, "meet": 6, "youth": 0})
    figures["groups_active"] = 9
    result = protect(figures, counting_kinds={"support", "meet"})
    assert result["groups_active_by_kind"] == {"support": 3, "meet": 6, "youth": 0}
    assert result["groups_active"] == 9


def test_year_to_date_equal_to_collective_is_hidden_with_it():
    # In Q1 the year to date is the quarter itself: hiding collective but showing YTD would leak.
    figures = make(c_only=0, i_only=2, both=6, neighbourhoods={"Bilgaard": 6}, ytd=6)
    result = protect(figures, counting_kinds=KINDS)
    assert is_hidden(result["residents_collective"])
    assert is_hidden(result["target"]["residents_collective_ytd"])
    assert result["target"]["progress"] is None
    assert result["target"]["target"] == 200  # the municipality's own target is no count of people


# --- Percentages --------------------------------------------------------------------------------


def test_attendance_rate_is_hidden_when_it_rests_on_fewer_than_5_residents():
    assert protect(make(c_only=3, i_only=10, both=0, neighbourhoods={"B": 3}), counting_kinds=KINDS)[
        "attendance_rate"] is None
    assert protect(make(c_only=5, i_only=10, both=0, neighbourhoods={"B": 5}), counting_kinds=KINDS)[
        "attendance_rate"] == 0.8


def test_per_group_attendance_rate_is_hidden_for_fewer_than_5_participants():
    groups = [("support", 4, 6), ("support", 5, 6), ("support", 0, 6), ("support", 12, 6), ("support", 9, 6)]
    figures = make(kinds={"support": 5, "meet": 0, "youth": 0}, groups=groups)
    figures["participants_per_group"][2]["attendance_rate"] = 0.0  # only absentees: still people
    rows = protect(figures, counting_kinds=KINDS)["participants_per_group"]
    assert [r["participants"] for r in rows] == ["<5", 5, 0, 12, 9]
    assert [r["attendance_rate"] for r in rows] == [None, 0.8, None, 0.8, 0.8]


def test_target_progress_is_hidden_when_year_to_date_is():
    result = protect(make(ytd=3, target=50), counting_kinds=KINDS)
    assert result["target"] == {"year": 2024, "target": 50, "residents_collective_ytd": "<5", "progress": None}
    assert protect(make(ytd=30, target=50), counting_kinds=KINDS)["target"]["progress"] == 0.6


# --- Many random figure sets: no hidden cell can ever be worked out -----------------------------


def test_random_figure_sets_never_give_a_hidden_cell_back():
    rng = random.Random(20240930)
    for _ in range(80):
        c_only, i_only, both = (rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 14]) for _ in range(3))
        collective = c_only + both
        split = rng.randint(0, collective)
        hoods = {"A": split, "B": collective - split}
        figures = make(c_only=c_only, i_only=i_only, both=both, neighbourhoods=hoods)
        result = protect(figures, counting_kinds=KINDS)
        for key in ("residents_total", "residents_collective", "residents_individual", "residents_both",
                    "residents_collective_only", "residents_individual_only"):
            value = result[key]
            assert is_hidden(value) or not 0 < value < 5
        assert_nothing_derivable(result, residents_relations(figures), top=40)


# --- Trend --------------------------------------------------------------------------------------


def test_protect_trend_hides_small_counts_per_row():
    rows = [{"label": "2024Q1", "start": "2024-01-01", "end": "2024-03-31", "residents_collective": 4,
             "sessions_held": 0},
            {"label": "2024Q2", "start": "2024-04-01", "end": "2024-06-30", "residents_collective": 12,
             "sessions_held": 7}]
    result = protect_trend(rows)
    assert [(r["residents_collective"], r["sessions_held"]) for r in result] == [("<5", 0), (12, 7)]
    assert rows[0]["residents_collective"] == 4


def test_protect_trend_hides_what_the_full_report_of_that_period_hides():
    figures = make(c_only=0, i_only=2, both=6, neighbourhoods={"Bilgaard": 6}, ytd=6)
    rows = [{"label": "2024Q1", "start": "2024-01-01", "end": "2024-03-31",
             "residents_collective": 6, "sessions_held": figures["sessions_held"]}]
    (row,) = protect_trend(rows, figures=figures, label="2024Q1", counting_kinds=KINDS)
    assert is_hidden(row["residents_collective"])
    assert row["sessions_held"] == figures["sessions_held"]


@pytest.mark.parametrize("value", ["<5", "x"])
def test_is_hidden_recognises_both_markers(value):
    assert is_hidden(value) and not is_hidden(5) and not is_hidden(None)


def test_combinations_are_exhaustively_safe_for_small_resident_counts():
    # Every combination of collective_only, individual_only and both from 0 to 6.
    for c_only, i_only, both in itertools.product(range(7), repeat=3):
        figures = make(c_only=c_only, i_only=i_only, both=both,
                       neighbourhoods={"A": c_only, "B": both})
        result = protect(figures, counting_kinds=KINDS)
        assert_nothing_derivable(result, residents_relations(figures), top=24)


def test_protect_trend_covers_every_period_published_in_full():
    # The report shows this quarter and the same quarter last year: both rows follow their report.
    this_year = make(c_only=0, i_only=2, both=6, neighbourhoods={"Bilgaard": 6}, ytd=6)
    last_year = make(c_only=0, i_only=1, both=7, neighbourhoods={"Bilgaard": 7}, ytd=7)
    rows = [{"label": label, "start": "", "end": "", "residents_collective": figures["residents_collective"],
             "sessions_held": 40} for label, figures in (("2023Q1", last_year), ("2024Q1", this_year))]
    result = protect_trend(rows, reported={"2023Q1": last_year, "2024Q1": this_year}, counting_kinds=KINDS)
    assert [row["residents_collective"] for row in result] == [SECONDARY, SECONDARY]
