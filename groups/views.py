"""Groups, enrolments, the session roll call and the social worker's start page."""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, Value
from django.db.models.functions import Coalesce, Least
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collectief import access
from collectief.audit import residents_shown
from collectief.models import AuditEvent, log_event
from collectief.validators import show_date
from participants.models import ChangeWish, HelpRequest
from participants.services import CURRENT_WISH_STATUSES, save_change_wish

from . import services
from .filters import GroupFilter
from .forms import (
    CheckForm,
    ContributorForm,
    EndEnrolmentForm,
    EnrolForm,
    GroupForm,
    HandOverForm,
    InterestForm,
    RollCall,
    SeriesForm,
    StatusForm,
    TrialForm,
    WaitForm,
    WishReflectionForm,
    enrollable,
    new_wish_texts,
    trial_days,
)
from .models import Attendance, Enrolment, Group, GroupCheck, HandOver, Interest, Session

ROLL_CALL_COLUMNS = 12  # sessions shown in the attendance matrix of the group page
LONG_WAIT_DAYS = 28  # the start page lists residents waiting longer than four weeks
LONG_WAIT_SHOWN = 50
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
    # PostgreSQL refuses NUL characters in text; a pasted one must not become a 500. A refused POST
    # of the enrol page shows the same results again (the search field is part of its form).
    q = request.GET.get("q") or (request.POST.get("q", "") if request.method == "POST" else "")
    return q.replace("\x00", "")[:100]


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
    quarter = quarter_start(today)
    mine = Group.facilitators.through.objects.filter(user=user, group=OuterRef("pk"))
    checked = GroupCheck.objects.filter(group=OuterRef("pk"), date__gte=quarter)
    groups = list(
        Group.objects.of_user(user).exclude(status=Group.Status.ENDED).with_stats(today).with_logged_dates()
        .annotate(is_mine=Exists(mine), check_quarterly=F("hand_over__check_quarterly"),
                  checked_this_quarter=Exists(checked))
        .select_related("team", "neighbourhood").order_by("name")
    )
    to_log = []
    for group in groups:
        group.to_register = ToRegister.of(group, today)
        if group.to_register.missing:
            to_log.append(group)
    to_log.sort(key=lambda g: (g.to_register.oldest, g.name))
    waiting = long_waits(user, today)
    if waiting:
        # The section names residents: record which (ids only).
        log_event(user, "interest.viewed", object_type="groups.interest",
                  data={"page": "start", **residents_shown(w["participant_id"] for w in waiting)})
    return render(request, "groups/start.html", {
        "today": today,
        "to_log": to_log,
        "to_check": [g for g in groups if g.is_mine and _check_due(g, quarter)],
        "check_form": CheckForm(),
        "waiting": waiting[:LONG_WAIT_SHOWN],
        "waiting_more": len(waiting) > LONG_WAIT_SHOWN,
        "long_wait_days": LONG_WAIT_DAYS,
        "my_groups": [g for g in groups if g.is_mine],
        "team_groups": [g for g in groups if not g.is_mine],
    })


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _check_due(group, quarter: datetime.date) -> bool:
    """"Draait het nog?" once a quarter for a group handed over before this quarter, until it is answered."""
    return (
        group.status == Group.Status.SELF_RUNNING and bool(group.check_quarterly) and not group.checked_this_quarter
        and group.handed_over_on is not None and group.handed_over_on < quarter
    )


def long_waits(user, today: datetime.date) -> list[dict]:
    """Residents of my teams waiting longer than four weeks, longest first, in one query.

    On a waiting list (since they were put on it, or since their help request when it is linked)
    and open help requests not matched to anything (since the request; one that waits on a list
    is shown once, as the list). Only the user's own teams: an administrator sees no one here.
    """
    team_ids = sorted(access.access_for(user).team_ids)
    if not team_ids:
        return []
    cutoff = today - datetime.timedelta(days=LONG_WAIT_DAYS)
    on_list = (
        Interest.objects.waiting().filter(participant__team__in=team_ids)
        .annotate(w_since=Least("since", Coalesce("help_request__date", "since")))
        .filter(w_since__lt=cutoff)
        .annotate(w_kind=Value("list"), w_id=F("pk"), w_participant=F("participant_id"),
                  w_first=F("participant__first_name"), w_last=F("participant__last_name"), w_group=F("group_id"),
                  w_label=F("group__name"), w_status=F("status"), w_when=F("w_since"))
    )
    listed = Interest.objects.waiting().filter(help_request=OuterRef("pk"))
    requests = (
        HelpRequest.objects.filter(status=HelpRequest.Status.OPEN, participant__team__in=team_ids, date__lt=cutoff)
        .exclude(Exists(listed))
        .annotate(w_kind=Value("request"), w_id=F("pk"), w_participant=F("participant_id"),
                  w_first=F("participant__first_name"), w_last=F("participant__last_name"),
                  w_group=Value(None, output_field=IntegerField()), w_label=F("theme"),
                  w_status=Value(""), w_when=F("date"))
    )
    columns = ("w_kind", "w_id", "w_participant", "w_first", "w_last", "w_group", "w_label", "w_status", "w_when")
    rows = on_list.values_list(*columns).union(requests.values_list(*columns), all=True).order_by("w_when", "w_id")
    queue = reverse("pathway:queue")
    found = []
    for kind, pk, participant_id, first, last, group_id, label, status, since in rows[:LONG_WAIT_SHOWN + 1]:
        url = (reverse("groups:detail", args=[group_id]) + "#wachtlijst") if kind == "list" else f"{queue}#vraag-{pk}"
        found.append({"kind": kind, "id": pk, "participant_id": participant_id, "name": f"{first} {last}".strip(),
                      "label": label, "trial": status == Interest.Status.TRIAL, "since": since,
                      "days": (today - since).days, "url": url})
    return found


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
        Group.objects.for_user(user).with_stats().with_places()
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
        Group.objects.with_stats().with_logged_dates().with_history()
        .select_related("previous_series", "next_series", "hand_over")
        .prefetch_related("facilitators", "life_domains", "contributors"),
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
    waiting = waiting_list(group, today)
    # A view changes nothing: one INSERT into the audit log is atomic on its own. The page names
    # every member, current and former, and everyone on the waiting list: all are recorded (ids only).
    shown = [e.participant_id for e in enrolments] + [i.participant_id for i in waiting]
    log_event(request.user, "group.viewed", group,
              {"members": len(active), "waiting": len(waiting), **residents_shown(shown)})
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
        "waiting": waiting,
        "full": bool(group.capacity) and len(active) >= group.capacity,
        "trial_days": trial_days(group, today, group.logged_dates or []) if waiting else [],
        "co_leads": [e for e in active if e.role == Enrolment.Role.CO_LEAD],
        "hand_over": getattr(group, "hand_over", None),
        "history": group.history(),
        "checks": group.checks_done(),
        "next_series": getattr(group, "next_series", None),
        "can_log": group.is_logged_by_organisation and not group.handed_over_by(today),
        "can_hand_over": _can_hand_over(group, today),
        "wish_figures": wish_figures(group),
    })


def wish_figures(group) -> dict[str, int]:
    """The change wishes linked to the group's enrolments, by status: one aggregate query.

    Internal only (counts, no names): never in a report or dashboard for the municipality.
    A wish linked to two enrolments in the group (a resident who came back) counts once.
    """
    def by_status(status):
        return Count("pk", filter=Q(status=status), distinct=True)

    return ChangeWish.objects.filter(enrolments__group=group).aggregate(
        formulated=Count("pk", distinct=True),
        open=by_status(ChangeWish.Status.OPEN),
        working=by_status(ChangeWish.Status.WORKING),
        achieved=by_status(ChangeWish.Status.ACHIEVED),
        dropped=by_status(ChangeWish.Status.DROPPED),
    )


def waiting_list(group, today) -> list[Interest]:
    """The group's waiting list, longest waiting first, with how the trial went (one query)."""
    rows = list(
        group.interests.waiting().with_trial_attendance().select_related("participant", "help_request")
        .order_by("since", "pk")
    )
    for row in rows:
        row.days_waiting = (today - row.since).days
        # Invited, and the day has not passed without a roll call yet.
        row.trial_ahead = row.trial_date is not None and row.trial_date >= today and row.trial_attendance is None
    return rows


def _can_hand_over(group, today) -> bool:
    hand_over = getattr(group, "hand_over", None)
    return (
        hand_over is not None and hand_over.pk is not None and hand_over.planned_on is not None
        and group.is_logged_by_organisation and today >= hand_over.planned_on
    )


@access.registration_required
def group_create(request):
    form = GroupForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            group = form.save()
            log_event(request.user, "group.created", group, {"fields": sorted(form.changed_data)})
            # The status history starts with the status the group was created with.
            services.record_status(request.user, group, on=services.status_date(group, timezone.localdate()))
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
            if "status" in form.changed_data:
                # Changed on the form instead of the status page: the history still gets the step.
                services.record_status(request.user, group, on=services.status_date(group, timezone.localdate()))
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
    # Each resident's open and worked-on change wishes, to choose from when enrolling (one query).
    current = ChangeWish.objects.filter(status__in=CURRENT_WISH_STATUSES).order_by("start_date", "pk")
    return list(
        queryset.select_related("team").prefetch_related(Prefetch("change_wishes", current, to_attr="current_wishes"))
        .order_by("sort_name", "first_name")[:SEARCH_RESULTS]
    )


def _log_search(user, group, results):
    if results:
        data = {"page": "enrol_search", "group": group.pk, **residents_shown(p.pk for p in results)}
        if any(p.current_wishes for p in results):
            data["wishes"] = True  # their change wishes are on the page, to choose from
        log_event(user, "participant.viewed", object_type="participants.participant", data=data)


@access.registration_required
def enrol(request, pk):
    """Aanmelden: search a resident and enrol them with one click (a full group: the waiting list)."""
    group = get_group_for_user(request, pk)
    form = EnrolForm(request.POST or None, user=request.user, group=group)
    members = list(group.enrolments.not_ended().select_related("participant"))
    full = bool(group.capacity) and len(members) >= group.capacity
    if request.method == "POST":
        outcome = _enrol(request, group, form, full, len(members)) if form.is_valid() else None
        if outcome == ENROLLED:
            return redirect("groups:enrol", pk=group.pk)
        if outcome is None:
            messages.error(request, _("The resident could not be enrolled; see the message below."))
    return _enrol_page(request, group, form, members, full)


def _enrol_page(request, group, form, members=None, full=None):
    if members is None:
        members = list(group.enrolments.not_ended().select_related("participant"))
        full = bool(group.capacity) and len(members) >= group.capacity
    q = _search_text(request)
    results = _search(request.user, group, q)
    chosen = _chosen_wishes(form)
    if form.is_bound:
        # A refused enrolment shows the wishes ticked and written as they were.
        texts = new_wish_texts(form.data)
        for participant in results:
            participant.new_wish = texts.get(str(participant.pk), "")
            participant.wish_open = bool(participant.new_wish) or any(
                wish.pk in chosen for wish in participant.current_wishes
            )
    waiting = list(group.interests.waiting().select_related("participant").order_by("since", "pk"))
    with transaction.atomic():
        _log_search(request.user, group, results)
        log_event(request.user, "group.viewed", group,
                  {"page": "enrol", **residents_shown([e.participant_id for e in members]
                                                      + [i.participant_id for i in waiting])})
    return render(request, "groups/enrol.html", {
        "group": group, "form": form, "q": q, "results": results, "members": members, "full": full,
        "waiting": waiting, "chosen_wishes": chosen,
        # Someone who works for more than one team may enrol a resident of another one (with consent).
        "other_teams": access.teams_for(request.user).exclude(pk=group.team_id).exists(),
    })


def _chosen_wishes(form) -> set[int]:
    return {int(v) for v in form.data.getlist("change_wishes") if v.isdigit()} if form.is_bound else set()


ENROLLED, ON_THE_LIST = "enrolled", "waiting"


def _enrol(request, group, form, full, enrolled) -> str | None:
    """Enrol the chosen resident; a full group puts them on its waiting list instead (overflow),
    unless "enrol anyway" is ticked. None (with the reason on the form) when the rules refuse it."""
    participant = form.cleaned_data["participant"]
    if full and not form.cleaned_data["confirm_capacity"]:
        return _overflow(request, group, form, enrolled)
    try:
        services.enrol(request.user, group, participant, role=form.cleaned_data["role"],
                       referral_source=form.cleaned_data["referral_source"],
                       start_date=form.cleaned_data["start_date"],
                       other_team_consent=form.cleaned_data["consent_other_team"], respect_capacity=False,
                       change_wishes=form.cleaned_data["change_wishes"], new_wish=form.cleaned_data["new_wish"])
    except ValidationError as error:
        form.add_error(None, error.messages)
        return None
    except IntegrityError:
        # A double click racing past the check: the first one enrolled the resident already.
        messages.info(request, _("%(name)s is already enrolled.") % {"name": participant.full_name})
        return ENROLLED
    messages.success(request, _("%(name)s is enrolled in %(group)s.")
                     % {"name": participant.full_name, "group": group.name})
    return ENROLLED


def _overflow(request, group, form, enrolled) -> str | None:
    """The group is full: the resident goes on the waiting list; "enrol anyway" stays possible."""
    participant = form.cleaned_data["participant"]
    values = {"group": group.name, "enrolled": enrolled, "capacity": group.capacity, "name": participant.full_name}
    try:
        with transaction.atomic():
            services.add_interest(request.user, group, participant,
                                  referral_source=form.cleaned_data["referral_source"], via="enrol_full")
            if form.cleaned_data["new_wish"]:
                # What was written is kept: the wish stays with the resident, to link when they are enrolled.
                save_change_wish(request.user, ChangeWish(participant=participant, text=form.cleaned_data["new_wish"]),
                                 fields=["text"], via="enrol_full")
    except ValidationError as error:
        form.add_error(None, _(
            "%(group)s is full: %(enrolled)s enrolled for %(capacity)s places. Tick “enrol anyway” to enrol "
            "%(name)s above the capacity."
        ) % values)
        form.add_error(None, error.messages)
        return None
    messages.warning(request, _(
        "%(group)s is full (%(enrolled)s enrolled for %(capacity)s places): %(name)s is now on the waiting list. "
        "To enrol %(name)s above the capacity after all, tick “enrol anyway” and enrol again."
    ) % values)
    if form.cleaned_data["new_wish"]:
        messages.info(request, _("The new change wish is saved with %(name)s, to link when they are enrolled.")
                      % values)
    return ON_THE_LIST


@access.registration_required
@require_POST
def waiting_add(request, pk):
    """Op de wachtlijst zetten: from the enrol page's search results, full group or not."""
    group = get_group_for_user(request, pk)
    form = WaitForm(request.POST, user=request.user, group=group)
    if form.is_valid():
        participant = form.cleaned_data["participant"]
        try:
            services.add_interest(request.user, group, participant,
                                  referral_source=form.cleaned_data["referral_source"], via="enrol_page")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except IntegrityError:
            messages.info(request, _("This resident is already on the waiting list of this group."))
            return redirect("groups:enrol", pk=group.pk)
        else:
            messages.success(request, _("%(name)s is on the waiting list of %(group)s.")
                             % {"name": participant.full_name, "group": group.name})
            return redirect("groups:enrol", pk=group.pk)
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return _enrol_page(request, group, EnrolForm(None, user=request.user, group=group))


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
    """Uitstroom: end an enrolment with a date and the resident's next step (the end reason).

    "Door naar een volgende reeks" ends the enrolment and enrols the resident in the course's next
    series in one step; without a planned next series it asks to plan that first.
    """
    group = get_group_for_user(request, pk, Group.objects.select_related("next_series"))
    enrolment = get_object_or_404(group.enrolments.select_related("participant"), pk=enrolment_pk)
    if enrolment.end_date is not None:
        messages.info(request, _("This enrolment has already ended."))
        return redirect("groups:detail", pk=group.pk)
    form = EndEnrolmentForm(request.POST or None, instance=enrolment)
    wishes, linked = _wishes_to_reflect_on(enrolment)
    reflections = [WishReflectionForm(request.POST or None, wish=wish) for wish in wishes]
    if request.method == "POST" and all([form.is_valid(), *(r.is_valid() for r in reflections)]):
        done = _end_enrolment(request, group, enrolment, form, [r.reflection() for r in reflections])
        if done:
            return redirect("groups:detail", pk=group.pk)
    if request.method == "GET":
        # The page names the resident (and shows their change wishes): a view of their record.
        log_event(request.user, "participant.viewed", enrolment.participant,
                  {"page": "enrolment_end", "group": group.pk, "enrolment": enrolment.pk,
                   "change_wishes": [wish.pk for wish in wishes]})
    return render(request, "groups/enrolment_end.html", {
        "group": group, "enrolment": enrolment, "form": form, "next_series": getattr(group, "next_series", None),
        "reflections": reflections, "wishes_linked": linked,
        "reflection_errors": any(r.errors for r in reflections),
    })


def _wishes_to_reflect_on(enrolment) -> tuple[list, bool]:
    """The change wishes linked to the enrolment; without any, the resident's open and worked-on ones.

    An enrolment from the waiting list or the bundling board starts without a wish: answering one
    here links it (``services.end_enrolment``). True when the wishes shown are the linked ones.
    """
    linked = list(enrolment.change_wishes.order_by("start_date", "pk"))
    if linked:
        return linked, True
    return list(enrolment.participant.change_wishes.filter(status__in=CURRENT_WISH_STATUSES)
                .order_by("start_date", "pk")), False


def _end_enrolment(request, group, enrolment, form, reflections) -> bool:
    end_date, reason = form.cleaned_data["end_date"], form.cleaned_data["end_reason"]
    name = enrolment.participant.full_name
    if reason.code != NEXT_SERIES:
        try:
            services.end_enrolment(request.user, enrolment, end_date=end_date, end_reason=reason,
                                   reflections=reflections)
        except ValidationError as error:
            form.add_error(None, error.messages)
            return False
        messages.success(request, _("The enrolment of %(name)s has ended.") % {"name": name})
        return True
    following = getattr(group, "next_series", None)
    if following is None:
        form.add_error("end_reason", _(
            "No next series of %(group)s is planned yet. Plan the next series first; then %(name)s moves on "
            "to it in one step."
        ) % {"group": group.name, "name": name})
        return False
    try:
        moved = services.end_into_next_series(request.user, enrolment, end_date=end_date, reflections=reflections)
    except ValidationError as error:
        form.add_error(None, error.messages)
        return False
    except IntegrityError:
        form.add_error(None, _("%(name)s is already enrolled in the next series.") % {"name": name})
        return False
    messages.success(request, _(
        "%(name)s moves on to series %(number)s of %(group)s: enrolled there from %(date)s, and the enrolment "
        "in this series has ended."
    ) % {"name": name, "number": following.series_number, "group": following.name, "date": _date(moved.start_date)})
    return True


NEXT_SERIES = "next_series"


# --- The waiting list ----------------------------------------------------------------------------


def _waiting_refused(request, pk, message):
    """A waiting-list action the rules refused: the group page again (200) with the reason on top."""
    messages.error(request, message)
    return group_detail(request, pk)


def _to_waiting_list(group):
    return redirect(reverse("groups:detail", args=[group.pk]) + "#wachtlijst")


@access.registration_required
@require_POST
def waiting_enrol(request, pk):
    """Inschrijven: one tap enrols a resident from the waiting list (above the capacity only when asked)."""
    group = get_group_for_user(request, pk)
    form = InterestForm(request.POST, group=group)
    if not form.is_valid():
        return _waiting_refused(request, pk, _("This resident is no longer on the waiting list."))
    interest = form.cleaned_data["interest"]
    try:
        enrolment = services.enrol_from_list(request.user, interest,
                                             respect_capacity=not form.cleaned_data["confirm_capacity"])
    except services.GroupFull:
        return _waiting_refused(request, pk, _(
            "%(group)s is full (%(capacity)s places): %(name)s stays on the waiting list. Choose “enrol above "
            "the capacity” to enrol anyway."
        ) % {"group": group.name, "capacity": group.capacity, "name": interest.participant.full_name})
    except ValidationError as error:
        return _waiting_refused(request, pk, " ".join(error.messages))
    except IntegrityError:
        return _waiting_refused(request, pk, _("%(name)s is already enrolled.")
                                % {"name": interest.participant.full_name})
    messages.success(request, _("%(name)s is enrolled in %(group)s from %(date)s.") % {
        "name": interest.participant.full_name, "group": group.name, "date": _date(enrolment.start_date)})
    return _to_waiting_list(group)


@access.registration_required
@require_POST
def waiting_trial(request, pk):
    """Uitnodigen voor een proefbijeenkomst: the resident is on that day's roll call with a "proef" badge."""
    group = get_group_for_user(request, pk)
    form = TrialForm(request.POST, group=group)
    if not form.is_valid():
        return _waiting_refused(request, pk, " ".join(str(e) for errors in form.errors.values() for e in errors))
    interest = form.cleaned_data["interest"]
    try:
        services.invite_to_trial(request.user, interest, on=form.cleaned_data["day"])
    except ValidationError as error:
        return _waiting_refused(request, pk, " ".join(error.messages))
    messages.success(request, _("%(name)s is invited to try the session of %(date)s: on its roll call with a "
                                "“trial” badge.") % {"name": interest.participant.full_name,
                                                     "date": _date(interest.trial_date)})
    return _to_waiting_list(group)


@access.registration_required
@require_POST
def waiting_withdraw(request, pk):
    """Van de lijst halen: the resident no longer waits for this group."""
    group = get_group_for_user(request, pk)
    form = InterestForm(request.POST, group=group)
    if not form.is_valid():
        return _waiting_refused(request, pk, _("This resident is no longer on the waiting list."))
    interest = form.cleaned_data["interest"]
    try:
        services.withdraw_interest(request.user, interest)
    except ValidationError as error:
        return _waiting_refused(request, pk, " ".join(error.messages))
    messages.success(request, _("%(name)s is no longer on the waiting list.")
                     % {"name": interest.participant.full_name})
    return _to_waiting_list(group)


# --- Series, status, hand-over, checks ---------------------------------------------------------------


@access.registration_required
def series_next(request, pk):
    """Volgende reeks plannen: the course's next series, a group of its own with the same set-up."""
    group = get_group_for_user(request, pk, Group.objects.select_related("next_series"))
    following = getattr(group, "next_series", None)
    if following is not None:
        messages.info(request, _("The next series of this course is already planned."))
        return redirect("groups:detail", pk=following.pk)
    form = SeriesForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            following = services.plan_next_series(request.user, group, start_date=form.cleaned_data["start_date"])
        except ValidationError as error:
            form.add_error(None, error.messages)
        except IntegrityError:
            # A double click: the first one planned it.
            return redirect("groups:detail", pk=group.pk)
        else:
            messages.success(request, _("Series %(number)s of %(group)s is planned from %(date)s.") % {
                "number": following.series_number, "group": following.name, "date": _date(following.start_date)})
            return redirect("groups:detail", pk=following.pk)
    return render(request, "groups/series_form.html", {"group": group, "form": form})


@access.registration_required
def status_change(request, pk):
    """Status wijzigen: forming → running → afbouwen → zelfstandig / beëindigd, with its date."""
    group = get_group_for_user(request, pk)
    form = StatusForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_group_status(request.user, group, data["status"], on=data["date"], note=data["note"])
        except ValidationError as error:
            group.refresh_from_db()
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("%(group)s is now “%(status)s” (from %(date)s).") % {
                "group": group.name, "status": group.get_status_display(), "date": _date(data["date"])})
            if group.status == Group.Status.PHASING_OUT and not HandOver.objects.filter(group=group).exists():
                return redirect("groups:hand_over", pk=group.pk)
            return redirect("groups:detail", pk=group.pk)
    return render(request, "groups/status_form.html", {"group": group, "form": form,
                                                       "history": group.history()})


@access.registration_required
def hand_over(request, pk):
    """Afbouwen: the hand-over date, the checklist and the residents who co-lead; then "Overdragen"."""
    group = get_group_for_user(request, pk, Group.objects.select_related("hand_over"))
    today = timezone.localdate()
    members = list(group.enrolments.not_ended(today).select_related("participant"))
    plan = getattr(group, "hand_over", None) or HandOver(group=group)
    can_hand_over = _can_hand_over(group, today)  # as stored: before the form changes the plan in memory
    form = HandOverForm(request.POST or None, instance=plan, group=group, members=members)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.save_hand_over(request.user, form.save(commit=False), fields=form.changed_data)
                services.set_co_leads(request.user, group, [e.pk for e in form.cleaned_data["co_leads"]], on=today)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("The hand-over of %(group)s is planned for %(date)s.")
                             % {"group": group.name, "date": _date(plan.planned_on)})
            return redirect("groups:hand_over", pk=group.pk)
    if request.method == "GET":
        log_event(request.user, "group.viewed", group,
                  {"page": "hand_over", **residents_shown(e.participant_id for e in members)})
    return render(request, "groups/hand_over.html", {
        "group": group, "form": form, "plan": plan if plan.pk else None, "today": today,
        "can_hand_over": can_hand_over,
    })


@access.registration_required
@require_POST
def hand_over_done(request, pk):
    """Overdragen: on or after the planned date the group becomes self-running from that date."""
    group = get_group_for_user(request, pk, Group.objects.select_related("hand_over"))
    try:
        services.hand_over_group(request.user, group)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("groups:hand_over", pk=group.pk)
    messages.success(request, _(
        "%(group)s is handed over to its residents from %(date)s: it is self-running, and no roll call is "
        "kept from that day on."
    ) % {"group": group.name, "date": _date(group.handed_over_on)})
    return redirect("groups:detail", pk=group.pk)


@access.registration_required
def group_check(request, pk):
    """"Draait het nog?": a quarterly check of a self-running group by its former social worker."""
    group = get_group_for_user(request, pk)
    form = CheckForm(request.POST or None)
    if group.status != Group.Status.SELF_RUNNING:
        messages.info(request, _("Only a self-running group is checked this way."))
        return redirect("groups:detail", pk=group.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_check(request.user, group, still_meets=data["still_meets"],
                                  approx_attendance=data["approx_attendance"])
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Thank you: the check of %(group)s is saved.") % {"group": group.name})
            if request.POST.get("next") == "start":
                return redirect("home")
            return redirect("groups:detail", pk=group.pk)
    return render(request, "groups/check_form.html", {"group": group, "form": form})


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
    # "Veranderwensen tonen": off by default, so that logging stays under a minute. A GET parameter
    # (also on the save, which posts to the same address), so it works without JavaScript.
    show_wishes = request.GET.get(WISHES_PARAM) == "1"
    roll_call = RollCall(request.POST if request.method == "POST" else None,
                         user=request.user, group=group, session=session, show_wishes=show_wishes)
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
        _log_form_view(request.user, group, session, [row.pk for row in roll_call.rows], wishes=show_wishes)
    return _render_roll_call(request, roll_call)


WISHES_PARAM = "wensen"


def _wishes_toggle_url(request, show: bool) -> str:
    """This roll call's address with the change wishes switched on or off (other parameters kept)."""
    query = request.GET.copy()
    query.pop(WISHES_PARAM, None)
    if show:
        query[WISHES_PARAM] = "1"
    return f"{request.path}?{query.urlencode()}" if query else request.path


# A success message carrying this tag names the browser copy of a roll call that is now saved.
SAVED_MARKER = "saved-session:"


def _draft_key(roll_call) -> str:
    """Where the browser keeps its copy of this roll call: per group, the date it was opened for, session."""
    day = roll_call.form.initial.get("date")
    return f"collectief-session:{roll_call.group.pk}:{_date_key(day)}:{roll_call.session.pk or 'new'}"


def _date_key(day) -> str:
    return day.isoformat() if hasattr(day, "isoformat") else str(day or "")


def _render_roll_call(request, roll_call):
    return render(request, "groups/session_form.html", {
        **roll_call.context(), "draft_key": roll_call.draft_key,
        "wishes_toggle_url": _wishes_toggle_url(request, not roll_call.show_wishes),
    })


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


def _log_form_view(user, group, session, shown, *, wishes=False):
    # Opening the roll call shows the names of the group's members: record which (ids only), and
    # whether their change wishes were switched on (then those are on screen too).
    data = {"page": "session_form", **residents_shown(shown)}
    if wishes:
        data["wishes"] = True
    if session.pk is None:
        log_event(user, "group.viewed", group, data)
    else:
        log_event(user, "session.viewed", session, data)


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
