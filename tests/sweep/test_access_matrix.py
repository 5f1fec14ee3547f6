"""The access matrix, generated from the URL configuration: every URL × every persona.

A new URL is covered automatically. For each one the expected answer follows from the rules in
``collectief/access.py`` (see docs/architecture.md):

- anonymous: the login page, except for the few public pages;
- no role at all (a user without a team, staff without a role): 403 on every page that needs a role;
- the wrong role: 403, before any object is looked up (so the answer reveals no ids);
- the right role, an object of someone else's team or municipality: 404;
- the right role and the user's own object: the page (or a redirect, or 405 for a POST-only action).

And no page a persona may open shows a name of a resident outside that persona's teams; a
municipality contact sees no resident's name at all.
"""

import pytest
from django.urls import resolve

from collectief.access import REPORT_MANAGEMENT, Role
from collectief.models import Membership, MunicipalityUser
from tests.factories import MembershipFactory, UserFactory

from .helpers import all_routes, fill
from .test_privacy import leaked, text_of

# Pages that answer 404 when there is nothing to show yet, whoever asks (a draft without a PDF,
# no import run in this session).
NOTHING_YET = {"reporting:report_pdf", "reporting:report_csv", "importer:status", "offers:flyer_pdf"}
# Pages any logged-in user may open; every other page declares the roles it needs.
ANY_USER = {"home", "landing", "password_change", "password_change_done"}
PUBLIC = {"login", "password_reset", "password_reset_done", "password_reset_confirm", "password_reset_complete",
          "set_language", "healthz", "logout"}
PUBLIC |= {"service_worker"}  # /sw.js: the offline roll call's service worker, no personal data
# Public pages named by a token (the survey link residents open without an account): an unknown
# token gets a friendly 404 page, for everyone.
PUBLIC_BY_TOKEN = {"outcomes:public_survey", "outcomes:public_thanks"}
PUBLIC |= PUBLIC_BY_TOKEN
# The group finder for residents (/aanbod/, offers/views_public.py): no login; an offer that is not
# public in the municipality named is a friendly 404, for everyone.
PUBLIC |= {"offers:finder", "offers:finder_municipality", "offers:public_offer", "offers:signup",
           "offers:signup_thanks"}


def _personas(world, request):
    """name -> (user or None, the sides whose residents and groups they may see, their roles)."""
    two_teams = UserFactory(username="coordinator-twee-teams")
    MembershipFactory(user=two_teams, team=world.team_a, role=Membership.Role.COORDINATOR)
    MembershipFactory(user=two_teams, team=world.team_b, role=Membership.Role.COORDINATOR)
    other_contact = UserFactory(username="gemeente-heerenveen")
    MunicipalityUser.objects.create(user=other_contact, municipality=world.other_municipality)
    return {
        "anonymous": (None, set(), set()),
        "no_team": (UserFactory(username="zonder-team"), set(), set()),
        "staff_without_role": (request.getfixturevalue("staff_without_role"), set(), set()),
        "own_team": (world.worker, {"own"}, {Role.SOCIAL_WORKER}),
        "other_team": (world.outsider, {"other"}, {Role.SOCIAL_WORKER}),
        "one_team_coordinator": (request.getfixturevalue("coordinator"), {"own"}, {Role.COORDINATOR}),
        "two_team_coordinator": (two_teams, {"own", "other"}, {Role.COORDINATOR}),
        "other_municipality": (other_contact, set(), {Role.MUNICIPALITY}),
        "administrator": (request.getfixturevalue("administrator"), {"own", "other"}, {Role.ADMINISTRATOR}),
    }


def _visible(route, variant, sides, roles, world) -> bool:
    """Whether the object the URL names is the persona's to see."""
    if route.namespace != "reporting":
        return variant in sides
    if Role.ADMINISTRATOR in roles:
        return True
    if roles & REPORT_MANAGEMENT:
        # Reports of the municipalities of the teams they coordinate.
        municipalities = {"own": world.municipality.pk, "other": world.other_municipality.pk}
        return variant in sides and municipalities[variant] in {m for m in municipalities.values()}
    return False  # a municipality contact of Heerenveen: only its approved reports (none here)


def _expected(route, variant, user, sides, roles, world) -> set[int]:
    callback = resolve(fill(route, variant, world.ids)).func
    required = getattr(callback, "required_roles", None)
    if user is None:
        if route.name in PUBLIC_BY_TOKEN:
            return {404}
        return {200, 302, 405} if route.name in PUBLIC else {302}
    if required is None:
        # Two-factor set-up and verification are for every logged-in user (collectief/two_factor.py).
        assert route.name in PUBLIC | ANY_USER or route.namespace == "two_factor", (
            f"{route.name} declares no role (collectief.access decorators)"
        )
        return set()  # start, landing, account pages: decided in the view, only "no 500" here
    if not roles or not roles & required:
        return {403}
    if route.params and not _visible(route, variant, sides, roles, world):
        return {404}
    return {200, 302, 405} | ({404} if route.name in NOTHING_YET else set())


@pytest.mark.parametrize(
    "persona",
    ["anonymous", "no_team", "staff_without_role", "own_team", "other_team", "one_team_coordinator",
     "two_team_coordinator", "other_municipality", "administrator"],
)
def test_every_url_answers_every_persona_as_the_access_rules_say(persona, world, client, request):
    user, sides, roles = _personas(world, request)[persona]
    if user is not None:
        client.force_login(user)
    foreign = set(world.team_a_names + world.team_b_names)
    allowed_names = set()
    if "own" in sides:
        allowed_names |= set(world.team_a_names)
    if "other" in sides:
        allowed_names |= set(world.team_b_names)
    failures = []
    for route in all_routes():
        if route.is_delete:
            continue
        for variant in (["own", "other"] if route.params and any(c == "int" for c, _ in route.params) else ["none"]):
            if variant != "none" and route.namespace not in (
                "participants", "groups", "reporting", "pathway", "outcomes", "offers",
            ):
                continue
            path = fill(route, variant, world.ids)
            response = client.get(path)
            status = response.status_code
            expected = _expected(route, variant, user, sides, roles, world)
            if status == 405 and expected == {404}:
                # A POST-only action checks the method first: post nothing, the object stays unseen.
                response = client.post(path)
                status = response.status_code
            if status >= 500 or (expected and status not in expected):
                failures.append(f"{persona} GET {path} ({route.name}): {status}, expected {sorted(expected)}")
                continue
            if status == 200 and "text/html" in response.get("Content-Type", ""):
                names = leaked(text_of(response), foreign - allowed_names)
                if names:
                    failures.append(f"{persona} GET {path} shows names of residents not theirs: {names}")
    assert not failures, "\n".join(failures)
