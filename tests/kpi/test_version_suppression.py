"""Small-number protection across versions of one quarter (issue 9): no differencing.

A municipality that kept version 1 of a quarter can subtract it from version 2. Checked by brute
force, independently of reporting.suppression: for random pairs and triples of versions (each
protected with every earlier one as ``published``), every assignment of the hidden cells of all
versions together that agrees with what is shown and with the relations of every version is
listed. For pairs the reader is also assumed to guess right where a small cell did not change: a
count of 1..4 hidden in both versions with the same real value is one unknown (so combining the
versions must not pin it down). Failures:

- a hidden cell of any version whose value is determined (one possible value), unless an
  earlier version showed that very value (then it reveals nothing new);
- a cell hidden in an earlier version that a later version shows with the same value (it gives
  the earlier value back);
- a cell shown in two versions with a change of 1..4 (a count of persons below the threshold).

Known limit (docs/kpi.md): a reader who guesses that *every* unchanged cell kept its value,
also one the new version hides after an earlier one showed it, can know more than this model
allows for; the protection then counts such a cell as known and hides what it can, but cannot
always hide enough (e.g. individual 6 = only individually 0 + both 6, then 1 + 5: with the
individual total known, "<5" + "x" = 6 pins 1 + 5).
"""

import itertools
import random

from reporting.suppression import SECONDARY, is_hidden, protect, protect_trend
from tests.kpi.test_suppression import KINDS, get, make, residents_relations

THRESHOLD = 5
ROOM = 6  # "x" ranges over 5 .. the largest real value + ROOM: room to tell one value from many
RESIDENT_KEYS = ("residents_total", "residents_collective", "residents_individual", "residents_both",
                 "residents_collective_only", "residents_individual_only")


def figures_of(c_only, i_only, both, a, unknown=0):
    """A KPI set with neighbourhoods A (``a``), B (the rest) and, when non-zero, unknown ("")."""
    hoods = {"A": a, "B": c_only + both - a - unknown}
    if unknown:
        hoods[""] = unknown
    return make(c_only=c_only, i_only=i_only, both=both, neighbourhoods=hoods)


def publish(versions):
    """Protect every version with all earlier (approved) versions as published."""
    published = []
    for raw in versions:
        published.append(protect(raw, counting_kinds=KINDS, published=list(published)))
    return published


def _value(figures, cell):
    try:
        return get(figures, cell)
    except KeyError:
        return 0  # a neighbourhood left out: nobody lives there


def _cells(versions):
    return sorted({c for raw in versions for total, parts in residents_relations(raw) for c in (total, *parts)},
                  key=repr)


def _unknowns(versions, protected, merge_small=True):
    """Unknowns of the joint system: {(version, cell): unknown id}, one unknown for a small cell
    ("<5") hidden in several versions with the same real value (the reader guesses right that it
    did not change)."""
    owner = {}
    for cell in _cells(versions):
        for i, shown in enumerate(protected):
            if not is_hidden(_value(shown, cell)):
                continue
            value = _value(versions[i], cell)
            small = merge_small and 0 < value < THRESHOLD
            same = next((j for j in range(i) if small and (j, cell) in owner
                         and _value(versions[j], cell) == value), None)
            owner[(i, cell)] = owner[(same, cell)] if same is not None else (i, cell)
    return owner


class JointSystem:
    """The hidden cells of all versions as unknowns, with the relations of every version."""

    def __init__(self, versions, protected, merge_small=True):
        self.owner = _unknowns(versions, protected, merge_small)
        self.protected = protected
        self.unknowns = sorted(set(self.owner.values()), key=repr)
        self.marker = {u: _value(protected[u[0]], u[1]) for u in self.unknowns}
        self.relations = [(i, total, parts) for i, raw in enumerate(versions)
                          for total, parts in residents_relations(raw)]
        self.top = max(_value(raw, c) for raw in versions for c in _cells(versions)) + ROOM

    def lookup(self, i, cell, values):
        if (i, cell) in self.owner:
            return values.get(self.owner[(i, cell)])
        return _value(self.protected[i], cell)

    def domain(self, u):
        return range(1, THRESHOLD) if self.marker[u] == f"<{THRESHOLD}" else range(THRESHOLD, self.top)

    def forced(self, i, total, parts, values):
        """(unknown, value) a relation with one open cell forces; None if none; False if it fails."""
        cells = (total, *parts)
        vals = [self.lookup(i, c, values) for c in cells]
        open_ = [c for c, v in zip(cells, vals, strict=True) if v is None]
        if not open_:
            return None if vals[0] == sum(vals[1:]) else False
        if len(open_) > 1:
            return None
        known_sum = sum(v for v in vals[1:] if v is not None)
        value = known_sum if open_[0] == total else vals[0] - known_sum
        u = self.owner[(i, open_[0])]
        return (u, value) if value in self.domain(u) else False

    def propagate(self, values):
        """Fill in every unknown a relation forces; None on a contradiction."""
        values = dict(values)
        changed = True
        while changed:
            changed = False
            for relation in self.relations:
                result = self.forced(*relation, values)
                if result is False:
                    return None
                if result:
                    values[result[0]] = result[1]
                    changed = True
        return values


def joint_possible_values(versions, protected, merge_small=True):
    """{unknown: set of values} over every assignment consistent with all versions together.

    Stops as soon as every unknown has two possible values: enough to show it cannot be worked out.
    """
    system = JointSystem(versions, protected, merge_small)
    found = {u: set() for u in system.unknowns}

    def settled():
        return all(len(v) > 1 for v in found.values())

    def search(values):
        values = system.propagate(values)
        if values is None or settled():
            return
        open_ = [u for u in system.unknowns if u not in values]
        if not open_:
            for u in system.unknowns:
                found[u].add(values[u])
            return
        for v in system.domain(open_[0]):
            search({**values, open_[0]: v})
            if settled():
                return

    search({})
    return found, system.owner


def assert_versions_safe(versions, merge_small=True):
    protected = publish(versions)
    if merge_small:
        found, _owner = joint_possible_values(versions, protected)
    else:
        # Without merged unknowns the versions share nothing: solve them one by one (faster).
        found = {}
        for i in range(len(versions)):
            part, _owner = joint_possible_values([versions[i]], [protected[i]])
            found.update({(i, cell): values for (_zero, cell), values in part.items()})
    for (i, cell), values in found.items():
        # Working out that a cell kept the value an earlier version showed reveals nothing new.
        published_before = any(_value(p, cell) == _value(versions[i], cell) for p in protected[:i])
        assert len(values) > 1 or published_before, f"v{i + 1} {cell} can be worked out from the versions: {values}"
    for cell in _cells(versions):
        for (i, early), (j, late) in itertools.combinations(enumerate(protected), 2):
            before, after = _value(early, cell), _value(late, cell)
            if is_hidden(before) and not is_hidden(after):
                assert after != _value(versions[i], cell), f"v{j + 1} shows {cell} hidden in v{i + 1}"
            if not is_hidden(before) and not is_hidden(after):
                assert not 0 < abs(after - before) < THRESHOLD, f"{cell} changed by {after - before}"
    return protected


def _nudge(rng, value, low=0):
    return max(low, value + rng.choice([0, 0, 0, 1, -1, 2, 3, -3, 5]))


def _next_version(rng, c_only, i_only, both, a):
    c_only, i_only, both = _nudge(rng, c_only), _nudge(rng, i_only), _nudge(rng, both)
    a = min(max(0, _nudge(rng, a)), c_only + both)
    unknown = rng.choice([0, 0, 1, 2]) if c_only + both - a >= 2 else 0
    return (c_only, i_only, both, a), unknown


def random_versions(rng, n):
    state = tuple(rng.choice([0, 1, 2, 3, 5, 6, 8]) for _ in range(3))
    state = (*state, rng.randint(0, state[0] + state[2]))
    versions, unknown = [figures_of(*state)], 0
    for _ in range(n - 1):
        state, unknown = _next_version(rng, *state)
        versions.append(figures_of(*state, unknown=unknown))
    return versions


# --- The example of the issue -------------------------------------------------------------------


def test_one_more_resident_without_a_neighbourhood_cannot_be_subtracted():
    # v1: 38 residents; v2: 39, the new one under "Wijk onbekend". Subtracting gave "one resident".
    v1 = figures_of(18, 20, 20, 20)
    v2 = figures_of(19, 20, 20, 20, unknown=1)
    p1, p2 = assert_versions_safe([v1, v2])
    assert p1["residents_collective"] == 38
    assert p2["by_neighbourhood"][""] == "<5"
    assert p2["residents_collective"] == SECONDARY  # 38 -> 39 is a change of one resident
    assert is_hidden(p2["residents_total"])


def test_a_change_of_five_or_more_and_no_change_are_shown():
    v1 = figures_of(18, 20, 20, 20)
    p1, p2 = publish([v1, figures_of(18, 20, 25, 25)])
    assert (p2["residents_both"], p2["residents_collective"]) == (25, 43)
    assert p2["residents_individual_only"] == p1["residents_individual_only"] == 20


def test_a_cell_hidden_before_stays_hidden_unless_its_new_value_proves_a_large_change():
    # v1 hides both (3) and collective_only (x); v2 has the same collective_only: showing it would
    # give v1's value back, so it stays hidden even though v2's both (6) is shown.
    v1 = figures_of(27, 20, 3, 10)
    p1 = protect(v1, counting_kinds=KINDS)
    assert p1["residents_both"] == "<5" and is_hidden(p1["residents_collective_only"])
    v2 = figures_of(27, 20, 9, 10)
    p2 = protect(v2, counting_kinds=KINDS, published=[p1])
    assert is_hidden(p2["residents_collective_only"])
    assert_versions_safe([v1, v2])
    # A cell in no sum: "<5" (1..4) -> 9 proves a change of at least 5 and is shown; 8 does not.
    assert protect(make(walk_ins=9), counting_kinds=KINDS, published=[{"walk_ins": "<5"}])["walk_ins"] == 9
    assert protect(make(walk_ins=8), counting_kinds=KINDS, published=[{"walk_ins": "<5"}])["walk_ins"] == SECONDARY
    assert protect(make(walk_ins=0), counting_kinds=KINDS, published=[{"walk_ins": "x"}])["walk_ins"] == 0


def test_a_published_value_the_new_version_hides_again_counts_as_known():
    # Both versions show collective 30: hiding it in v2 hides nothing, so it is not counted as secret.
    v1 = figures_of(10, 20, 20, 15)
    p1, p2 = publish([v1, figures_of(10, 20, 20, 15)])
    assert p1 == p2


def test_group_rows_are_matched_by_group_not_by_position():
    first = make(kinds={"support": 2, "meet": 0, "youth": 0}, groups=[("support", 10, 6), ("support", 20, 6)])
    second = make(kinds={"support": 2, "meet": 0, "youth": 0}, groups=[("support", 20, 6), ("support", 10, 6)])
    # Same groups, other order (ids 2 and 1): nothing changed, nothing is hidden.
    for row, group_id in zip(second["participants_per_group"], (2, 1), strict=True):
        row["group_id"] = group_id
    p1 = protect(first, counting_kinds=KINDS)
    p2 = protect(second, counting_kinds=KINDS, published=[p1])
    assert [row["participants"] for row in p2["participants_per_group"]] == [20, 10]
    # Group 2 grows by 2: its row is hidden.
    second["participants_per_group"][0]["participants"] = 22
    p2 = protect(second, counting_kinds=KINDS, published=[p1])
    assert p2["participants_per_group"][0]["participants"] == SECONDARY


def test_trend_rows_follow_every_earlier_publication_of_their_period():
    rows = [{"label": "2024Q1", "start": "", "end": "", "residents_collective": 40, "sessions_held": 12},
            {"label": "2024Q2", "start": "", "end": "", "residents_collective": 52, "sessions_held": 12},
            {"label": "2024Q3", "start": "", "end": "", "residents_collective": 60, "sessions_held": 12}]
    published = {
        "2024Q1": [{"residents_collective": 38}],  # a late registration of 2 residents
        "2024Q2": [{"residents_collective": "x"}],  # hidden then: stays hidden
        "2024Q3": [{"residents_collective": 60}],  # unchanged
    }
    result = protect_trend(rows, published=published, counting_kinds=KINDS)
    assert [row["residents_collective"] for row in result] == [SECONDARY, SECONDARY, 60]
    assert [row["sessions_held"] for row in result] == [12, 12, 12]


def test_last_year_column_follows_the_earlier_last_year_column():
    last_year_v1 = {"residents_collective": 30, "residents_both": 10, "residents_collective_only": 20}
    raw = make(c_only=20, i_only=5, both=11)
    result = protect(raw, counting_kinds=KINDS, published=[last_year_v1])
    assert result["residents_collective"] == SECONDARY and result["residents_both"] == SECONDARY


# --- Brute force ----------------------------------------------------------------------------------


def test_random_pairs_of_versions_never_give_a_cell_back():
    rng = random.Random(20241231)
    for _ in range(100):
        assert_versions_safe(random_versions(rng, 2))


def test_random_triples_of_versions_never_give_a_cell_back():
    # The shown cells and relations of three versions; small cells are not merged here (known
    # limit, docs/kpi.md: over three versions of only small counts, a reader who guesses right
    # that several "<5" cells did not change can pin one of them down).
    rng = random.Random(20250101)
    for _ in range(60):
        assert_versions_safe(random_versions(rng, 3), merge_small=False)


def test_every_small_change_of_one_cell_is_safe():
    # Every version 2 that differs from version 1 in one resident count by -4..+6.
    base = (9, 6, 5, 6)
    for position, delta in itertools.product(range(3), range(-4, 7)):
        state = list(base)
        state[position] = max(0, state[position] + delta)
        state[3] = min(state[3], state[0] + state[2])
        assert_versions_safe([figures_of(*base), figures_of(*state)])
        for key in RESIDENT_KEYS:
            assert key in protect(figures_of(*state), counting_kinds=KINDS)
