"""The audit event types: every event name is declared here with its action.

``log_event`` refuses a name that is not declared, so a typo or a new event without a decision
about its action is a programming error found by the tests, not a silent guess. Names read like
``participant.updated``: the object, then what happened to it.
"""

from django.utils.translation import gettext_lazy as _

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


def _declare_crud(obj: str, *, view: bool = False):
    declare(f"{obj}.created", CREATE)
    declare(f"{obj}.updated", UPDATE)
    declare(f"{obj}.deleted", DELETE)
    if view:
        declare(f"{obj}.viewed", VIEW)


# Residents and what they bring.
_declare_crud("participant", view=True)
declare("participant_list.viewed", VIEW)
_declare_crud("consent")
_declare_crud("change_wish")
_declare_crud("help_request")
_declare_crud("individual_support")
_declare_crud("measurement")
# Groups, enrolments, sessions, attendance.
_declare_crud("group", view=True)
_declare_crud("enrolment")
_declare_crud("session", view=True)
_declare_crud("attendance")
_declare_crud("contributor")
# Who may do what: roles are granted and taken away in the admin.
_declare_crud("administrator")
_declare_crud("membership")
_declare_crud("municipality_user")
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
