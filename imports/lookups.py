"""The lookups every file shares, written once: code lists, references by external id, places.

One ``Lookups`` object lives for one import run (inside its transaction). Tables are read with one
query per ``LOOKUP_CHUNK`` ids, never one per row.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _

from collectief.models import Municipality, Neighbourhood, Team, log_event

LOOKUP_CHUNK = 20_000


def chunks(values, size: int = LOOKUP_CHUNK):
    values = sorted(set(values))
    for start in range(0, len(values), size):
        yield values[start : start + size]


def by_external_id(model, external_ids) -> dict:
    """``{external id: object}`` for the given ids."""
    found = {}
    for chunk in chunks(e for e in external_ids if e):
        found.update({obj.external_id: obj for obj in model.objects.filter(external_id__in=chunk)})
    return found


class Lookups:
    def __init__(self, *, user, result, referable: dict):
        self.user, self.result = user, result
        # kind ("participant") -> the file spec whose rows other files refer to by external id.
        self.specs = referable
        self._codes: dict = {}
        self._ids: dict[str, dict[str, int]] = {}
        # External ids of rows that had errors, so references to them get a precise message.
        self.failed: dict[str, dict[str, tuple[str, int]]] = {kind: {} for kind in referable}
        self._places_loaded = False

    # --- Code lists and choices ----------------------------------------------------------------

    def codes(self, source) -> list[str]:
        """The allowed codes: of a code-list model (read once per run) or of a choices class."""
        if isinstance(source, type) and issubclass(source, models.Choices):
            return list(source.values)
        if source not in self._codes:
            self._codes[source] = list(source.objects.values_list("code", flat=True))
        return self._codes[source]

    # --- References by external id -----------------------------------------------------------

    def load_references(self, kind: str, external_ids) -> None:
        """Read the ids of the referenced rows of one file: earlier files of this run included."""
        model = self.specs[kind].model
        found = {}
        for chunk in chunks(e for e in external_ids if e):
            found.update(model.objects.filter(external_id__in=chunk).values_list("external_id", "pk"))
        self._ids[kind] = found

    def reference(self, kind: str, external_id: str) -> int | None:
        return self._ids.get(kind, {}).get(external_id)

    def mark_failed(self, referable, external_id: str, file: str, line: int) -> None:
        """Remember a bad row's external id, so that references to it say where the bad row is."""
        if referable is not None and external_id:
            self.failed[referable.kind].setdefault(external_id, (file, line))

    def reference_error(self, kind: str, value: str) -> str:
        referable = self.specs[kind].referable
        failed = self.failed[kind].get(value)
        if failed:
            return str(referable.failed) % {"value": value, "file": failed[0], "line": failed[1]}
        return str(referable.unknown) % {"value": value}

    # --- Municipalities, teams, neighbourhoods (created when unknown) ---------------------------

    def _load_places(self):
        # Small tables: read them once, match names without regard to case.
        self.municipalities = {m.name.lower(): m for m in Municipality.objects.all()}
        self.teams = {(t.municipality_id, t.name.lower()): t for t in Team.objects.all()}
        self.neighbourhoods = {(n.municipality_id, n.name.lower()): n for n in Neighbourhood.objects.all()}
        self._places_loaded = True

    def _created(self, obj, note: str, row) -> None:
        log_event(self.user, "import.created", obj, {"file": row.result.name, "line": row.line})
        self.result.created_places.append(note)

    def municipality(self, name: str, row) -> Municipality:
        municipality = self.municipalities.get(name.lower())
        if municipality is None:
            municipality = self.municipalities[name.lower()] = Municipality.objects.create(name=name)
            self._created(municipality, _("New municipality: %(name)s") % {"name": name}, row)
        return municipality

    def team(self, municipality, name: str, row) -> Team:
        key = (municipality.pk, name.lower())
        team = self.teams.get(key)
        if team is None:
            team = self.teams[key] = Team.objects.create(municipality=municipality, name=name)
            note = _("New team: %(name)s (%(municipality)s)") % {"name": name, "municipality": municipality.name}
            self._created(team, note, row)
        return team

    def neighbourhood(self, municipality, name: str, row) -> Neighbourhood | None:
        if not name:
            return None
        key = (municipality.pk, name.lower())
        neighbourhood = self.neighbourhoods.get(key)
        if neighbourhood is None:
            neighbourhood = self.neighbourhoods[key] = Neighbourhood.objects.create(
                municipality=municipality, name=name
            )
            note = _("New neighbourhood: %(name)s (%(municipality)s)") % {
                "name": name, "municipality": municipality.name,
            }
            self._created(neighbourhood, note, row)
        return neighbourhood

    def municipality_places(self, row, municipality: str, neighbourhood: str):
        """Municipality and neighbourhood (ids) by name, created when unknown; for files without a team."""
        if not self._places_loaded:
            self._load_places()
        found = self.municipality(municipality, row)
        neighbourhood_obj = self.neighbourhood(found, neighbourhood, row)
        return found.pk, neighbourhood_obj.pk if neighbourhood_obj else None

    def places(self, row, municipality: str, team: str, neighbourhood: str):
        """Team and neighbourhood (ids) of a row's municipality, created when unknown."""
        if not self._places_loaded:
            self._load_places()
        found = self.municipality(municipality, row)
        team_obj = self.team(found, team, row)
        neighbourhood_obj = self.neighbourhood(found, neighbourhood, row)
        return team_obj.pk, neighbourhood_obj.pk if neighbourhood_obj else None
