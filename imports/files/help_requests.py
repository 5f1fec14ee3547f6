"""help_requests.csv: help requests (ondersteuningsvragen), matched on their external id.

The file brings a previous system's requests along with their route ("collectief, tenzij") and how
they ended. What the CSV does not hold is derived, the same way for every row:

- ``theme`` (required on the model, not a column): a new request gets its life domain's Dutch name,
  or "Ondersteuningsvraag" without one; an existing request keeps the theme it has.
- status ``matched`` with ``matched_group``: the resident's enrolment in that group (the first one
  still running on or after the request date) answers the request (``Enrolment.help_request``).
  enrolments.csv is imported before this file, so it may bring the enrolment along; without one the
  row is an error. ``closed_on`` is the enrolment's start (not before the request date, not after
  today). Matched without a group means answered by individual support (route individual or
  combined only); ``closed_on`` is then the request date.
- status ``closed``: close reason ``other``, closed on the request date; a request that is already
  closed keeps its reason and date.
- status ``open``: no close reason, no closing date, no match.
- the route history: a new request gets its first step (``RouteChange``) on its date; an existing
  one whose route or *tenzij* reason changed gets a step dated today (the day the registry learned
  of it).

A request's match follows the file: an enrolment that answered it before and is no longer named is
unlinked.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from collectief.models import LifeDomain
from groups.models import Enrolment
from participants.models import HelpRequest, RouteChange

from ..columns import Code, Date, ExternalId, Reference
from ..lookups import chunks
from ..spec import BATCH, FileSpec

Route, Status = HelpRequest.Route, HelpRequest.Status
# The theme of a new request without a life domain (the model needs one; the CSV has none).
DEFAULT_THEME = "Ondersteuningsvraag"
# Routes without a reason why not a group; a request matched on them was answered by a group.
GROUP_ROUTES = (Route.COLLECTIVE, Route.UNDECIDED)


class HelpRequests(FileSpec, name="help_requests.csv", order=70, model=HelpRequest):
    columns = (
        ExternalId(),
        Reference("participant", "participant_id", kind="participant"),
        Date("date", "date", required=True),
        Code("life_domain", "life_domain_id", source=LifeDomain),
        Code("route", "route", source=HelpRequest.Route, required=True),
        Code("tenzij_reason", "tenzij_reason", source=HelpRequest.TenzijReason, empty=""),
        Code("status", "status", source=HelpRequest.Status, required=True),
        Reference("matched_group", None, kind="group", required=False),
    )

    def prepare(self, ctx, rows):
        ctx.state["today"] = timezone.localdate()
        ctx.state["themes"] = dict(LifeDomain.objects.values_list("code", "name_nl"))

    # --- One row ---------------------------------------------------------------------------------

    def check_row(self, ctx, row):
        day = row.get("date")
        if day and day > ctx.state["today"]:
            row.error("date", _("The request date %(date)s lies in the future.") % {"date": day.isoformat()})
        self._check_route(ctx, row)
        self._check_status(row)

    @staticmethod
    def _check_route(ctx, row):
        """"Collectief, tenzij": individual needs the reason why not a group; a group route has none."""
        route, reason = row.get("route"), row.get("tenzij_reason")
        if route == Route.INDIVIDUAL and reason == "":
            row.error("tenzij_reason", _(
                "Route individual needs the reason why not a group (column tenzij_reason); allowed values: "
                "%(allowed)s."
            ) % {"allowed": ", ".join(ctx.lookups.codes(HelpRequest.TenzijReason))})
        elif route in GROUP_ROUTES and reason:
            row.error("tenzij_reason", _(
                "A reason why not a group only goes with route individual or combined; this row has route "
                "%(route)s."
            ) % {"route": route})

    @staticmethod
    def _check_status(row):
        status, group, route = row.get("status"), row.values.get("matched_group"), row.get("route")
        if group and status in (Status.OPEN, Status.CLOSED):
            row.error("matched_group", _(
                "Only a matched request names a group (column matched_group); this row has status %(status)s."
            ) % {"status": status})
        elif status == Status.MATCHED and not group and route in GROUP_ROUTES:
            row.error("matched_group", _(
                "A matched request with route %(route)s was answered by a group: give the group's external id "
                "(column matched_group). Only a request answered by individual support (route individual or "
                "combined) leaves it empty."
            ) % {"route": route})

    # --- The rows against the database -----------------------------------------------------------

    def check_rows(self, ctx, rows, existing):
        """Find the enrolment that answers each matched request, and derive what the CSV does not hold."""
        enrolments = _enrolments(rows)
        claimed, valid = {}, []
        for row in rows:
            stored = existing.get(row.key)
            enrolment = None
            if row.get("matched_group"):
                enrolment = self._answering_enrolment(row, enrolments, stored, claimed)
                if enrolment is None:
                    continue
            self._derive(ctx, row, stored, enrolment)
            valid.append(row)
        # Before save() changes the stored objects: the route history compares with these.
        ctx.state["routes_before"] = {key: (obj.route, obj.tenzij_reason) for key, obj in existing.items()}
        ctx.state["links"] = {row.key: row.extra.get("enrolment_id") for row in valid}
        return valid

    @staticmethod
    def _answering_enrolment(row, enrolments, stored, claimed):
        day = row.data["date"]
        params = {
            "participant": row.values["participant"], "group": row.values["matched_group"], "date": day.isoformat(),
        }
        options = enrolments.get((row.data["participant_id"], row.get("matched_group")), [])
        found = next((e for e in options if e["end_date"] is None or e["end_date"] >= day), None)
        if found is None:
            row.error("matched_group", _(
                "Participant '%(participant)s' has no enrolment in group '%(group)s' that runs on or after the "
                "request date %(date)s. Add it to enrolments.csv (imported before this file) or correct the group."
            ) % params)
            return None
        if found["help_request_id"] not in (None, stored.pk if stored else None):
            row.error("matched_group", _(
                "The enrolment of participant '%(participant)s' in group '%(group)s' from %(start)s already "
                "answers another help request (%(other)s)."
            ) % {**params, "start": found["start_date"].isoformat(),
                 "other": found["help_request__external_id"] or _("entered in the application")})
            return None
        first = claimed.setdefault(found["pk"], row.line)
        if first != row.line:
            row.error("matched_group", _(
                "Line %(line)s already matches the enrolment of participant '%(participant)s' in group "
                "'%(group)s'; an enrolment answers one help request."
            ) % {**params, "line": first})
            return None
        row.extra["enrolment_id"] = found["pk"]
        return found

    @staticmethod
    def _derive(ctx, row, stored, enrolment):
        """Theme of a new request, and the closing fields that follow from the status."""
        data, day = row.data, row.data["date"]
        if stored is None:
            data["theme"] = ctx.state["themes"].get(data["life_domain_id"]) or DEFAULT_THEME
        status = data["status"]
        # A request that already has this status keeps its closing date (and reason) when still valid.
        keep = stored is not None and stored.status == status and stored.closed_on and stored.closed_on >= day
        if status == Status.OPEN:
            data.update(close_reason="", closed_on=None, matched_support_id=None)
        elif status == Status.CLOSED:
            reason = stored.close_reason if keep and stored.close_reason else HelpRequest.CloseReason.OTHER
            data.update(close_reason=reason, closed_on=stored.closed_on if keep else day, matched_support_id=None)
        else:
            on = day if enrolment is None else min(max(enrolment["start_date"], day), ctx.state["today"])
            data.update(close_reason="", closed_on=stored.closed_on if keep else on)
            if enrolment is not None:
                data["matched_support_id"] = None

    def changed_besides_fields(self, ctx, rows, existing):
        """Requests whose answering enrolment changed count (and are written) as updated."""
        current: dict[int, set[int]] = {}
        ids = [obj.pk for obj in existing.values()]
        for chunk in chunks(ids):
            for request_id, enrolment_id in Enrolment.objects.filter(help_request_id__in=chunk).values_list(
                "help_request_id", "pk"
            ):
                current.setdefault(request_id, set()).add(enrolment_id)
        links = ctx.state["links"]
        return {
            row.key for row in rows
            if row.key in existing and current.get(existing[row.key].pk, set()) != _as_set(links[row.key])
        }

    def after_save(self, ctx, rows, creates, updates):
        """Link the answering enrolments and add the route steps (bulk; a few queries per file)."""
        written = creates + updates
        if not written:
            return
        links = ctx.state["links"]
        keep = {links[(obj.external_id,)] for obj in written} - {None}
        Enrolment.objects.filter(help_request__in=[obj.pk for obj in updates]).exclude(pk__in=keep).update(
            help_request=None
        )
        linked = [Enrolment(pk=links[(obj.external_id,)], help_request_id=obj.pk)
                  for obj in written if links[(obj.external_id,)]]
        Enrolment.objects.bulk_update(linked, ["help_request"], batch_size=BATCH)
        RouteChange.objects.bulk_create(self._route_steps(ctx, creates, updates), batch_size=BATCH)

    @staticmethod
    def _route_steps(ctx, creates, updates):
        user = ctx.user if getattr(ctx.user, "pk", None) else None
        why = _("Imported (help_requests.csv)")
        steps = [
            RouteChange(help_request=obj, route=obj.route, tenzij_reason=obj.tenzij_reason, date=obj.date,
                        why=why, changed_by=user)
            for obj in creates
        ]
        before = ctx.state["routes_before"]
        steps += [
            RouteChange(help_request=obj, route=obj.route, tenzij_reason=obj.tenzij_reason,
                        date=ctx.state["today"], why=why, changed_by=user)
            for obj in updates if before[(obj.external_id,)] != (obj.route, obj.tenzij_reason)
        ]
        return steps


def _as_set(value) -> set:
    return set() if value is None else {value}


def _enrolments(rows) -> dict[tuple[int, int], list[dict]]:
    """``{(participant id, group id): [enrolment, …]}`` by start date, for the matched rows."""
    pairs = {(row.data["participant_id"], row.get("matched_group")) for row in rows if row.get("matched_group")}
    found: dict[tuple[int, int], list[dict]] = {}
    for chunk in chunks(participant for participant, _group in pairs):
        query = Enrolment.objects.filter(
            participant_id__in=chunk, group_id__in={group for _participant, group in pairs}
        ).order_by("start_date", "pk").values(
            "pk", "participant_id", "group_id", "start_date", "end_date", "help_request_id",
            "help_request__external_id",
        )
        for enrolment in query:
            found.setdefault((enrolment["participant_id"], enrolment["group_id"]), []).append(enrolment)
    return found
