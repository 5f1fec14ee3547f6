"""Who may see and do what: the one place that decides a user's teams, municipalities and roles.

All views, querysets (``for_user``), access-checked getters and the navigation ask this module
instead of looking at memberships, staff flags or municipality links themselves. The rules:

- *Not your role* (a municipality contact on a staff page, a social worker on the dashboard):
  403. A logged-in user with no role at all gets a 403 page that says an administrator must add
  them to a team.
- *Not your object* (another team's resident, another municipality's report): 404, exactly as
  for an object that does not exist, so that a URL never reveals whether something exists.

See docs/architecture.md for the table of roles and pages.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _


class Role(enum.StrEnum):
    SOCIAL_WORKER = "social_worker"
    COORDINATOR = "coordinator"
    MUNICIPALITY = "municipality"
    ADMINISTRATOR = "administrator"


# Who may use which part of the application.
REGISTRATION = frozenset({Role.SOCIAL_WORKER, Role.COORDINATOR, Role.ADMINISTRATOR})
REPORT_MANAGEMENT = frozenset({Role.COORDINATOR, Role.ADMINISTRATOR})
REPORT_READING = frozenset({Role.COORDINATOR, Role.ADMINISTRATOR, Role.MUNICIPALITY})
ADMINISTRATION = frozenset({Role.ADMINISTRATOR})

_CACHE_ATTRIBUTE = "_collectief_access"


@dataclass(frozen=True)
class Access:
    """What one user is: their roles, their teams and the municipalities they may report on."""

    roles: frozenset
    team_ids: frozenset
    coordinated_municipality_ids: frozenset
    municipality_id: int | None  # of a municipality contact
    coordinated_team_ids: frozenset = frozenset()  # teams in which the user is coordinator

    @property
    def is_administrator(self) -> bool:
        return Role.ADMINISTRATOR in self.roles

    def has_any(self, roles) -> bool:
        return bool(self.roles & set(roles))

    def team_q(self, path: str = "team") -> Q:
        """A filter that keeps rows whose team (reached by ``path``) is one of the user's.

        Administrators see every team; anyone without a team sees nothing.
        """
        if self.is_administrator:
            return Q()
        return Q(**{f"{path}__in": sorted(self.team_ids)}) if self.team_ids else Q(pk__in=[])

    def managed_municipality_q(self, path: str = "municipality") -> Q:
        """Rows of municipalities whose dashboard and reports the user manages."""
        if self.is_administrator:
            return Q()
        ids = sorted(self.coordinated_municipality_ids)
        return Q(**{f"{path}__in": ids}) if ids else Q(pk__in=[])


NOBODY = Access(frozenset(), frozenset(), frozenset(), None)


def access_for(user) -> Access:
    """The user's access, read once per user object (one small query) and kept on it."""
    if user is None or not user.is_authenticated:
        return NOBODY
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    # One query: the memberships and the municipality link, by LEFT JOINs from the user row.
    rows = get_user_model().objects.filter(pk=user.pk).values_list(
        "memberships__role", "memberships__team_id", "memberships__team__municipality_id",
        "municipality_access__municipality_id", "administrator_role__id",
    )
    roles, team_ids, coordinated, municipality_id = set(), set(), set(), None
    coordinated_teams = set()
    for role, team_id, team_municipality_id, contact_municipality_id, administrator_id in rows:
        if administrator_id is not None:
            # Functioneel beheerder is a role of its own; Django's staff flag opens nothing here.
            roles.add(Role.ADMINISTRATOR)
        if role:
            roles.add(Role(role))
            team_ids.add(team_id)
            if role == Role.COORDINATOR:
                coordinated.add(team_municipality_id)
                coordinated_teams.add(team_id)
        municipality_id = contact_municipality_id
    if municipality_id is not None:
        roles.add(Role.MUNICIPALITY)
    access = Access(
        frozenset(roles), frozenset(team_ids), frozenset(coordinated), municipality_id, frozenset(coordinated_teams)
    )
    setattr(user, _CACHE_ATTRIBUTE, access)
    return access


def forget(user) -> None:
    """Drop the cached access of a user object (after its memberships changed)."""
    if user is not None and hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


# --- Questions views and templates ask -----------------------------------------------------------


def is_administrator(user) -> bool:
    return access_for(user).is_administrator


def has_role(user, roles) -> bool:
    return access_for(user).has_any(roles)


def can_register(user) -> bool:
    """Social workers, coordinators and administrators work with residents and groups."""
    return has_role(user, REGISTRATION)


def can_manage_reports(user) -> bool:
    """Coordinators and administrators see dashboards and manage quarterly reports."""
    return has_role(user, REPORT_MANAGEMENT)


def coordinates_team(user, team_id) -> bool:
    """Administrators, and coordinators *of this team* (a social worker in one team may coordinate another)."""
    user_access = access_for(user)
    return user_access.is_administrator or team_id in user_access.coordinated_team_ids


def municipality_id_of(user) -> int | None:
    """The municipality of a municipality contact, or None."""
    return access_for(user).municipality_id


def is_municipality_contact_only(user) -> bool:
    """A municipality contact who has no staff role: sees aggregate reports, never a name."""
    return access_for(user).roles == {Role.MUNICIPALITY}


# --- Querysets -------------------------------------------------------------------------------------


def scope(queryset, user, path: str = "team"):
    """``queryset`` limited to rows whose team (at ``path``) is one of the user's."""
    access = access_for(user)
    if not access.roles:
        return queryset.none()
    return queryset.filter(access.team_q(path))


def get_for_user(queryset, user, path: str = "team", **lookup):
    """One object of ``queryset`` the user may see, found by ``lookup``; 404 otherwise."""
    return get_object_or_404(scope(queryset, user, path), **lookup)


def teams_for(user):
    from .models import Team

    return scope(Team.objects.all(), user, "pk")


def managed_municipalities(user):
    """Municipalities whose dashboard and reports the user manages (coordinators, administrators)."""
    from .models import Municipality

    access = access_for(user)
    if not access.has_any(REPORT_MANAGEMENT):
        return Municipality.objects.none()
    return Municipality.objects.filter(access.managed_municipality_q("pk"))


# --- Role checks for views -------------------------------------------------------------------------


def render_no_role(request):
    """403 page for a logged-in user without any role: an administrator must add them to a team."""
    return render(request, "no_role.html", status=403)


def role_required(roles):
    """View decorator: 403 unless the user has one of ``roles``.

    A user with no role at all gets the page that explains how to get one.
    """
    roles = frozenset(roles)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            access = access_for(request.user)
            if not access.roles:
                return render_no_role(request)
            if not access.has_any(roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_roles = roles
        return wrapper

    return decorator


registration_required = role_required(REGISTRATION)
report_management_required = role_required(REPORT_MANAGEMENT)
report_reading_required = role_required(REPORT_READING)
administrator_required = role_required(ADMINISTRATION)


def two_factor_required(view):
    """View decorator: the user logged in with a second factor (django-otp's ``is_verified()``).

    Without django-otp the user has no ``is_verified`` and the view opens as before; once its
    middleware is installed, an unverified user is sent to ``TWO_FACTOR_SETUP_URL`` (or the login
    page) with a message. Put it under the role check, so that a wrong role is still a 403.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        is_verified = getattr(request.user, "is_verified", None)
        if is_verified is None or is_verified():
            return view(request, *args, **kwargs)
        messages.warning(request, _("This page needs a login with your second factor (two-factor authentication)."))
        target = getattr(settings, "TWO_FACTOR_SETUP_URL", "") or settings.LOGIN_URL
        return redirect_to_login(request.get_full_path(), target)

    return wrapper


def navigation(user) -> dict:
    """Which menu entries fit the user's roles."""
    access = access_for(user)
    return {
        "registration": access.has_any(REGISTRATION),
        "dashboard": access.has_any(REPORT_MANAGEMENT),
        "reports": access.has_any(REPORT_READING),
        "admin": access.is_administrator,
    }
