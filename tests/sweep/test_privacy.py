"""Privacy across the whole app: the municipality sees no registration page and no name, the
outsider sees nothing of team A, and every page with a resident's personal data is audited."""

import csv
import io
import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from collectief.models import AuditEvent

from .conftest import TEAM_A_GROUP
from .helpers import all_routes, fill, garbage_post, garbage_queries, variants_for
from .test_no_500 import HTMX, body

REGISTRATION_NAMESPACES = {"participants", "groups", "importer"}
# The summary rows of the report's CSV (its ``code`` column).
CSV_SUMMARY_CODES = {
    "residents_collective", "residents_individual", "residents_both", "residents_collective_only",
    "residents_individual_only", "residents_total", "groups_active", "sessions_held", "attendance_rate", "walk_ins",
    "new_groups", "groups_handed_over",
}


def text_of(response) -> str:
    """What a reader sees: the page, or the text of a PDF, or the CSV."""
    content = body(response)
    if response.get("Content-Type", "").startswith("application/pdf"):
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return content.decode("utf-8", errors="replace")


def leaked(text: str, names) -> list[str]:
    return [name for name in names if re.search(re.escape(name), text, re.IGNORECASE)]


def sweep_gets(client, world, queries):
    """GET every URL in every id variant with each query string, following redirects."""
    for route in all_routes():
        for variant in variants_for(route):
            path = fill(route, variant, world.ids)
            for query in queries:
                response = client.get(f"{path}?{query}" if query else path, follow=True)
                yield route, f"{path}?{query}", response


def test_municipality_user_gets_no_registration_page(world, municipality_user, client_for):
    client = client_for(municipality_user)
    checked, wrong = 0, []
    for route in all_routes():
        if route.namespace not in REGISTRATION_NAMESPACES and route.name != "home":
            continue
        for variant in variants_for(route):
            path = fill(route, variant, world.ids)
            for method, response in (("GET", client.get(path)), ("POST", client.post(path, {}))):
                checked += 1
                if route.name == "home":
                    # The start page sends a municipality contact on to the reports.
                    if (response.status_code, response.get("Location")) != (302, reverse("reporting:reports")):
                        wrong.append(f"{method} {path}: {response.status_code}")
                # Not their role: 403, decided before any id in the URL is looked up (so no 404) and
                # before the method is (so no 405 for a GET of a POST-only page).
                elif response.status_code != 403:
                    wrong.append(f"{method} {path}: {response.status_code}")
    assert checked > 50
    assert wrong == [], "\n".join(wrong)


def test_municipality_user_never_sees_a_participant_name(world, municipality_user, client_for):
    client = client_for(municipality_user)
    names = world.team_a_names + world.team_b_names
    queries = ["", garbage_queries(world)["typed"], urlencode({"q": "zwaan", "team": world.team_a.pk})]
    seen_pages = 0
    for _route, path, response in sweep_gets(client, world, queries):
        text = text_of(response)
        seen_pages += response.status_code == 200
        assert not leaked(text, names), f"{path} shows {leaked(text, names)}"
    assert seen_pages > 5

    # The downloads of the approved report are really there, and really free of names.
    reports = client.get(reverse("reporting:reports")).content.decode()
    assert reverse("reporting:report", args=[world.approved.pk]) in reports
    assert reverse("reporting:report", args=[world.draft.pk]) not in reports
    for name in ("reporting:report", "reporting:report_pdf", "reporting:report_csv"):
        response = client.get(reverse(name, args=[world.approved.pk]))
        assert response.status_code == 200, name
        text = text_of(response)
        assert "Leeuwarden" in text or name == "reporting:report_csv"
        assert not leaked(text, names), f"{name} shows {leaked(text, names)}"
    # The CSV holds the report's figures (not just a header): a row per figure, with the summary.
    csv_text = text_of(client.get(reverse("reporting:report_csv", args=[world.approved.pk])))
    rows = {(row[0], row[1]): row[3] for row in csv.reader(io.StringIO(csv_text.lstrip("\ufeff")), delimiter=";")}
    assert rows[("report", "municipality")] == "Leeuwarden"
    assert rows[("report", "quarter")] == world.approved.label
    assert {code for section, code in rows if section == "summary"} == CSV_SUMMARY_CODES
    # Small numbers are shown as "<5", never left out.
    assert rows[("summary", "residents_collective")] and rows[("summary", "sessions_held")]
    for name in ("reporting:report", "reporting:report_pdf", "reporting:report_csv"):
        assert client.get(reverse(name, args=[world.draft.pk])).status_code == 404
        assert client.get(reverse(name, args=[world.other_report.pk])).status_code == 404


def test_outsider_never_sees_team_a_names_or_groups(world, outsider, client_for):
    client = client_for(outsider)
    secrets = [*world.team_a_names, TEAM_A_GROUP]
    queries = [
        "",
        garbage_queries(world)["typed"],
        urlencode({"q": "zwaan", "team": world.team_a.pk, "neighbourhood": world.neighbourhood.pk,
                   "municipality": world.municipality.pk, "participant": world.ids["own"]["participant"]}),
        urlencode({"q": "quirijn"}),
    ]
    for _route, path, response in sweep_gets(client, world, queries):
        text = text_of(response)
        assert not leaked(text, secrets), f"{path} shows {leaked(text, secrets)}"
    # htmx fragments and forms posted with team A's ids on the outsider's own pages.
    for route in all_routes():
        if route.is_delete:
            continue
        path = fill(route, "other" if route.params else "none", world.ids)
        for response in (
            client.get(f"{path}?q=zwaan", **HTMX),
            client.post(path, garbage_post(["participant", "team", "neighbourhood", "group"], "own_ids", world)),
            client.post(path, garbage_post(["participant", "team", "neighbourhood", "group"], "own_ids", world),
                        **HTMX),
        ):
            text = text_of(response)
            assert not leaked(text, secrets), f"{path} shows {leaked(text, secrets)}"
            if route.name == "logout":
                client_for(outsider)


# (page, its arguments, the audited object type and id) for the pages that show a resident.
PERSONAL_PAGES = [
    ("participants:detail", lambda w: [w.ids["own"]["participant"]], "participants.participant", -1),
    ("groups:detail", lambda w: [w.ids["own"]["group"]], "groups.group", -1),
    ("groups:session_create", lambda w: [w.ids["own"]["group"]], "groups.group", -1),
    ("groups:session_edit", lambda w: [w.ids["own"]["group"], w.ids["own"]["session"]], "groups.session", -1),
    # Names the resident whose enrolment ends: audited as a view of that resident (was missing).
    ("groups:enrolment_end", lambda w: [w.ids["own"]["group"], w.ids["own"]["enrolment"]],
     "participants.participant", "participant"),
    # The weighing page of a help request: audited as a view of the resident it belongs to.
    ("pathway:request", lambda w: [w.ids["own"]["help_request"]], "participants.participant", "participant"),
    # Positive Health: audited as measurement.viewed against the resident.
    ("participants:positive_health", lambda w: [w.ids["own"]["participant"]], "participants.participant", -1),
]


@pytest.mark.parametrize("persona", ["worker", "colleague", "coordinator", "administrator"])
def test_every_page_with_personal_data_is_audited_as_a_view(persona, request, world, client_for):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    for name, args, object_type, object_id in PERSONAL_PAGES:
        args = args(world)
        object_id = args[-1] if object_id == -1 else world.ids["own"][object_id]
        before = AuditEvent.objects.filter(user=user, action=AuditEvent.Action.VIEW).count()
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
        events = AuditEvent.objects.filter(user=user, action=AuditEvent.Action.VIEW).order_by("-pk")
        assert events.count() == before + 1, name
        assert (events[0].object_type, events[0].object_id) == (object_type, str(object_id)), name

    # Generic: any page (or htmx fragment) that shows a team A name writes a view event.
    names = world.team_a_names
    for route in all_routes():
        if route.namespace not in ("participants", "groups", "pathway", "reporting", "offers", "") or route.is_delete:
            continue
        path = fill(route, "own" if route.params else "none", world.ids)
        for headers, query in (({}, ""), (HTMX, "?q=zwaan")):
            before = AuditEvent.objects.filter(user=user, action=AuditEvent.Action.VIEW).count()
            response = client.get(path + query, **headers)
            shown = response.status_code == 200 and leaked(text_of(response), names)
            if shown:
                after = AuditEvent.objects.filter(user=user, action=AuditEvent.Action.VIEW).count()
                assert after > before, f"GET {path}{query} shows {shown} but writes no view event"
