"""The sweep's machinery: every URL pattern of the project, filled with ids of the right kind,
the garbage that users (and attackers) type, and the form fields that pages offer."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

from django.urls import Resolver404, get_resolver, resolve

PARAM_RE = re.compile(r"<(?:(\w+):)?(\w+)>")
HUGE_IDS = {"huge": 2147483648, "huger": 99999999999999999999}
NUL_TEXT = "zzz'\"<script>alert(1)</script>\x00"
LONG = "x" * 10_000


@dataclass(frozen=True)
class Route:
    name: str  # "participants:change_wish_edit"
    route: str  # "deelnemers/<int:pk>/veranderwens/<int:item_pk>/"
    defaults: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def namespace(self) -> str:
        return self.name.split(":")[0] if ":" in self.name else ""

    @property
    def params(self) -> list[tuple[str, str]]:
        return [(conv or "str", name) for conv, name in PARAM_RE.findall(self.route)]

    def kind(self, param: str) -> str:
        """What kind of object an ``<int:...>`` parameter names."""
        if param == "pk" and self.namespace == "offers":
            return "partner" if self.name.startswith("offers:partner") else "offer"
        if param == "pk":
            return {
                "participants": "participant", "groups": "group", "reporting": "report", "pathway": "help_request",
            }[self.namespace]
        if param == "item_pk":
            return self.defaults.get("section", "change_wish")
        return {"enrolment_pk": "enrolment", "session_pk": "session", "group_pk": "group", "story_pk": "story",
                "measurement_pk": "measurement", "municipality_pk": "municipality", "offer_pk": "offer",
                "signup_pk": "signup", "participant_pk": "participant", "referral_pk": "referral"}[param]

    @property
    def is_delete(self) -> bool:
        return self.name.endswith("_delete") or self.name in {"logout", "importer:cancel"}


def all_routes(include_admin: bool = False) -> list[Route]:
    """Every URL pattern of the project (the admin's only on request)."""
    found = []

    def walk(patterns, prefix="", namespace=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if hasattr(p, "url_patterns"):
                ns = f"{namespace}:{p.namespace}".strip(":") if p.namespace else namespace
                walk(p.url_patterns, route, ns)
            else:
                name = f"{namespace}:{p.name}".strip(":") if p.name else route
                found.append(Route(name, route, dict(p.default_args)))

    walk(get_resolver().url_patterns)
    if include_admin:
        return found
    return [r for r in found if not r.route.startswith("beheer/") and r.namespace != "admin"]


def variants_for(route: Route) -> list[str]:
    if not route.params:
        return ["none"]
    if all(conv != "int" for conv, _ in route.params):
        return ["own", "other"]
    names = ["own", "other", "huge", "huger"]
    if len(route.params) > 1 or route.namespace == "reporting":
        names.append("mixed")
    return names


def fill(route: Route, variant: str, ids: dict) -> str:
    """The path of ``route`` with parameters for ``variant``.

    own / other: objects of team A / team B; huge / huger: ids past 32 and 64 bits; mixed: the
    outer object of team A with an inner one of team B (for reports: the draft of team A's
    municipality).
    """
    values = {}
    for index, (conv, name) in enumerate(route.params):
        if conv != "int":
            values[name] = {"own": {"uidb64": "MQ", "token": "set-password"}}.get(variant, {}).get(name, "zz-9")
            continue
        if variant in HUGE_IDS:
            values[name] = HUGE_IDS[variant]
            continue
        kind = route.kind(name)
        if variant == "mixed":
            side = "draft" if kind == "report" else ("own" if index == 0 else "other")
        else:
            side = variant
        values[name] = ids[side][kind]
    return "/" + PARAM_RE.sub(lambda m: str(values[m.group(2)]), route.route)


def garbage_queries(world) -> dict[str, str]:
    """Query strings no page expects: broken numbers and dates, NUL bytes, other teams' ids."""
    b = world.ids["other"]
    return {
        "typed": "page=zzz&period=2024Q9&municipality=abc&team=-1&start=31-02-2024&end=2024-02-30"
                 "&q=%00'\"<script>&date=2024-02-30&status=zzz&kind=%00&neighbourhood=x&life_domain=zz&poll=1",
        "other_ids": urlencode({
            "page": "99999999999999999999", "period": "custom", "start": "2024-03-01", "end": "2023-01-01",
            "kind": "99999999999999999999", "life_domain": "-1", "status": "inactive",
            "municipality": world.other_municipality.pk, "team": world.team_b.pk,
            "neighbourhood": world.other_neighbourhood.pk, "q": "Ottoline", "date": "99999-01-01",
            "participant": b["participant"], "group": b["group"], "next": "//evil.example/",
        }),
        "long": urlencode({key: LONG for key in ("page", "period", "municipality", "team", "q", "start", "date")}),
    }


def garbage_value(flavour: str, name: str, world) -> str:
    """One garbage value for the form field ``name``."""
    if flavour not in ("other_ids", "own_ids"):
        return {
            "text": NUL_TEXT,
            "bad_iso_date": "2024-02-30",
            "bad_nl_date": "31-02-2024",
            "long": LONG,
            "negative": "-1",
            "huge": "99999999999999999999",
            "nan": "NaN",
            "past": "0001-01-01",
            "far_future": "99999-12-31",
            "bad_time": "25:99",
        }[flavour]
    # other_ids: team B's objects (for everyone but the outsider); own_ids: team A's (for the outsider).
    side = "own" if flavour == "own_ids" else "other"
    b = world.ids[side]
    places = {
        "other": (world.team_b, world.other_neighbourhood, world.other_municipality, world.outsider),
        "own": (world.team_a, world.neighbourhood, world.municipality, world.worker),
    }[side]
    for key, value in (
        ("participant", b["participant"]),
        ("match", b["participant"]),
        ("team", places[0].pk),
        ("neighbourhood", places[1].pk),
        ("municipality", places[2].pk),
        ("facilitators", places[3].pk),
        ("group", b["group"]),
        ("session", b["session"]),
        ("partner", b["partner"]),
        ("offer", b["offer"]),
        ("owner", places[3].pk),
    ):
        if key in name:
            return str(value)
    return str(b["participant"])


FLAVOURS = [
    "text", "bad_iso_date", "bad_nl_date", "long", "negative", "huge", "nan", "past", "far_future", "bad_time",
    "other_ids",
]
# The garbage worth trying per kind of input (a date field gets broken dates, a number field
# broken numbers); a key the page does not show gets everything.
FLAVOURS_BY_KIND = {
    "date": ["bad_iso_date", "past", "far_future", "text"],
    "time": ["bad_time", "text"],
    "number": ["negative", "huge", "text"],
    "select": ["other_ids", "huge", "text"],
    "radio": ["other_ids", "huge", "text"],
    "checkbox": ["other_ids", "text"],
    "text": ["text", "long"],
    "textarea": ["text", "long"],
    "email": ["text", "long"],
    "password": ["text", "long"],
    "hidden": ["text", "huge", "long", "other_ids"],
}


def garbage_post(names, flavour: str, world) -> dict:
    data = {name: garbage_value(flavour, name, world) for name in names}
    # The roll call reads att-<participant id> keys; add ones for nobody, for another team's
    # resident and past 64 bits, and always a walk-in block and a duplicate choice.
    other = world.ids["own" if flavour == "own_ids" else "other"]["participant"]
    data.update({
        "att-abc": "present",
        f"att-{other}": "present",
        "att-99999999999999999999": "absent",
        f"att-{world.ids['own']['participant']}": garbage_value(flavour, "status", world),
        "walkin-match": garbage_value(flavour, "match", world),
    })
    for name in ("first_name", "last_name", "birth_date", "postcode"):
        data.setdefault(f"walkin-{name}", garbage_value(flavour, name, world))
    return data


# Fields a page shows only in some states (search results, a draft report, a pending upload).
STATE_FIELDS = {
    "groups:enrol": {"participant"},
    "reporting:report_note": {"note"},
    "reporting:report_approve": {"sha256"},
    "importer:confirm": {"token"},
    "login": {"username", "password"},
}


# A plausible value for an empty field, by input type, so that a baseline form is mostly valid.
PLAUSIBLE = {"date": "2024-03-05", "time": "10:00", "number": "6", "email": "proef@example.org", "text": "Proef"}


class _FormParser(HTMLParser):
    """Collects, per form, its action, method, field names and a baseline of plausible values."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self._current = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = {"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower(),
                             "names": set(), "values": {}, "kinds": {}}
            self.forms.append(self._current)
            return
        form, name = self._current, attrs.get("name")
        if form is None:
            return
        if tag == "option" and self._select is not None:
            # The selected option, else the first real one (not the empty "---------").
            value = attrs.get("value", "")
            values = form["values"]
            if value and ("selected" in attrs or not values.get(self._select)):
                values[self._select] = value
            return
        if tag not in {"input", "select", "textarea", "button"} or not name:
            return
        form["names"].add(name)
        kind = tag if tag in {"select", "textarea"} else (attrs.get("type") or "text").lower()
        form["kinds"][name] = kind
        if tag == "select":
            self._select = name
        elif tag == "textarea":
            self._textarea = name
            form["values"].setdefault(name, "Proef")
        elif kind in {"checkbox", "radio"}:
            if "checked" in attrs or (kind == "radio" and name not in form["values"]):
                form["values"][name] = attrs.get("value", "on")
        elif kind not in {"submit", "button", "file"}:
            # An empty optional field stays empty: a made-up end date could clash with the start.
            default = PLAUSIBLE.get(kind, "Proef") if "required" in attrs else ""
            form["values"][name] = attrs.get("value") or default

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_on(html: str, page_path: str) -> list[tuple[str, str, str, dict, dict]]:
    """(view name, method, path of the action, {field name: input kind}, baseline values) for every
    form on a page."""
    parser = _FormParser()
    parser.feed(html)
    result = []
    for form in parser.forms:
        path = urlsplit(form["action"]).path or page_path
        try:
            view = resolve(path).view_name
        except Resolver404:
            continue
        names = {n for n in form["names"] if n != "csrfmiddlewaretoken"}
        values = {n: v for n, v in form["values"].items() if n in names}
        kinds = {n: form["kinds"].get(n, "") for n in names}
        result.append((view, form["method"], path, kinds, values))
    return result
