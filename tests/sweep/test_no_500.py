"""Nothing a user types gives a 500: every URL of the project, as every persona, with ids of the
user's own team, of another team and past 64 bits, garbage query strings, and POSTs that are
empty or have every field filled with garbage (also as htmx requests).

Exceptions are not swallowed: the test client re-raises them, so a failure shows the traceback.
"""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

from .helpers import (
    FLAVOURS,
    FLAVOURS_BY_KIND,
    STATE_FIELDS,
    all_routes,
    fill,
    forms_on,
    garbage_post,
    garbage_queries,
    garbage_value,
    variants_for,
)

# The colleague has exactly the worker's access, so the wide sweep leaves them out (they are in
# the audit test); everyone else is swept.
PERSONAS = ["worker", "outsider", "coordinator", "municipality_user", "administrator"]
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "participant-results", "HTTP_HX_CURRENT_URL": "/"}


def harvest_forms(client, world, routes=None, variants=("own",)) -> dict[str, tuple[str, str, dict, dict]]:
    """Every form the client's user sees on the pages of ``routes`` in ``variants``, by the view that receives
    it (so POST-only views such as ``consent_add`` are found on the page that shows their form):
    ``{view name: (method, action path, {field name: input kind}, baseline values)}``."""
    found = {view: ("post", "", dict.fromkeys(names, ""), {}) for view, names in STATE_FIELDS.items()}
    for route in routes or all_routes():
        for variant in variants if route.params else ("none",):
            path = fill(route, variant, world.ids)
            response = client.get(path)
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                for view, method, action, kinds, values in forms_on(response.content.decode(), path):
                    previous = found.get(view, (method, "", {}, {}))
                    found[view] = (method, action, {**previous[2], **kinds}, {**previous[3], **values})
            body(response)
    return found


def body(response) -> bytes:
    """The content; a streamed file is read to the end, which also closes it the test client's way
    (``response.close()`` itself would close the test's database connection)."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def _check(response, method, path, persona):
    status = response.status_code
    body(response)
    assert status < 500, f"{method} {path} as {persona}: {status}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_url_answers_500_to_garbage(persona, world, administrator, client_for):
    """Every URL and id variant: GET with garbage query strings, POST empty and all-garbage."""
    forms = harvest_forms(client_for(administrator, client=Client()), world)
    routes = all_routes()
    queries = garbage_queries(world)
    # The outsider's own objects are team B's; everyone else's are team A's.
    home, foreign = ("other", "own") if persona == "outsider" else ("own", "other")
    foreign_ids = f"{foreign}_ids"
    client = client_for(persona)

    for route in routes:
        for variant in variants_for(route):
            path = fill(route, variant, world.ids)
            _check(client.get(f"{path}?{queries['typed']}"), "GET", path, persona)
            if variant in (home, "none"):
                for key in ("other_ids", "long"):
                    _check(client.get(f"{path}?{queries[key]}"), "GET", f"{path}?<{key}>", persona)
                _check(client.get(f"{path}?{queries['typed']}", **HTMX), "GET htmx", path, persona)

    # Deleting (and logging out) last, so that the other forms still find their objects.
    for route in sorted(routes, key=lambda r: r.is_delete):
        names = forms.get(route.name, ("post", "", {}, {}))[2]
        for variant in variants_for(route):
            path = fill(route, variant, world.ids)
            posts = [] if variant == "huger" else [({}, {})]
            if variant in (home, "none"):
                posts += [(garbage_post(names, flavour, world), {}) for flavour in ("text", foreign_ids)]
                posts += [(garbage_post(names, "text", world), HTMX)]
            elif variant in (foreign, "mixed"):
                posts += [(garbage_post(names, foreign_ids, world), {})]
            for data, headers in posts:
                _check(client.post(path, data, **headers), "POST", path, persona)
                if route.name == "logout":
                    client_for(persona)


# Area: (persona, which routes, which id variants show its forms: a draft report is "mixed").
AREAS = {
    "participants": ("worker", lambda r: r.namespace == "participants", ("own",)),
    "groups": ("worker", lambda r: r.namespace == "groups", ("own",)),
    "pathway": ("worker", lambda r: r.namespace == "pathway", ("own",)),
    "outcomes": ("worker", lambda r: r.namespace == "outcomes", ("own",)),
    "reporting": ("coordinator", lambda r: r.namespace == "reporting", ("own", "mixed")),
    "core": ("administrator", lambda r: r.namespace in ("", "importer") and r.name != "logout", ("own",)),
}


@pytest.mark.parametrize("area", AREAS)
def test_no_form_answers_500_when_one_field_is_garbage(area, world, client_for):
    """Each form with plausible values, and one field at a time replaced by each kind of garbage,
    so that the garbage reaches the code behind a form that is otherwise valid."""
    persona, wanted, variants = AREAS[area]
    client = client_for(persona)
    routes = [r for r in all_routes() if wanted(r)]
    forms = harvest_forms(client, world, routes, variants)
    names_in_area = {r.name for r in routes}
    checked = 0
    for view, (method, action, kinds, baseline) in sorted(forms.items()):
        if view not in names_in_area or not action or not kinds or view.endswith("_delete"):
            continue
        checked += 1
        send = client.get if method == "get" else client.post
        baseline = {**baseline, **BASELINE.get(view, lambda w: {})(world)}
        _check(send(action, baseline), f"{method} baseline", action, persona)
        _check(send(action, baseline, **HTMX), f"{method} htmx baseline", action, persona)
        for name in sorted({**kinds, **dict.fromkeys(EXTRA_KEYS.get(view, ()), "")}):
            for flavour in FLAVOURS_BY_KIND.get(kinds.get(name, ""), FLAVOURS):
                data = {**baseline, name: garbage_value(flavour, name, world)}
                _check(send(action, data), f"{method} {name}={flavour}", action, persona)
    assert checked >= 2, f"no forms found in {area}"


# Keys a form reads that are not fields of the page: another team's resident on the roll call,
# a duplicate choice, an id past 64 bits.
EXTRA_KEYS = {
    "groups:session_create": {"walkin-match", "att-abc", "att-99999999999999999999"},
    "groups:session_edit": {"walkin-match", "att-abc"},
    "groups:enrol": {"participant"},
}
# Values a page cannot offer by itself: a resident to enrol comes from the search results.
BASELINE = {
    "groups:enrol": lambda world: {"participant": world.a.loner.pk},
    "participants:create": lambda world: {"consent_registration": "on"},
    "password_change": lambda world: {
        "old_password": PASSWORD, "new_password1": "Nieuw-wachtwoord-2024", "new_password2": "Nieuw-wachtwoord-2024",
    },
}


def test_anonymous_visitor_gets_no_500_anywhere(world, client):
    """Public pages (login, password reset, language switch, healthz) and the login redirect of
    every other page, with garbage; a redirect too long to be safe is Django's 400, not a 500."""
    queries = garbage_queries(world)
    names = ["username", "password", "email", "language", "next", "new_password1", "new_password2"]
    for route in all_routes():
        path = fill(route, "own" if route.params else "none", world.ids)
        for query in ("typed", "other_ids", "long"):
            _check(client.get(f"{path}?{queries[query]}"), "GET", path, "anonymous")
        for data in ({}, garbage_post(names, "text", world), garbage_post(names, "long", world)):
            _check(client.post(path, data), "POST", path, "anonymous")
            _check(client.post(path, data, **HTMX), "POST htmx", path, "anonymous")


GARBAGE_CSV = {
    "participants.csv": (
        "external_id,first_name,last_name,birth_date,postcode,neighbourhood,municipality,team\n"
        "P1,Zwaan,Quir,2024-02-30,ZZZZ,Wijk,Leeuwarden,Noord\n"
        f"{'P' * 500},{'x' * 10_000},y,1980-01-01,8921 AB,{'n' * 300},Leeuwarden,Noord\n"
        "P3,'\"<script>,y,99999-01-01,8921AB,Wijk,,\n"
        "P4,a,b,1980-01-01,8921AB\n"
        "\"unterminated,a,b\n"
    ),
    "groups.csv": (
        "external_id,name,kind,theme,life_domains,framework,municipality,team,neighbourhood,start_date,end_date,"
        "status\n"
        "G1,Groep,zzz,t,financien;nonsense;;,wmo,Leeuwarden,Noord,,2024-01-01,2023-01-01,flying\n"
        "G2,Groep,support,t,,,Leeuwarden,Noord,,0001-01-01,,running\n"
    ),
    "enrolments.csv": (
        "participant,group,start_date,end_date,end_reason\nP1,G1,2024-01-01,2023-01-01,zzz\nP9,G9,x,y,z\n"
    ),
    "sessions.csv": (
        "external_id,group,date,start_time,duration_minutes,status,topic,head_count\n"
        "S1,G2,2024-02-06,25:99,99999999999999999999,held,t,-1\n"
        "S2,G2,2024-02-06,10:00,-5,zzz,t,NaN\n"
        "S3,G2,2024-02-06,10:00,90,held,t,99999999999999999999\n"
    ),
    "attendance.csv": "session,participant,status\nS1,P1,zzz\nS3,P2,present\n,,\n",
    "individual_support.csv": (
        "participant,product,framework,start_date,end_date\nP1,x,zzz,2024-13-01,\nP2,y,wmo,2024-01-01,2023-01-01\n"
    ),
}


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1", "utf-16", "nul"])
def test_import_of_garbage_files_never_answers_500(encoding, administrator, client_for, db, settings, tmp_path):
    """Upload, preview and confirm CSV files full of mistakes, in the wrong encoding or binary."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    client = client_for(administrator)
    files = []
    for name, text in GARBAGE_CSV.items():
        content = (text + "Zwaantje,é,ü\n").encode(encoding) if encoding != "nul" else text.encode() + b"\x00\xff"
        files.append(SimpleUploadedFile(name, content, content_type="text/csv"))
    files.append(SimpleUploadedFile("../../etc/passwd.csv", b"x", content_type="text/csv"))
    _check(client.post("/importeren/", {"files": files}), "POST upload", "/importeren/", "administrator")
    # Without the stray file the upload is accepted and goes to the preview.
    files = [SimpleUploadedFile(f.name, _content(f), content_type="text/csv")
             for f in files[:-1]]
    response = client.post("/importeren/", {"files": files})
    assert response.status_code == 302, response.status_code
    _check(client.get("/importeren/controleren/"), "GET preview", "/importeren/controleren/", "administrator")
    token = client.session.get("import_upload_token", "")
    for data in ({"token": token}, {"token": "zz\x00"}, {}):
        _check(client.post("/importeren/bevestigen/", data), "POST confirm", "/importeren/bevestigen/", "administrator")
    _check(client.post("/importeren/annuleren/"), "POST cancel", "/importeren/annuleren/", "administrator")


def _content(upload):
    upload.seek(0)
    return upload.read()


def test_walk_in_with_any_duplicate_choice_never_answers_500(world, worker, client_for):
    """A walk-in like an existing resident offers the matches; whatever comes back as the choice."""
    client = client_for(worker)
    person = world.a.people[0]
    path = f"/collectieven/{world.a.group.pk}/bijeenkomsten/nieuw/"
    other, own = str(world.b.people[0].pk), str(person.pk)
    choices = ["", "abc", "-1", "0", "99999999999999999999", "2147483648", "\x00", other, "new", own]
    for day, match in enumerate(choices):
        data = {
            "date": f"2024-09-{day + 2:02d}", "start_time": "10:00", "duration_minutes": "90", "status": "held",
            "head_count": "0", "walkin-first_name": person.first_name, "walkin-last_name": person.last_name,
            "walkin-birth_date": person.birth_date.isoformat(), "walkin-postcode": person.postcode,
            "walkin-consent_registration": "on", "walkin-match": match,
        }
        _check(client.post(path, data, **HTMX), f"POST htmx walkin-match={match!r}", path, "worker")
        _check(client.post(path, data), f"POST walkin-match={match!r}", path, "worker")


@pytest.mark.django_db
def test_admin_index_changelists_and_add_pages_open_for_the_administrator(client_for, administrator):
    client = client_for(administrator)
    assert client.get("/beheer/").status_code == 200
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
        response = client.get(add)
        # Append-only or generated rows (the audit log, reports) have no add page by design.
        expected = 200 if model_admin.has_add_permission(_request(administrator)) else 403
        assert response.status_code == expected, add


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/beheer/")
    request.user = user
    return request
