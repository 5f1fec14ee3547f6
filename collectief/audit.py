"""The audit event types: every event name is declared here with its action.

``log_event`` refuses a name that is not declared, so a typo or a new event without a decision
about its action is a programming error found by the tests, not a silent guess. Names read like
``participant.updated``: the object, then what happened to it.

Which residents an event is about (NEN 7513: "wiens gegevens") is kept in
``AuditEvent.participant_ids``, an indexed array column. ``log_event`` fills it from the object
(a participant, or anything with a ``participant_id``) and from the data key
``participant_ids``, which ``residents_shown(ids)`` builds: every page that shows residents'
names passes the ids of the residents on screen, ids only, never a name.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .access import REPORT_MANAGEMENT

VIEW, CREATE, UPDATE, DELETE, EXPORT = "view", "create", "update", "delete", "export"

ACTIONS = {
    VIEW: _("view"),
    CREATE: _("create"),
    UPDATE: _("update"),
    DELETE: _("delete"),
    EXPORT: _("export"),
}

EVENTS: dict[str, str] = {}


def declare(name: str, action: str) -> None:
    """Declare an event type; declaring the same name twice with another action is an error."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r} for {name!r}")
    if EVENTS.get(name, action) != action:
        raise ValueError(f"Audit event {name!r} is already declared as {EVENTS[name]!r}")
    EVENTS[name] = action


def action_of(name: str) -> str:
    try:
        return EVENTS[name]
    except KeyError:
        raise LookupError(f"Undeclared audit event {name!r}: declare it in collectief/audit.py") from None


# NEN 7513: keep the trail at least five years. Read here; nothing deletes audit rows yet.
DEFAULT_RETENTION_YEARS = 5
RESIDENTS_KEY = "participant_ids"
PARTICIPANT_LABEL = "participants.participant"
# Who sees "wie heeft dit dossier bekeken" on a resident's page: coordinators and administrators.
DOSSIER_READERS = REPORT_MANAGEMENT
DOSSIER_VIEWS_SHOWN = 20


def retention_years() -> int:
    """How long audit events are kept at least (setting ``AUDIT_RETENTION_YEARS``, default 5)."""
    from django.conf import settings

    return int(getattr(settings, "AUDIT_RETENTION_YEARS", DEFAULT_RETENTION_YEARS))


def residents_shown(ids) -> dict:
    """The event data naming the residents a page showed or a change touched: ids only.

    ``log_event(user, "group.viewed", group, {"page": "detail", **residents_shown(ids)})``;
    log_event also copies the ids into the indexed ``participant_ids`` column.
    """
    return {RESIDENTS_KEY: sorted({int(pk) for pk in ids if pk is not None})}


def _declare_crud(obj: str, *, view: bool = False):
    declare(f"{obj}.created", CREATE)
    declare(f"{obj}.updated", UPDATE)
    declare(f"{obj}.deleted", DELETE)
    if view:
        declare(f"{obj}.viewed", VIEW)


# Residents and what they bring.
_declare_crud("participant", view=True)
declare("participant_list.viewed", VIEW)
_declare_crud("consent", view=True)
_declare_crud("change_wish", view=True)
_declare_crud("help_request", view=True)
_declare_crud("individual_support", view=True)
_declare_crud("measurement", view=True)
# Rights of residents and retention (AVG art. 15 and 17): export, erasure as anonymisation.
declare("participant.exported", EXPORT)
declare("participant.erased", DELETE)  # the personal data are removed; the anonymous row stays
declare("erasure_request.created", CREATE)
declare("erasure_request.updated", UPDATE)  # a proposal of the retention task taken over by a coordinator
declare("erasure_request.cancelled", UPDATE)
declare("retention.applied", UPDATE)
# Groups, enrolments, sessions, attendance.
_declare_crud("group", view=True)
_declare_crud("enrolment", view=True)
_declare_crud("session", view=True)
_declare_crud("attendance", view=True)
_declare_crud("contributor")
# The path from help request to group: the waiting list, series, status history and hand-over.
_declare_crud("interest", view=True)
_declare_crud("group_status")
_declare_crud("hand_over")
_declare_crud("group_check")
declare("help_request_queue.viewed", VIEW)
declare("bundling_board.viewed", VIEW)
# Outcomes: stories (anonymous survey responses are not personal data, but their entry is logged).
_declare_crud("story", view=True)
_declare_crud("survey_response")
_declare_crud("survey_link")
# The offer (issue 13): offers and partners hold no personal data but their changes are logged;
# sign-ups from the public finder and referrals are personal data.
_declare_crud("offer", view=True)
_declare_crud("partner")
_declare_crud("signup", view=True)
_declare_crud("referral", view=True)
declare("flyer.generated", UPDATE)
# Who may do what: roles are granted and taken away in the admin.
_declare_crud("administrator", view=True)
_declare_crud("membership", view=True)
_declare_crud("municipality_user", view=True)
_declare_crud("team", view=True)  # its members and their roles are edited on the team's admin page
_declare_crud("user", view=True)
_declare_crud("permission_group", view=True)  # Django's auth groups: permission sets in /beheer/
# Admin pages: a list (which rows were on the page) and an action run on selected rows.
declare("admin_list.viewed", VIEW)
declare("admin_action.run", UPDATE)
# The registry import: one event per file (created when it created rows, else updated).
declare("import.created", CREATE)
declare("import.updated", UPDATE)
declare("import.viewed", VIEW)
# Quarterly reports.
declare("report.created", CREATE)
declare("report.generated", UPDATE)
declare("report.updated", UPDATE)
declare("report.approved", UPDATE)
declare("report.exported", EXPORT)
declare("report.viewed", VIEW)
declare("report.deleted", DELETE)  # a draft, in the admin
# The audit log itself: reading it (the viewer, the admin list) and exporting it.
declare("audit.viewed", VIEW)
declare("audit.exported", EXPORT)


# --- "Wie heeft dit dossier bekeken": the last views of one resident ----------------------------------

# What a coordinator reads as "which page": by event and page first, then by event alone.
PAGE_LABELS = {
    ("participant.viewed", "detail"): _("Resident's page"),
    ("participant.viewed", "enrol_search"): _("Search on the enrol page"),
    ("participant.viewed", "enrolment_end"): _("End of an enrolment"),
    ("group.viewed", "enrol"): _("Enrol page of a group"),
    ("group.viewed", "session_form"): _("Roll call"),
    ("session.viewed", "session_form"): _("Roll call"),
    ("interest.viewed", "start"): _("Start page: waiting longer than 4 weeks"),
    ("group.viewed", "hand_over"): _("Hand-over of a group"),
    "participant.viewed": _("Resident's page"),
    "participant_list.viewed": _("Participant list"),
    "help_request.viewed": _("Help request (weighing)"),
    "help_request_queue.viewed": _("Queue of help requests"),
    "bundling_board.viewed": _("Bundling board"),
    "interest.viewed": _("Waiting list"),
    "story.viewed": _("Story"),
    "measurement.viewed": _("Positive Health"),
    "signup.viewed": _("Sign-ups from the group finder"),
    "referral.viewed": _("Referrals"),
    "offer.viewed": _("Offer"),
    "group.viewed": _("Group page"),
    "admin_list.viewed": _("List in the admin"),
    "admin_action.run": _("Action in the admin"),
}


def page_label(event: str, data: dict) -> str:
    page = (data or {}).get("page", "")
    label = PAGE_LABELS.get((event, page)) or PAGE_LABELS.get(event)
    if page == "admin" and label is None:
        return str(_("Admin page"))
    return str(label or event)


@dataclass(frozen=True)
class DossierView:
    at: datetime.datetime
    user: str
    roles: str
    page: str


def dossier_views(participant_id: int, limit: int = DOSSIER_VIEWS_SHOWN) -> list[DossierView]:
    """Who looked at this resident's data last: two queries, through the GIN index on participant_ids."""
    from .models import AuditEvent  # models imports this module

    events = list(
        AuditEvent.objects.filter(participant_ids__contains=[participant_id], action__in=[VIEW, EXPORT])
        .order_by("-id").values("at", "user_id", "event", "data")[:limit]
    )
    users = _names_and_roles({e["user_id"] for e in events} - {None})
    return [
        DossierView(e["at"], *users.get(e["user_id"], (str(_("system")), "")), page_label(e["event"], e["data"]))
        for e in events
    ]


def _names_and_roles(user_ids) -> dict[int, tuple[str, str]]:
    """{user id: (name, roles as they are now)} in one query, the way access.access_for reads roles."""
    from django.contrib.auth import get_user_model

    from .models import Membership

    if not user_ids:
        return {}
    rows = get_user_model().objects.filter(pk__in=user_ids).values_list(
        "pk", "first_name", "last_name", "username", "memberships__role", "administrator_role__id",
        "municipality_access__id",
    )
    names, roles = {}, {}
    for pk, first, last, username, role, administrator_id, contact_id in rows:
        names[pk] = f"{first} {last}".strip() or username
        found = roles.setdefault(pk, set())
        if administrator_id is not None:
            found.add(str(_("Administrator")))
        if role:
            found.add(str(Membership.Role(role).label))
        if contact_id is not None:
            found.add(str(_("Municipality")))
    return {pk: (name, ", ".join(sorted(roles[pk]))) for pk, name in names.items()}


# --- The hash chain (the trigger of migration 0006 writes it; this reads it back) ---------------------

# The canonical text of a row, as the trigger's collectief_audit_canonical() makes it. Repeated here
# on purpose: the check does not trust a function stored in the database it checks. A test keeps
# the two equal.
CANONICAL_SQL = """jsonb_build_object(
    'id', id,
    'at', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
    'user_id', user_id,
    'action', action,
    'event', event,
    'object_type', object_type,
    'object_id', object_id,
    'data', data,
    'participant_ids', to_jsonb(participant_ids)
)::text"""
CHAIN_CHUNK = 2000


@dataclass(frozen=True)
class ChainCheck:
    rows: int  # rows found intact before the first problem (all rows when there is none)
    head: str  # the hash of the last intact row: note it somewhere else to detect a rewritten tail
    problem: str = ""


def verify_chain(chunk: int = CHAIN_CHUNK) -> ChainCheck:
    """Walk the audit log in id order, ``chunk`` rows at a time; stop at the first broken link."""
    import hashlib

    from django.db import connection

    last_id, head, rows = None, "", 0
    query = (
        f"SELECT id, prev_hash, hash, {CANONICAL_SQL} FROM collectief_auditevent "
        "WHERE id > %s ORDER BY id LIMIT %s"
    )
    with connection.cursor() as cursor:
        while True:
            cursor.execute(query, [last_id or 0, chunk])
            batch = cursor.fetchall()
            if not batch:
                return ChainCheck(rows, head)
            for pk, prev_hash, stored, canonical in batch:
                if prev_hash != head:
                    before = f"event {last_id}" if last_id else "none: it should be the first event"
                    return ChainCheck(rows, head, (
                        f"Audit event {pk}: the event before it is missing or was changed "
                        f"(its prev_hash does not match the hash of the previous event, {before})."
                    ))
                if stored != hashlib.sha256((prev_hash + canonical).encode()).hexdigest():
                    problem = f"Audit event {pk} was altered: its hash does not match its contents."
                    return ChainCheck(rows, head, problem)
                last_id, head, rows = pk, stored, rows + 1
