"""The lookups every file shares, written once: code lists, references by external id, places.

One ``Lookups`` object lives for one import run (inside its transaction). Tables are read with one
query per ``LOOKUP_CHUNK`` ids, never one per row.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _

from collectief.models import Municipality, Neighbourhood, Team, log_event

from .options import ImportOptions, similar_name

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


def municipalities_of(model, ids, path: str = "team__municipality") -> dict[int, tuple[int, str]]:
    """``{pk: (municipality id, municipality name)}`` of participants or groups (by their team)."""
    found = {}
    for chunk in chunks(pk for pk in ids if pk):
        query = model.objects.filter(pk__in=chunk).order_by().values_list("pk", f"{path}_id", f"{path}__name")
        found.update({pk: (municipality_id, name) for pk, municipality_id, name in query})
    return found


def _of(places: dict, municipality) -> list:
    """The teams or neighbourhoods (``{(municipality id, name): object}``) of one municipality."""
    return [place for (municipality_id, _key), place in places.items() if municipality_id == municipality.pk]


class Lookups:
    def __init__(self, *, user, result, referable: dict, options: ImportOptions | None = None):
        self.user, self.result = user, result
        self.options = options or ImportOptions()
        # kind ("participant") -> the file spec whose rows other files refer to by external id.
        self.specs = referable
        self._codes: dict = {}
        self._ids: dict[str, dict[str, int]] = {}
        # External ids of rows that had errors, so references to them get a precise message.
        self.failed: dict[str, dict[str, tuple[str, int]]] = {kind: {} for kind in referable}
        self._places_loaded = False
        self._suggestions: dict[tuple, str | None] = {}

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

    # --- Municipalities, teams, neighbourhoods ------------------------------------------------
    # A known name (any case) is reused. An unknown one is created, unless it looks like a typo of
    # a known one (the same municipality's teams and neighbourhoods; all municipalities) or, in the
    # browser, it is a municipality or team: those are refused unless ``options.allow_new_places``.

    def _load_places(self):
        # Small tables: read them once, match names without regard to case.
        self.municipalities = {m.name.lower(): m for m in Municipality.objects.all()}
        self.teams = {(t.municipality_id, t.name.lower()): t for t in Team.objects.all()}
        self.teams_by_pk = {t.pk: t for t in self.teams.values()}
        self.neighbourhoods = {(n.municipality_id, n.name.lower()): n for n in Neighbourhood.objects.all()}
        self._places_loaded = True

    def _created(self, obj, note: str, row) -> None:
        self._suggestions.clear()  # a new place may be what a later unknown name looks like
        log_event(self.user, "import.created", obj, {"file": row.result.name, "line": row.line})
        self.result.created_places.append(note)

    def _refused(self, row, column: str, messages: tuple, params: dict, candidates: list) -> bool:
        """Record why a new place may not be created (True), or allow it (False).

        ``messages``: (unknown, unknown with a suggestion), formatted with ``params`` (``name``, and
        ``municipality`` for a team or neighbourhood) and ``match``, the known name it looks like.
        Only municipalities and teams (not neighbourhoods) need permission in the browser.
        """
        if self.options.allow_new_places:
            return False
        key = (column, params.get("municipality"), params["name"].lower())
        if key not in self._suggestions:  # many rows may repeat one unknown name
            self._suggestions[key] = similar_name(params["name"], [place.name for place in candidates])
        match = self._suggestions[key]
        if match is None and not (self.options.from_browser and column != "neighbourhood"):
            return False
        unknown, suggestion = messages
        text = (suggestion if match else unknown) % {**params, "match": match}
        row.error(column, f"{text} {self.options.new_place_hint()}")
        return True

    def municipality(self, name: str, row) -> Municipality | None:
        municipality = self.municipalities.get(name.lower())
        if municipality is None:
            messages = (
                _("Unknown municipality '%(name)s'."),
                _("Unknown municipality '%(name)s'; did you mean '%(match)s'?"),
            )
            if self._refused(row, "municipality", messages, {"name": name}, list(self.municipalities.values())):
                return None
            municipality = self.municipalities[name.lower()] = Municipality.objects.create(name=name)
            self._created(municipality, _("New municipality: %(name)s") % {"name": name}, row)
        return municipality

    def team(self, municipality, name: str, row) -> Team | None:
        key = (municipality.pk, name.lower())
        team = self.teams.get(key)
        if team is None:
            messages = (
                _("Unknown team '%(name)s' in %(municipality)s."),
                _("Unknown team '%(name)s'; did you mean '%(match)s'?"),
            )
            params = {"name": name, "municipality": municipality.name}
            if self._refused(row, "team", messages, params, _of(self.teams, municipality)):
                return None
            team = self.teams[key] = Team.objects.create(municipality=municipality, name=name)
            self.teams_by_pk[team.pk] = team
            note = _("New team: %(name)s (%(municipality)s)") % {"name": name, "municipality": municipality.name}
            self._created(team, note, row)
        return team

    def neighbourhood(self, municipality, name: str, row) -> Neighbourhood | None:
        if not name:
            return None
        key = (municipality.pk, name.lower())
        neighbourhood = self.neighbourhoods.get(key)
        if neighbourhood is None:
            messages = (
                _("Unknown neighbourhood '%(name)s'."),
                _("Unknown neighbourhood '%(name)s'; did you mean '%(match)s'?"),
            )
            params = {"name": name, "municipality": municipality.name}
            if self._refused(row, "neighbourhood", messages, params, _of(self.neighbourhoods, municipality)):
                return None
            neighbourhood = self.neighbourhoods[key] = Neighbourhood.objects.create(
                municipality=municipality, name=name
            )
            note = _("New neighbourhood: %(name)s (%(municipality)s)") % {
                "name": name, "municipality": municipality.name,
            }
            self._created(neighbourhood, note, row)
        return neighbourhood

    def municipality_places(self, row, municipality: str, neighbourhood: str):
        """Municipality and neighbourhood (ids) by name, for files without a team; (None, None) when refused."""
        if not self._places_loaded:
            self._load_places()
        found = self.municipality(municipality, row)
        if found is None:
            return None, None
        neighbourhood_obj = self.neighbourhood(found, neighbourhood, row)
        return found.pk, neighbourhood_obj.pk if neighbourhood_obj else None

    def places(self, row, municipality: str, team: str, neighbourhood: str):
        """Team and neighbourhood (ids) of a row's municipality; (None, None) when refused."""
        if not self._places_loaded:
            self._load_places()
        found = self.municipality(municipality, row)
        if found is None:
            return None, None
        team_obj = self.team(found, team, row)
        neighbourhood_obj = self.neighbourhood(found, neighbourhood, row)
        return (team_obj.pk if team_obj else None), (neighbourhood_obj.pk if neighbourhood_obj else None)

    def team_name(self, team_id: int) -> str:
        """``Wijkteam Noord (Leeuwarden)`` for a team id."""
        if not self._places_loaded:
            self._load_places()
        team = self.teams_by_pk[team_id]
        municipality = next(m for m in self.municipalities.values() if m.pk == team.municipality_id)
        return f"{team.name} ({municipality.name})"
