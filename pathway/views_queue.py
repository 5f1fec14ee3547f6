"""The team queue of help requests (/ondersteuningsvragen/) and the weighing step of one request.

The queue lists the open requests of the user's teams, longest waiting first; the request page
records the weighing of "collectief, tenzij" (route, *tenzij* reason, why) with its dated history,
the days and times that suit the resident, and how the request ends: matched to individual
support, closed with a reason, or reopened. Matching to a group happens on the bundling board and
the group's enrol page (groups.services.enrol with ``help_request``), which the page links to.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from collectief.access import registration_required
from collectief.audit import residents_shown
from collectief.models import log_event
from participants import services
from participants.models import WEEKDAYS, HelpRequest, Participant

from . import requests
from .forms_queue import CloseForm, MatchSupportForm, PreferredTimesForm, QueueFilterForm, WeighForm

PAGE_SIZE = 50
DAY_LABELS = dict(WEEKDAYS)
DAYPART_LABELS = dict(HelpRequest.Daypart.choices)
LANGUAGE_LABELS = dict(Participant.Language.choices)


def _describe(help_request) -> None:
    """Labels for what the queue and the request page show (no queries: annotated values only)."""
    help_request.day_labels = [DAY_LABELS[d] for d in help_request.preferred_days if d in DAY_LABELS]
    help_request.daypart_labels = [DAYPART_LABELS[p] for p in help_request.preferred_dayparts if p in DAYPART_LABELS]
    help_request.age_band_label = requests.AGE_BAND_LABELS.get(help_request.age_band, "")
    help_request.language_label = LANGUAGE_LABELS.get(help_request.language, "")
    if help_request.closed_on:
        help_request.days_waited = (help_request.closed_on - help_request.date).days


# --- The queue -----------------------------------------------------------------------------------


@registration_required
@require_safe
def queue(request):
    on = timezone.localdate()
    form = QueueFilterForm(request.GET, user=request.user)
    if form.status_value == HelpRequest.Status.OPEN:
        rows = requests.open_requests(request.user, on)
    else:
        # Looking back: the most recently matched or closed first.
        rows = requests.annotate(requests.for_user(request.user), on).order_by("-closed_on", "-id")
    page = Paginator(form.filter(rows, on), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for help_request in page.object_list:
        _describe(help_request)
    query = request.GET.copy()
    query.pop("page", None)
    with transaction.atomic():
        # One event per page shown: the residents on screen and the names of the filters used.
        log_event(
            request.user, "help_request_queue.viewed", None,
            {"filters": form.used, "status": form.status_value,
             **residents_shown(h.participant_id for h in page.object_list)},
            object_type=HelpRequest._meta.label_lower,
        )
    return render(request, "pathway/queue.html", {
        "form": form, "page": page, "query": query.urlencode(), "status": form.status_value, "today": on,
    })


# --- One request: the weighing step ------------------------------------------------------------


def get_request_for_user(request, pk):
    """The help request (annotated as in the queue) if its resident is in the user's teams; else 404."""
    queryset = requests.annotate(requests.for_user(request.user), timezone.localdate()).select_related(
        "participant__team", "matched_support__framework"
    )
    return get_object_or_404(queryset, pk=pk)


def _url(help_request, anchor=""):
    return reverse("pathway:request", args=[help_request.pk]) + (f"#{anchor}" if anchor else "")


def _board_url(help_request) -> str:
    """The bundling board, filtered to the request's life domain and wijk (where known)."""
    query = {"life_domain": help_request.life_domain_id, "wijk": help_request.wijk_id}
    query = {key: value for key, value in query.items() if value}
    return reverse("pathway:board") + (f"?{urlencode(query)}" if query else "")


def _render_request(request, help_request, **bound):
    """The request page; ``bound`` re-shows one form with its error messages (HTTP 200)."""
    _describe(help_request)
    forms = {
        "weigh_form": WeighForm(initial={"route": help_request.route, "tenzij_reason": help_request.tenzij_reason}),
        "times_form": PreferredTimesForm(initial={
            "preferred_days": help_request.preferred_days, "preferred_dayparts": help_request.preferred_dayparts,
        }),
        "match_form": MatchSupportForm(help_request=help_request),
        "close_form": CloseForm(),
    }
    forms.update(bound)
    with transaction.atomic():
        log_event(request.user, "help_request.viewed", help_request.participant,
                  {"help_request": help_request.pk, "page": "weighing"})
    return render(request, "pathway/request_detail.html", {
        "help_request": help_request,
        "participant": help_request.participant,
        "history": help_request.route_changes.select_related("changed_by"),
        # Enrolments that answered the request (groups.Enrolment.help_request).
        "enrolments": help_request.enrolments.select_related("group"),
        "interests": help_request.interests.waiting().select_related("group"),
        "board_url": _board_url(help_request),
        "statuses": HelpRequest.Status,
        **forms,
    })


@registration_required
@require_safe
def request_detail(request, pk):
    return _render_request(request, get_request_for_user(request, pk))


def _add_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, ValidationError(errors))
    else:
        form.add_error(None, error)


def _act(request, help_request, form_name, form, action, done: str, anchor: str = ""):
    """Validate ``form``, run ``action(help_request, cleaned_data)`` (a service), redirect; or show the errors."""
    if form.is_valid():
        try:
            action(help_request, form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(_url(help_request, anchor))
        # The service may have changed the object in memory before it refused: show what is stored.
        help_request = get_request_for_user(request, help_request.pk)
    return _render_request(request, help_request, **{form_name: form})


@registration_required
@require_POST
def request_weigh(request, pk):
    return _act(
        request, get_request_for_user(request, pk), "weigh_form", WeighForm(request.POST),
        lambda hr, data: services.weigh_request(
            request.user, hr, route=data["route"], tenzij_reason=data["tenzij_reason"], why=data["why"]
        ),
        _("The weighing has been recorded."), "route-history",
    )


@registration_required
@require_POST
def request_times(request, pk):
    return _act(
        request, get_request_for_user(request, pk), "times_form", PreferredTimesForm(request.POST),
        lambda hr, data: services.set_preferred_times(
            request.user, hr, days=data["preferred_days"], dayparts=data["preferred_dayparts"]
        ),
        _("The days and times that suit have been saved."), "times",
    )


@registration_required
@require_POST
def request_match(request, pk):
    help_request = get_request_for_user(request, pk)
    return _act(
        request, help_request, "match_form", MatchSupportForm(request.POST, help_request=help_request),
        lambda hr, data: services.match_to_support(request.user, hr, data["support"]),
        _("The request has been matched to individual support."),
    )


@registration_required
@require_POST
def request_close(request, pk):
    return _act(
        request, get_request_for_user(request, pk), "close_form", CloseForm(request.POST),
        lambda hr, data: services.close_request(request.user, hr, reason=data["reason"], on=data["closed_on"]),
        _("The request has been closed."),
    )


@registration_required
@require_POST
def request_reopen(request, pk):
    help_request = get_request_for_user(request, pk)
    if help_request.status != HelpRequest.Status.CLOSED:
        # Only a closed request is reopened; a matched one is answered (end the enrolment or support instead).
        messages.error(request, _("Only a closed request can be reopened."))
    else:
        services.reopen_request(request.user, help_request)
        messages.success(request, _("The request has been reopened."))
    return redirect(_url(help_request))
