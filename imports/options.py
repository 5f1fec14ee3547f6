"""What an administrator allows an import to do beyond adding and updating rows.

One small object, made by the command (``--allow-new-places``, ``--allow-team-moves``), by the
browser's upload form (two checkboxes) and by the task (from the ``ImportRun`` row), and passed into
``engine.run_import``.

- ``allow_new_places``: create a municipality, team or neighbourhood even when its name looks like a
  typo of an existing one (``similar_name``), and, in the browser, create unknown municipalities and
  teams at all.
- ``allow_team_moves``: a participants.csv row may give an existing resident another team.
- ``from_browser``: the browser import. DESIGN.md's contract binds the command (unknown places are
  created), so there only look-alike names are refused; in the browser every unknown municipality
  and team needs ``allow_new_places``. It also decides whether messages name a flag or a checkbox.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from difflib import SequenceMatcher

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The checkboxes of the upload form; their labels are quoted in the messages of a browser import.
NEW_PLACES_LABEL = gettext_lazy("Allow creating new municipalities and teams")
TEAM_MOVES_LABEL = gettext_lazy("Allow moving participants to another team")

# A name is taken for a typo of another when difflib's ratio of the two (folded) names is at least
# NAME_RATIO and every word that differs is itself at least WORD_RATIO alike.
NAME_RATIO = 0.8
WORD_RATIO = 0.75


@dataclass(frozen=True)
class ImportOptions:
    allow_new_places: bool = False
    allow_team_moves: bool = False
    from_browser: bool = False

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> ImportOptions:
        data = data or {}
        return cls(**{name: bool(data.get(name)) for name in ("allow_new_places", "allow_team_moves", "from_browser")})

    def new_place_hint(self) -> str:
        if self.from_browser:
            return _("Tick “%(label)s” when you upload the files to create it anyway.") % {"label": NEW_PLACES_LABEL}
        return _("Use --allow-new-places to create it anyway.")

    def team_move_hint(self) -> str:
        if self.from_browser:
            return _("Tick “%(label)s” when you upload the files to move them anyway.") % {"label": TEAM_MOVES_LABEL}
        return _("Use --allow-team-moves to move them anyway.")


# --- Names that look like a typo of another -----------------------------------------------------


def fold(name: str) -> str:
    """Lower case, without accents, punctuation as spaces: ``Súdwest-Fryslân`` -> ``sudwest fryslan``."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return " ".join(re.split(r"[\W_]+", plain)).strip()


def _numbers(folded: str) -> list[str]:
    return re.findall(r"\d+", folded)


def _alike(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def looks_like_typo(name: str, other: str) -> bool:
    """True when ``name`` is probably a mistyped ``other`` (they are not equal ignoring case).

    ``Wijkteam Nord`` / ``Wijkteam Noord``, ``Leeuwarde`` / ``Leeuwarden`` and ``Huizum Oost`` /
    ``Huizum-Oost`` are typos; ``Wijkteam West`` / ``Wijkteam Oost`` (a whole word differs),
    ``Team 2`` / ``Team 1`` (another number) and ``Leeuwarden Oost`` / ``Leeuwarden`` (a word added)
    are different places.
    """
    a, b = fold(name), fold(other)
    if a == b:
        return True  # differs only in accents, punctuation or spacing
    if _numbers(a) != _numbers(b):
        return False
    words_a, words_b = a.split(), b.split()
    if len(words_a) == len(words_b):
        if any(x != y and _alike(x, y) < WORD_RATIO for x, y in zip(words_a, words_b, strict=True)):
            return False
    elif set(words_a) <= set(words_b) or set(words_b) <= set(words_a):
        return False  # one name is the other plus a word
    return _alike(a, b) >= NAME_RATIO


def similar_name(name: str, candidates) -> str | None:
    """The candidate ``name`` most probably is a typo of, or None."""
    best, best_ratio = None, 0.0
    for candidate in candidates:
        if looks_like_typo(name, candidate):
            ratio = _alike(fold(name), fold(candidate))
            if ratio > best_ratio:
                best, best_ratio = candidate, ratio
    return best
