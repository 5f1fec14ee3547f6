"""Groups, enrolments, the session roll call and the social worker's start page."""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collectief import access
from collectief.audit import residents_shown
from collectief.models import AuditEvent, log_event
from collectief.validators import show_date

from . import services
from .filters import GroupFilter
from .forms import ContributorForm, EndEnrolmentForm, EnrolForm, GroupForm, RollCall, enrollable
from .models import Attendance, Group, Session

ROLL_CALL_COLUMNS = 12  # sessions shown in the attendance matrix of the group page
SESSIONS_PER_PAGE = 25
SEARCH_RESULTS = 10


# --- Access --------------------------------------------------------------------------------------


def get_group_for_user(request, pk, queryset=None):
    """The group with this pk if the user may see it, else 404 (also for municipality users)."""
    queryset = Group.objects.all() if queryset is None else queryset
    return access.get_for_user(
        queryset.select_related("kind", "team", "neighbourhood", "framework"), request.user, pk=pk
    )


def get_session_for_user(request, group_pk, pk):
    """A session of a group the user may see, with its group, in one query; else 404."""
    return access.get_for_user(
        Session.objects.select_related("group", "group__team"), request.user, "group__team", pk=pk, group_id=group_pk
    )


def _parse_date(value):
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return None


def _search_text(request) -> str:
    # PostgreSQL refuses NUL characters in text; a pasted one must not become a 500.
    return request.GET.get("q", "").replace("\x00", "")[:100]


def _date(value) -> str:
    return show_date(value) if value else ""


# --- Start page ----------------------------------------------------------------------------------


def start(request):
    """The social worker's start page: my groups and the sessions still to be logged."""
    user = request.user
    if access.is_municipality_contact_only(user):
        return redirect("reporting:reports")
    if not access.can_register(user):
        return access.render_no_role(request)
    today = timezone.localdate()
    mine = Group.facilitators.through.objects.filter(user=user, group=OuterRef("pk"))
    groups = list(
        Group.objects.of_user(user).exclude(status=Group.Status.ENDED).with_stats(today).with_logged_dates()
        .annotate(is_mine=Exists(mine)).select_related("team", "neighbourhood").order_by("name")
    )
    to_log = []
    for group in groups:
        group.to_register = ToRegister.of(group, today)
        if group.to_register.missing:
            to_log.append(group)
    to_log.sort(key=lambda g: (g.to_register.oldest, g.name))
    return render(request, "groups/start.html", {
        "today": today,
        "to_log": to_log,
        "my_groups": [g for g in groups if g.is_mine],
        "team_groups": [g for g in groups if not g.is_mine],
    })


@dataclass
class ToRegister:
    """What the start page says about one group: the planned dates still without a session."""

    recent: list  # the last eight weeks, newest first
    older: list  # folded under "ouder", newest first
    meets_today: bool
    next_planned: datetime.date | None

    RECENT_WEEKS = 8
    OLDER_SHOWN = 20

    @classmethod
    def of(cls, group, today):
        if not group.is_logged_by_organisation:
            return cls([], [], False, None)
        missing = group.missing_dates(group.logged_dates or [], today)
        boundary = today - datetime.timedelta(weeks=cls.RECENT_WEEKS)
        upcoming = [d for d in group.expected_dates(today + datetime.timedelta(days=15)) if d >= today]
        return cls(
            recent=[d for d in missing if d > boundary],
            older=[d for d in missing if d <= boundary],
            meets_today=bool(upcoming) and upcoming[0] == today,
            next_planned=next((d for d in upcoming if d > today), None),
        )

    @property
    def missing(self) -> bool:
        return bool(self.recent or self.older)

    @property
    def count(self) -> int:
        return len(self.recent) + len(self.older)

    @property
    def oldest(self):
        return (self.older or self.recent)[-1] if self.missing else None

    @property
    def older_shown(self):
        return self.older[: self.OLDER_SHOWN]

    @property
    def older_hidden(self) -> int:
        return max(0, len(self.older) - self.OLDER_SHOWN)


# --- Groups --------------------------------------------------------------------------------------


@access.registration_required
def group_list(request):
    user = request.user
    queryset = (
        Group.objects.for_user(user).with_stats()
        .select_related("kind", "team", "neighbourhood").prefetch_related("life_domains").order_by("name", "pk")
    )
    filterset = GroupFilter(request.GET or None, queryset=queryset, user=user)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "groups/group_list.html", {
        "filter": filterset, "page": page, "groups": page.object_list, "query": query.urlencode(),
    })


@access.registration_required
def group_detail(request, pk):
    group = get_group_for_user(
        request, pk,
        Group.objects.with_stats().with_logged_dates().prefetch_related("facilitators", "life_domains", "contributors"),
    )
    today = timezone.localdate()
    enrolments = list(group.enrolments.select_related("participant", "end_reason"))
    # Members now or from a later start; the roll call takes each on the days they are enrolled.
    active = [e for e in enrolments if not e.has_ended_before(today)]
    ended = sorted((e for e in enrolments if e not in active), key=lambda e: e.end_date, reverse=True)
    paginator = Paginator(group.sessions.order_by("-date", "-start_time"), SESSIONS_PER_PAGE)
    paginator.count = len(group.logged_dates or [])  # known from the annotation: no COUNT query
    session_page = paginator.get_page(request.GET.get("sessies"))
    newest = session_page.object_list if session_page.number == 1 else paginator.page(1).object_list
    sessions = list(newest)[:ROLL_CALL_COLUMNS]
    columns = sessions  # newest left: on a phone the latest sessions are in view without scrolling
    marks = {
        (s, p): status
        for s, p, status in Attendance.objects.filter(session__in=[s.pk for s in sessions])
        .values_list("session_id", "participant_id", "status")
    }
    attended = {p for (_s, p) in marks}
    matrix = []
    for enrolment in active + [e for e in ended if e.participant_id in attended]:
        cells = [
            "cancelled" if s.status == Session.Status.CANCELLED else marks.get((s.pk, enrolment.participant_id), "")
            for s in columns
        ]
        matrix.append((enrolment, cells))
    totals = [
        sum(1 for (sid, _p), st in marks.items() if sid == s.pk and st == Attendance.Status.PRESENT)
        for s in columns
    ]
    # A view changes nothing: one INSERT into the audit log is atomic on its own. The page names
    # every member, current and former: all of them are recorded (ids only).
    log_event(request.user, "group.viewed", group,
              {"members": len(active), **residents_shown(e.participant_id for e in enrolments)})
    return render(request, "groups/group_detail.html", {
        "group": group,
        "active": active,
        "ended": ended,
        "sessions": sessions,
        "session_page": session_page,
        "columns": list(zip(columns, totals, strict=True)),
        "matrix": matrix,
        "today": today,
        "to_register": ToRegister.of(group, today),
    })


@access.registration_required
def group_create(request):
    form = GroupForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            group = form.save()
            log_event(request.user, "group.created", group, {"fields": sorted(form.changed_data)})
        messages.success(request, _("Group “%(name)s” created.") % {"name": group.name})
        return redirect("groups:detail", pk=group.pk)
    return render(request, "groups/group_form.html", {"form": form})


@access.registration_required
def group_edit(request, pk):
    group = get_group_for_user(request, pk)
    form = GroupForm(request.POST or None, instance=group, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            log_event(request.user, "group.updated", group, {"fields": sorted(form.changed_data)})
        messages.success(request, _("Group “%(name)s” saved.") % {"name": group.name})
        return redirect("groups:detail", pk=group.pk)
    return render(request, "groups/group_form.html", {"form": form, "group": group})


@access.registration_required
def contributor_add(request, pk):
    """Add a begeleider (volunteer, peer expert, student, partner staff) who helps run the group."""
    group = get_group_for_user(request, pk)
    form = ContributorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contributor = services.add_contributor(request.user, group, form.save(commit=False), fields=form.changed_data)
        messages.success(request, _("%(name)s helps run %(group)s.") % {"name": contributor.name, "group": group.name})
        return redirect("groups:detail", pk=group.pk)
    return render(request, "groups/contributor_form.html", {"form": form, "group": group})


# --- Enrolments ----------------------------------------------------------------------------------


def _search(user, group, q: str):
    """Residents of the user's teams, not yet in the group, matching every word typed."""
    words = q.split()[:4]
    if not words or len(q.strip()) < 2:
        return []
    queryset = enrollable(user, group)
    for word in words:
        queryset = queryset.filter(
            Q(first_name__unaccent__icontains=word) | Q(last_name__unaccent__icontains=word)
            | Q(postcode__icontains=word)
        )
    return list(queryset.select_related("team").order_by("sort_name", "first_name")[:SEARCH_RESULTS])


def _log_search(user, group, results):
    if results:
        log_event(
            user, "participant.viewed", object_type="participants.participant",
            data={"page": "enrol_search", "group": group.pk, **residents_shown(p.pk for p in results)},
        )


@access.registration_required
def enrol(request, pk):
    """Aanmelden: search a resident and enrol them with one click."""
    group = get_group_for_user(request, pk)
    form = EnrolForm(request.POST or None, user=request.user, group=group)
    members = list(group.enrolments.not_ended().select_related("participant"))
    full = bool(group.capacity) and len(members) >= group.capacity
    if request.method == "POST":
        if form.is_valid() and _enrol(request, group, form, full, len(members)):
            return redirect("groups:enrol", pk=group.pk)
        messages.error(request, _("The resident could not be enrolled; see the message below."))
    q = _search_text(request)
    results = _search(request.user, group, q)
    with transaction.atomic():
        _log_search(request.user, group, results)
        log_event(request.user, "group.viewed", group,
                  {"page": "enrol", **residents_shown(e.participant_id for e in members)})
    return render(request, "groups/enrol.html", {
        "group": group, "form": form, "q": q, "results": results, "members": members, "full": full,
        # Someone who works for more than one team may enrol a resident of another one (with consent).
        "other_teams": access.teams_for(request.user).exclude(pk=group.team_id).exists(),
    })


def _enrol(request, group, form, full, enrolled) -> bool:
    """Enrol the chosen resident; False (with the reason on the form) when the rules refuse it."""
    participant = form.cleaned_data["participant"]
    if full and not form.cleaned_data["confirm_capacity"]:
        form.add_error(None, _(
            "%(group)s is full: %(enrolled)s enrolled for %(capacity)s places. Tick “enrol anyway” to enrol "
            "%(name)s above the capacity."
        ) % {"group": group.name, "enrolled": enrolled, "capacity": group.capacity, "name": participant.full_name})
        return False
    try:
        services.enrol(request.user, group, participant, role=form.cleaned_data["role"],
                       referral_source=form.cleaned_data["referral_source"],
                       start_date=form.cleaned_data["start_date"],
                       other_team_consent=form.cleaned_data["consent_other_team"], respect_capacity=False)
    except ValidationError as error:
        form.add_error(None, error.messages)
        return False
    except IntegrityError:
        # A double click racing past the check: the first one enrolled the resident already.
        messages.info(request, _("%(name)s is already enrolled.") % {"name": participant.full_name})
        return True
    messages.success(request, _("%(name)s is enrolled in %(group)s.")
                     % {"name": participant.full_name, "group": group.name})
    return True


@access.registration_required
def participant_search(request, pk):
    """htmx endpoint: the result list of the enrol page."""
    group = get_group_for_user(request, pk)
    q = _search_text(request)
    results = _search(request.user, group, q)
    _log_search(request.user, group, results)
    return render(request, "groups/_participant_results.html", {"group": group, "q": q, "results": results})


@access.registration_required
def enrolment_end(request, pk, enrolment_pk):
    """Uitstroom: end an enrolment with a date and a reason."""
    group = get_group_for_user(request, pk)
    enrolment = get_object_or_404(group.enrolments.select_related("participant"), pk=enrolment_pk)
    if enrolment.end_date is not None:
        messages.info(request, _("This enrolment has already ended."))
        return redirect("groups:detail", pk=group.pk)
    form = EndEnrolmentForm(request.POST or None, instance=enrolment)
    if request.method == "POST" and form.is_valid():
        services.end_enrolment(request.user, enrolment, end_date=form.cleaned_data["end_date"],
                               end_reason=form.cleaned_data["end_reason"])
        messages.success(request, _("The enrolment of %(name)s has ended.") % {"name": enrolment.participant.full_name})
        return redirect("groups:detail", pk=group.pk)
    if request.method == "GET":
        # The page names the resident: opening it is a view of their record.
        log_event(request.user, "participant.viewed", enrolment.participant,
                  {"page": "enrolment_end", "group": group.pk, "enrolment": enrolment.pk})
    return render(request, "groups/enrolment_end.html", {"group": group, "enrolment": enrolment, "form": form})


# --- Sessions: the roll call ---------------------------------------------------------------------


@access.registration_required
def session_create(request, pk):
    """Nieuwe bijeenkomst: pre-filled with today (or ?date=) and the group's usual time."""
    group = get_group_for_user(request, pk)
    day = _parse_date(request.GET.get("date")) or timezone.localdate()
    session = Session(
        group=group, date=day, start_time=group.usual_time, duration_minutes=group.usual_duration_minutes,
        created_by=request.user,
    )
    return _session_form(request, group, session)


@access.registration_required
def session_edit(request, pk, session_pk):
    session = get_session_for_user(request, pk, session_pk)
    return _session_form(request, session.group, session)


def _session_form(request, group, session):
    """Show the roll call, or save it: the session, everyone's attendance and a walk-in, at once."""
    roll_call = RollCall(request.POST if request.method == "POST" else None,
                         user=request.user, group=group, session=session)
    roll_call.draft_key = _draft_key(roll_call)  # before a save gives a new session its pk
    if roll_call.is_bound and roll_call.is_valid():
        try:
            counts = services.log_session(request.user, roll_call.session, roll_call.statuses,
                                          fields=roll_call.form.changed_data, walk_in=roll_call.walk_in,
                                          helped=roll_call.helped, version=roll_call.version)
        except services.SlotTaken as taken:
            return _already_logged(request, roll_call, taken.existing)
        except services.StaleSession as stale:
            _saved_meanwhile(roll_call, stale.current)
        except ValidationError as error:
            roll_call.add_error(error)
        else:
            # The marker tells the browser the server has it: the copy kept on the device may go.
            messages.success(request, _saved_message(roll_call.session, counts),
                             extra_tags=f"success {SAVED_MARKER}{roll_call.draft_key}")
            return redirect("groups:detail", pk=group.pk)
    elif not roll_call.is_bound:
        _log_form_view(request.user, group, session, [row.pk for row in roll_call.rows])
    return _render_roll_call(request, roll_call)


# A success message carrying this tag names the browser copy of a roll call that is now saved.
SAVED_MARKER = "saved-session:"


def _draft_key(roll_call) -> str:
    """Where the browser keeps its copy of this roll call: per group, the date it was opened for, session."""
    day = roll_call.form.initial.get("date")
    return f"collectief-session:{roll_call.group.pk}:{_date_key(day)}:{roll_call.session.pk or 'new'}"


def _date_key(day) -> str:
    return day.isoformat() if hasattr(day, "isoformat") else str(day or "")


def _render_roll_call(request, roll_call):
    return render(request, "groups/session_form.html", {**roll_call.context(), "draft_key": roll_call.draft_key})


def _already_logged(request, roll_call, existing):
    """The date and time are taken: a double submit or a second tab shows what is saved instead."""
    if existing is None or roll_call.session.pk is not None:
        # Moving a session onto another one's slot: say so, keep both as they were.
        roll_call.errors.append(_("There is already a session of this group on that date and time."))
        return _render_roll_call(request, roll_call)
    messages.warning(request, _(
        "This session (%(date)s %(time)s) was already logged. Below is what is saved; change it here if needed."
    ) % {"date": _date(existing.date), "time": existing.start_time.strftime("%H:%M")})
    return redirect("groups:session_edit", pk=existing.group_id, session_pk=existing.pk)


def _saved_meanwhile(roll_call, current):
    """Someone else saved this session after the user opened it: hand back both versions to choose."""
    if current is None:
        roll_call.refused_as_stale(None)
        return
    last = (
        AuditEvent.objects.filter(object_type="groups.session", object_id=str(current.pk),
                                  event__in=["session.created", "session.updated"])
        .select_related("user").order_by("-at", "-pk").first()
    )
    statuses = dict(current.attendances.values_list("participant_id", "status"))
    roll_call.refused_as_stale(current, saved_by=last.user if last else None,
                               counts=services.attendance_counts(statuses))


def _saved_message(session, counts) -> str:
    if session.status == Session.Status.CANCELLED:
        return _("Session of %(date)s saved as cancelled.") % {"date": _date(session.date)}
    return _("Session of %(date)s saved: %(present)s present, %(absent)s absent, %(excused)s excused.") % {
        "date": _date(session.date), **counts
    }


def _log_form_view(user, group, session, shown):
    # Opening the roll call shows the names of the group's members: record which (ids only).
    if session.pk is None:
        log_event(user, "group.viewed", group, {"page": "session_form", **residents_shown(shown)})
    else:
        log_event(user, "session.viewed", session, {"page": "session_form", **residents_shown(shown)})


@access.registration_required
@require_POST
def session_delete(request, pk, session_pk):
    """Remove a session logged by mistake (with its attendance)."""
    session = get_session_for_user(request, pk, session_pk)
    with transaction.atomic():
        log_event(request.user, "session.deleted", session, {"date": session.date.isoformat()})
        session.delete()
    messages.success(request, _("The session of %(date)s was removed.") % {"date": _date(session.date)})
    return redirect("groups:detail", pk=pk)
