"""Everything about one resident, for their right of access (AVG art. 15): JSON and a readable PDF.

``build`` reads it all in a fixed number of queries (the participant with its sections prefetched,
then enrolments, attendance and the audit trail) and returns plain data; ``as_json`` and
``as_pdf`` write it. Groups are reached through the reverse relations (``participant.enrolments``,
``participant.attendances``): this app does not import ``groups``.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from collectief import audit
from collectief.models import AuditEvent

from .models import (
    ChangeWish,
    Consent,
    ErasureRequest,
    HelpRequest,
    IndividualSupport,
    Measurement,
    Participant,
    RouteChange,
)

# The resident reads Dutch, whatever the language of the coordinator who exports.
EXPORT_LANGUAGE = "nl"
PDF_VARIANT = "pdf/ua-1"
# The PDF lists at most this many audit events (the newest); the JSON always holds them all.
PDF_AUDIT_ROWS = 300
SCORES = [
    "lichaamsfuncties", "mentaal_welbevinden", "zingeving", "kwaliteit_van_leven", "meedoen",
    "dagelijks_functioneren",
]


def queryset():
    """Participants with every section prefetched: one query each, whatever the history."""
    return Participant.objects.select_related("team__municipality", "neighbourhood").prefetch_related(
        Prefetch("consents", queryset=Consent.objects.select_related("recorded_by").order_by("date", "created_at")),
        Prefetch(
            "change_wishes",
            # With each wish its history: earlier wordings and how it stood at the end of a group.
            queryset=ChangeWish.objects.select_related("life_domain").prefetch_related("notes")
            .order_by("start_date", "id"),
        ),
        Prefetch(
            "help_requests",
            queryset=HelpRequest.objects.select_related("life_domain").prefetch_related(
                Prefetch("route_changes", queryset=RouteChange.objects.select_related("changed_by"))
            ).order_by("date", "id"),
        ),
        Prefetch(
            "individual_supports",
            queryset=IndividualSupport.objects.select_related("framework").order_by("start_date", "id"),
        ),
        Prefetch("measurements", queryset=Measurement.objects.order_by("date", "id")),
        Prefetch(
            "erasure_requests",
            queryset=ErasureRequest.objects.select_related("requested_by", "confirmed_by", "cancelled_by")
            .order_by("requested_at", "id"),
        ),
    )


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _label(obj, field: str) -> str:
    return str(getattr(obj, f"get_{field}_display")())


def _personal(p: Participant) -> dict:
    return {
        "id": p.pk,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "birth_date": p.birth_date,
        "postcode": p.postcode,
        "neighbourhood": p.neighbourhood.name if p.neighbourhood else "",
        "team": p.team.name,
        "municipality": p.team.municipality.name,
        "phone": p.phone,
        "email": p.email,
        "preferred_language": p.preferred_language,
        "preferred_language_label": _label(p, "preferred_language"),
        "is_volunteer": p.is_volunteer,
        "external_id": p.external_id or "",
        "registered_at": p.created_at,
        "updated_at": p.updated_at,
        "anonymised_at": p.erased_at,
    }


def _sections(p: Participant) -> dict:
    """Consent, change wishes, help requests, support, measurements and erasure requests (prefetched)."""
    return {
        "consents": [
            {"purpose": c.purpose, "purpose_label": _label(c, "purpose"), "given": c.given, "date": c.date,
             "recorded_by": _name(c.recorded_by), "recorded_at": c.created_at}
            for c in p.consents.all()
        ],
        "change_wishes": [
            {"id": w.pk, "text": w.text, "life_domain": w.life_domain.label if w.life_domain else "",
             "status": w.status, "status_label": _label(w, "status"), "since": w.start_date, "closed_on": w.end_date,
             "created_at": w.created_at, "updated_at": w.updated_at,
             # Earlier wordings ("reworded": the text before a change) and reflections at the end of a group.
             "history": [
                 {"kind": n.kind, "kind_label": _label(n, "kind"), "text": n.text, "date": n.date,
                  "enrolment_id": n.enrolment_id}
                 for n in w.notes.all()
             ]}
            for w in p.change_wishes.all()
        ],
        "help_requests": [
            {"id": h.pk, "theme": h.theme, "life_domain": h.life_domain.label if h.life_domain else "",
             "date": h.date, "route": h.route, "route_label": _label(h, "route"),
             "reason_for_individual_support": h.get_tenzij_reason_display() if h.tenzij_reason else "",
             "status": h.status, "status_label": _label(h, "status"),
             "close_reason": h.get_close_reason_display() if h.close_reason else "",
             "closed_on": h.closed_on,
             "route_history": [
                 {"date": r.date, "route_label": _label(r, "route"),
                  "reason_for_individual_support": r.get_tenzij_reason_display() if r.tenzij_reason else "",
                  "why": r.why, "by": _name(r.changed_by)}
                 for r in h.route_changes.all()
             ]}
            for h in p.help_requests.all()
        ],
        "individual_support": [
            {"product": s.product, "framework": s.framework.label, "start_date": s.start_date, "end_date": s.end_date}
            for s in p.individual_supports.all()
        ],
        "measurements": [
            {"instrument": _label(m, "instrument"), "date": m.date, "moment": _label(m, "moment"),
             "filled_in": _label(m, "filled_by"),
             "scores": {str(Measurement._meta.get_field(f).verbose_name): getattr(m, f) for f in SCORES},
             "want_to_talk_about": [str(Measurement._meta.get_field(f).verbose_name) for f in m.talk_about
                                    if f in SCORES]}
            for m in p.measurements.all()
        ],
        "erasure_requests": [
            {"status": r.status, "status_label": _label(r, "status"), "source_label": _label(r, "source"),
             "reason": r.reason, "requested_by": _name(r.requested_by), "requested_at": r.requested_at,
             "confirmed_by": _name(r.confirmed_by), "confirmed_at": r.confirmed_at,
             "cancelled_by": _name(r.cancelled_by), "cancelled_at": r.cancelled_at}
            for r in p.erasure_requests.all()
        ],
    }


def _groups(p: Participant) -> dict:
    """Enrolments (with the change wishes linked to each) and attendance: three queries."""
    enrolments = (
        p.enrolments.select_related("group", "end_reason").prefetch_related("change_wishes")
        .order_by("start_date", "id")
    )
    attendance = p.attendances.select_related("session__group").order_by("session__date", "session__start_time")
    return {
        "enrolments": [
            {"group": e.group.name, "role": _label(e, "role"), "start_date": e.start_date, "end_date": e.end_date,
             "end_reason": e.end_reason.label if e.end_reason else "",
             "referred_by": e.get_referral_source_display() if e.referral_source else "",
             "change_wishes": [{"id": w.pk, "text": w.text} for w in e.change_wishes.all()]}
            for e in enrolments
        ],
        "attendance": [
            {"group": a.session.group.name, "date": a.session.date, "start_time": a.session.start_time,
             "status": a.status, "status_label": _label(a, "status")}
            for a in attendance
        ],
        **_path_and_outcomes(p),
    }


def _path_and_outcomes(p: Participant) -> dict:
    """Waiting lists, stories and referrals (issues 11–13): one query each, through reverse relations
    (participants does not import groups, outcomes or offers)."""
    interests = p.interests.select_related("group").order_by("since", "id")
    stories = p.stories.select_related("group").order_by("date", "id")
    referrals = p.referrals.select_related("offer").order_by("date", "id")
    return {
        "waiting_lists": [
            {"group": i.group.name, "since": i.since, "status_label": _label(i, "status"), "left_on": i.ended_on}
            for i in interests
        ],
        "stories": [
            {"group": s.group.name, "shown_as": s.display_name, "date": s.date, "text": s.text} for s in stories
        ],
        "referrals": [
            {"offer": r.offer.name, "date": r.date, "note": r.note, "outcome_label": _label(r, "outcome"),
             "outcome_on": r.outcome_on}
            for r in referrals
        ],
    }


def audit_events(participant_id: int):
    """The audit trail about this resident: events on their record and events that name them."""
    about = Q(object_type=Participant._meta.label_lower, object_id=str(participant_id))
    if hasattr(AuditEvent, "participant_ids"):  # the indexed column of "which residents" (NEN 7513)
        about |= Q(participant_ids__contains=[participant_id])
    return AuditEvent.objects.filter(about).select_related("user").order_by("at", "id")


def _trail(participant_id: int) -> list[dict]:
    # Who, when and what; the event data only as far as it says which page or which fields: it
    # may hold ids of other residents shown on the same page, which are not this resident's.
    return [
        {"at": e.at, "user": _name(e.user) or str(translation.gettext("system")), "action": e.action,
         "action_label": str(audit.ACTIONS.get(e.action, e.action)), "event": e.event,
         "page": audit.page_label(e.event, e.data),
         "fields": (e.data or {}).get("fields", [])}
        for e in audit_events(participant_id)
    ]


def build(participant: Participant) -> dict:
    """Everything about one resident (a participant from ``queryset()``), as plain data."""
    with translation.override(EXPORT_LANGUAGE):
        return {
            "exported_at": timezone.now(),
            "participant": _personal(participant),
            **_sections(participant),
            **_groups(participant),
            "audit_trail": _trail(participant.pk),
        }


def as_json(data: dict) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def as_pdf(data: dict) -> bytes:
    """A readable, tagged (PDF/UA-1) Dutch PDF; nothing is fetched but ``data:`` URLs."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    trail = data["audit_trail"]
    context = {
        **data,
        "audit_shown": trail[-PDF_AUDIT_ROWS:][::-1],
        "audit_total": len(trail),
        "audit_limit": PDF_AUDIT_ROWS,
    }
    with translation.override(EXPORT_LANGUAGE):
        html = render_to_string("participants/export/participant_export.html", context)
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf(pdf_variant=PDF_VARIANT)


def filename(participant: Participant, extension: str) -> str:
    """No name in the file name: downloads folders and mail attachments are read by others."""
    return f"deelnemer-{participant.pk}-gegevens-{timezone.localdate():%Y%m%d}.{extension}"
