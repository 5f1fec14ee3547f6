"""Small-number protection for every figure that leaves the organisation (PDF, CSV, municipality pages).

Rules (DESIGN.md "Small-number protection"; worked examples in docs/kpi.md). Which cells are
protected and which sums a reader could use are declared per KPI in ``reporting/metrics.py``.

1. Primary suppression: a count from 1 to threshold-1 (default ``settings.SMALL_NUMBER_THRESHOLD``
   = 5) becomes the string ``"<5"``. 0 stays 0 and counts >= threshold stay numbers.
2. Secondary suppression: no total or difference may give a suppressed cell back. For each
   linear relation between shown cells (``residents_total = collective_only + individual_only +
   both`` and the others declared in ``metrics.RELATIONS``), when exactly one cell of the
   relation is hidden, the smallest non-zero shown cell of it is hidden too (the total only
   when no part qualifies), repeated until nothing changes. Combinations of relations (e.g.
   total - collective = individual_only) are then checked with linear algebra and closed the
   same way. A cell hidden this way is shown as ``"x"`` (the CBS sign for "secret"): its real
   value is >= threshold, so writing "<5" would be false.
3. Percentages (overall and per-group attendance rate, target progress) become ``None`` when
   their numerator or denominator is hidden or rests on fewer than threshold residents.
4. Counts of groups and sessions are not counts of persons and are shown as they are
   (``protected=False`` in metrics.py); identities such as "the one active support group's
   participants = residents_collective" are relations too, so a shown group count never lets a
   reader work a hidden count of persons back. Should group counts be protected again, the
   per-group rows of a kind whose group count is hidden are left out (counting the rows would
   give the hidden number back).

5. Earlier publications (issue 9; docs/kpi.md rule 6): a reader who holds an earlier approved
   version of the same period (or another report that showed the same period's figures: its
   "last year" column or a trend row) can subtract. ``protect(..., published=[...])`` therefore also hides every cell
   whose change against a published value is 1 to threshold-1, and every non-zero cell that was
   hidden there unless its new value proves a change of at least the threshold (a cell shown
   again could otherwise give the hidden value back: a reader may assume it did not change).
   Such a cell is shown as ``"x"`` and secondary suppression treats it like a primary cell;
   a hidden cell whose value a published version already showed is known to the reader, so
   secondary suppression counts it as shown.

The input is never changed: ``protect`` returns a deep copy. Hidden values are always strings,
so a template can test ``value is a string`` (or use :func:`is_hidden`).
"""

import copy
from fractions import Fraction

from django.conf import settings

from . import metrics
from .kpi import counting_kinds as _counting_kinds

SECONDARY = "x"
# Kept visible by secondary suppression whenever another cell can be hidden instead.
HEADLINE = {(key,) for key in metrics.HEADLINE_KEYS}

# The KPIs whose count cells are protected, and the rates that rest on a count (metrics.py).
_PROTECTED = tuple(metric for metric in metrics.METRICS_LIST if metric.protected)
_RATES = tuple(metric for metric in metrics.METRICS_LIST if metric.kind == metrics.RATE and metric.rests_on)
# The figures of a trend row (kpi.trend).
_TREND_KEYS = ("residents_collective", "sessions_held")


def is_hidden(value) -> bool:
    """True for a suppressed value ("<5" or "x")."""
    return isinstance(value, str)


def _threshold(threshold: int | None) -> int:
    return settings.SMALL_NUMBER_THRESHOLD if threshold is None else threshold


def _is_small(value, threshold: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < threshold


# --- Cells and relations -------------------------------------------------------------------------
# A cell is a path into the figures dict, e.g. ("by_neighbourhood", "Bilgaard") or
# ("participants_per_group", 3, "sessions_held").


def _get(figures, path):
    for step in path:
        figures = figures[step]
    return figures


def _set(figures, path, value):
    for step in path[:-1]:
        figures = figures[step]
    figures[path[-1]] = value


def _metric_cells(figures: dict, metric: metrics.Metric) -> list[tuple]:
    """The count cells of one KPI: the value itself, every entry of a breakdown, or the
    protected fields (``metric.cells``) of every row of a table or of the target."""
    value = figures[metric.key]
    if metric.kind == metrics.COUNT:
        return [(metric.key,)]
    if metric.kind == metrics.BREAKDOWN:
        return [(metric.key, sub) for sub in value]
    if metric.kind == metrics.TABLE:
        return [(metric.key, i, name) for i in range(len(value)) for name in metric.cells]
    return [(metric.key, name) for name in metric.cells if name in (value or {})]


def _cells(figures: dict) -> list[tuple]:
    return [cell for metric in _PROTECTED if metric.key in figures for cell in _metric_cells(figures, metric)]


def _parts(figures: dict, relation: metrics.Relation, counting_kinds: set[str]) -> list[tuple]:
    """The cells that add up to ``relation.total``."""
    if relation.parts:
        return [(key,) for key in relation.parts]
    key, name, counting_only = relation.breakdown, relation.field, relation.counting_kinds_only
    value = figures.get(key) or {}
    if isinstance(value, list):  # a table: one field of every row (of a counting kind)
        return [(key, i, name) for i, row in enumerate(value) if not counting_only or row.get("kind") in counting_kinds]
    if name:  # one field of a dict (the target)
        return [(key, name)] if name in value else []
    return [(key, sub) for sub in value if not counting_only or sub in counting_kinds]


def _relations(figures: dict, counting_kinds: set[str]) -> list[tuple[tuple, list[tuple]]]:
    """The linear relations (total, parts) of metrics.RELATIONS between shown cells: total = sum(parts)."""
    relations = []
    for relation in metrics.RELATIONS:
        total, parts = (relation.total,), _parts(figures, relation, counting_kinds)
        if relation.when_equal:
            # Identities, one per part equal to the total (a zero total identifies nothing).
            value = figures.get(relation.total)
            relations.extend((total, [p]) for p in parts if value and _get(figures, p) == value)
        elif parts:
            relations.append((total, parts))
    return relations


def _rank(rows: list[list[Fraction]]) -> int:
    """Rank of a small matrix over the rationals (Gaussian elimination)."""
    rows = [list(r) for r in rows if any(r)]
    rank, width = 0, len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][col] != 0:
                factor = rows[r][col] / rows[rank][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def _linked(relations) -> list[list]:
    """Groups of relations that share cells, with two or more relations each.

    A relation on its own is fully handled by the one-hidden-cell rule; only relations that
    share cells can be combined, and keeping the groups small keeps the rank checks cheap
    (the per-group sessions relation can have thousands of cells).
    """
    groups: list[tuple[set, list]] = []
    for relation in relations:
        cells = {relation[0], *relation[1]}
        merged = [g for g in groups if g[0] & cells]
        for g in merged:
            groups.remove(g)
            cells |= g[0]
        groups.append((cells, [r for g in merged for r in g[1]] + [relation]))
    return [rels for _cells, rels in groups if len(rels) > 1]


def _derivable(relations, hidden: set) -> list[tuple]:
    """Hidden cells that some combination of relations pins down exactly.

    A hidden cell i is derivable iff the unit vector e_i lies in the row space of the relation
    matrix restricted to the hidden columns, i.e. iff dropping column i lowers its rank.
    """
    columns = sorted({c for total, parts in relations for c in (total, *parts) if c in hidden}, key=repr)
    if not columns:
        return []
    index = {c: j for j, c in enumerate(columns)}
    matrix = []
    for total, parts in relations:
        row = [Fraction(0)] * len(columns)
        for cell, sign in [(total, -1)] + [(p, 1) for p in parts]:
            if cell in index:
                row[index[cell]] += sign
        matrix.append(row)
    full = _rank(matrix)
    found = []
    for j, cell in enumerate(columns):
        if _rank([row[:j] + row[j + 1:] for row in matrix]) < full:
            found.append(cell)
    return found


def _suppress_one_more(figures, relation, hidden: set) -> bool:
    """Hide the smallest non-zero shown part of the relation, else its total; False if none left.

    residents_collective, the contracted KPI, is hidden only when no other cell can be.
    """
    total, parts = relation

    def shown(cells):
        return [c for c in cells if c not in hidden and _get(figures, c) != 0]

    # Within a tier the smallest value goes first; ties keep the listed order (min is stable),
    # so the result is deterministic.
    tiers = [
        [p for p in parts if p not in HEADLINE],
        [total] if total not in HEADLINE else [],
        [p for p in parts if p in HEADLINE],
        [total] if total in HEADLINE else [],
    ]
    for tier in tiers:
        if candidates := shown(tier):
            hidden.add(min(candidates, key=lambda c: _get(figures, c)))
            return True
    return False


def _pinned_by_bounds(figures, relations, hidden: set, primary: set, threshold: int) -> list[tuple]:
    """Hidden cells whose value follows from what the markers say about them.

    "<5" tells a reader 1..4 and "x" tells them >= 5 (else it would read "<5"); with a shown
    total that can leave one value: total 6 = "<5" + "x" means 1 + 5. Interval propagation over
    the relations finds such cells.
    """
    inf = float("inf")
    cells = {c for total, parts in relations for c in (total, *parts)}
    low, high = {}, {}
    for c in cells:
        if c not in hidden:
            low[c] = high[c] = _get(figures, c)
        elif c in primary:
            low[c], high[c] = 1, threshold - 1
        else:
            low[c], high[c] = threshold, inf
    for _round in range(100):  # tightening converges fast on these small systems; cap it anyway
        changed = False
        for total, parts in relations:
            # Sums over the parts once per relation (a relation can have thousands of parts);
            # unbounded highs are counted apart, since inf - inf is undefined.
            sum_low = sum(low[p] for p in parts)
            finite_high = sum(high[p] for p in parts if high[p] != inf)
            unbounded = sum(high[p] == inf for p in parts)
            bounds = {total: (sum_low, inf if unbounded else finite_high)}
            for p in parts:
                if high[p] == inf:
                    others_high = inf if unbounded > 1 else finite_high
                else:
                    others_high = inf if unbounded else finite_high - high[p]
                bounds[p] = (low[total] - others_high, high[total] - (sum_low - low[p]))
            for c, (lo, hi) in bounds.items():
                if lo > low[c]:
                    low[c], changed = lo, True
                if hi < high[c]:
                    high[c], changed = hi, True
        if not changed:
            break
    return sorted((c for c in cells & hidden if low[c] == high[c]), key=repr)


def _secondary(figures, relations, hidden: set, primary: set, threshold: int, known=frozenset()) -> None:
    """Hide more cells until no hidden cell can be worked out; ``known`` hidden cells are ones a
    reader already knows from an earlier publication: for the arithmetic they count as shown."""

    def close(cells) -> bool:
        """Hide one more cell next to the first of ``cells`` that a reader could work out."""
        for cell in cells:
            for relation in relations:
                if cell in (relation[0], *relation[1]) and _suppress_one_more(figures, relation, hidden):
                    return True
        return False

    changed = True
    while changed:
        changed = False
        # The literal rule: a relation with exactly one hidden cell gives that cell back. (Counted
        # afresh for every relation: hiding a cell for one relation changes the next one's count.)
        for relation in relations:
            total, parts = relation
            if sum(cell in hidden and cell not in known for cell in (total, *parts)) == 1:
                changed |= _suppress_one_more(figures, relation, hidden)
        if changed:
            continue
        secret = hidden - known  # what a reader does not know
        # Combinations of relations (sums and differences) that still pin a hidden cell down.
        changed = close([c for group in _linked(relations) for c in _derivable(group, secret)])
        if changed:
            continue
        # What the markers themselves reveal (1..4 for "<5", 5 or more for "x").
        changed = close(_pinned_by_bounds(figures, relations, secret, primary, threshold))


# --- Earlier publications (rule 5) ----------------------------------------------------------------


def _stable(figures: dict, cell: tuple) -> tuple:
    """A cell's name across versions: a table row by its group id, not by its position."""
    if len(cell) == 3 and isinstance(cell[1], int):
        row = figures[cell[0]][cell[1]]
        return (cell[0], ("group", row.get("group_id")), cell[2])
    return cell


def _published_cells(published: dict) -> dict:
    """{stable cell: published value} of a protected KPI set (or a part of one, such as a report's
    "last year" column): the KPIs it holds, with their cells; a breakdown or table published
    without a cell means 0 there (rows of zero are left out)."""
    cells = {}
    for metric in _PROTECTED:
        if metric.key in published and published[metric.key] is not None:
            for cell in _metric_cells(published, metric):
                cells[_stable(published, cell)] = _get(published, cell)
    return {"keys": {key for key in published}, "cells": cells}


def _interval(value, threshold: int) -> tuple:
    """What a published value tells a reader: exactly it, 1..N-1 for "<N", N or more for "x"."""
    if not isinstance(value, str):
        return value, value
    if value.startswith("<") and value[1:].isdigit():
        return 1, int(value[1:]) - 1
    return threshold, float("inf")


def _earlier_value(earlier: dict, key: tuple):
    """The value an earlier publication gave a cell; None when it did not publish that KPI."""
    if key in earlier["cells"]:
        return earlier["cells"][key]
    return 0 if key[0] in earlier["keys"] and len(key) > 1 else None


def _changed_since(figures: dict, cell: tuple, earlier: list[dict], threshold: int) -> bool:
    """Would showing this non-zero cell let a reader work out a change of 1..threshold-1, or a
    value hidden before, by comparing it with an earlier publication?"""
    value = _get(figures, cell)
    if not value:  # a zero is always shown: it reveals nobody
        return False
    key = _stable(figures, cell)
    for published in earlier:
        before = _earlier_value(published, key)
        if before is None:
            continue
        low, high = _interval(before, threshold)
        if low == high:
            if 0 < abs(value - low) < threshold:
                return True
        elif not (value - low <= -threshold or value - high >= threshold):
            # Hidden before: unless the new value proves a large change, showing it may give the
            # old value back (a reader can assume it did not change).
            return True
    return False


def _known_before(figures: dict, cell: tuple, earlier: list[dict]) -> bool:
    """An earlier publication showed exactly this value: hiding it now hides nothing."""
    value, key = _get(figures, cell), _stable(figures, cell)
    return any(_earlier_value(p, key) == value and not is_hidden(_earlier_value(p, key)) for p in earlier)


def protect(figures: dict, threshold: int | None = None, *, counting_kinds=None, published=()) -> dict:
    """Return a copy of a compute_kpis result that is safe to leave the organisation.

    ``counting_kinds`` are the group kinds that count for the KPI (default: read from GroupKind).
    ``published``: the protected KPI sets (or parts of them) of the same period that have left
    the organisation before, e.g. the earlier approved versions of a quarter (rule 5).
    """
    threshold = _threshold(threshold)
    counting_kinds = set(_counting_kinds() if counting_kinds is None else counting_kinds)
    raw = figures
    result = copy.deepcopy(figures)

    cells = _cells(raw)
    primary = {c for c in cells if _is_small(_get(raw, c), threshold)}
    earlier = [_published_cells(p) for p in published]
    hidden = primary | {c for c in cells if c not in primary and _changed_since(raw, c, earlier, threshold)}
    known = {c for c in cells if _known_before(raw, c, earlier)}
    _secondary(raw, _relations(raw, counting_kinds), hidden, primary, threshold, known)
    for cell in hidden:
        _set(result, cell, f"<{threshold}" if cell in primary else SECONDARY)

    # Percentages: only from enough residents and from shown numbers.
    for rate in _RATES:
        base = raw.get(rate.rests_on)
        if rate.key in result and not (
            isinstance(base, int) and base >= threshold and (rate.rests_on,) not in hidden
        ):
            result[rate.key] = None
    for row in result.get("participants_per_group", []):
        if not (isinstance(row["participants"], int) and row["participants"] >= threshold):
            row["attendance_rate"] = None
    if "target" in result and is_hidden(result["target"].get("residents_collective_ytd")):
        result["target"]["progress"] = None

    # The number of rows of a kind equals its group count: leave the rows out when it is hidden.
    by_kind = result.get("groups_active_by_kind", {})
    if "participants_per_group" in result:
        result["participants_per_group"] = [
            row for row in result["participants_per_group"] if not is_hidden(by_kind.get(row["kind"]))
        ]
    return result


def protect_trend(rows: list[dict], threshold: int | None = None, *, figures: dict | None = None,
                  label: str | None = None, reported: dict[str, dict] | None = None,
                  counting_kinds=None, published: dict[str, list[dict]] | None = None) -> list[dict]:
    """Return a protected copy of ``trend`` rows (residents_collective and sessions_held).

    Rows of different periods share no total, so only primary suppression applies, except for
    periods that are also published in full: pass their unprotected KPI sets as
    ``reported={label: figures}`` (or one as ``figures`` + ``label``), and a value hidden there
    (also by secondary suppression) is hidden in its trend row as well. ``published`` maps a
    period label to what earlier publications showed of that period (rule 5): a row value whose
    change against one of them is 1..threshold-1, or that was hidden there, is hidden ("x").
    """
    threshold = _threshold(threshold)
    reported = dict(reported or {})
    published = published or {}
    if figures is not None and label is not None:
        reported[label] = figures
    result = copy.deepcopy(rows)
    keys = [key for key in _TREND_KEYS if metrics.get(key).protected]  # sessions are shown as they are
    for row in result:
        earlier = [_published_cells(p) for p in published.get(row.get("label"), ())]
        for key in keys:
            if _is_small(row.get(key), threshold):
                row[key] = f"<{threshold}"
            elif isinstance(row.get(key), int) and _changed_since(row, (key,), earlier, threshold):
                row[key] = SECONDARY
    if reported and counting_kinds is None:
        counting_kinds = set(_counting_kinds())
    for period_label, raw in reported.items():
        protected = protect(raw, threshold, counting_kinds=counting_kinds,
                            published=published.get(period_label, ()))
        for row in result:
            if row.get("label") == period_label:
                for key in keys:
                    if is_hidden(protected.get(key)) and row.get(key) == raw.get(key):
                        row[key] = protected[key]
    return result
