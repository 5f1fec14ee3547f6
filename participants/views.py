"""Participant pages: list, register (with the duplicate check), edit, and the participant page
with its sections (change wishes, help requests, individual support, consent, groups)."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Prefetch, Q
from django.forms import ModelForm
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from collectief import access
from collectief.audit import DOSSIER_READERS, dossier_views
from collectief.models import AuditEvent, PostcodeArea, log_event
from collectief.signals import registration_changed

from . import export, health_chart, services
from .filters import ParticipantFilter
from .forms import (
    PRODUCT_SUGGESTIONS,
    ChangeWishForm,
    ChangeWishStatusForm,
    ConsentForm,
    ErasureConfirmForm,
    ErasureRequestForm,
    ExportForm,
    HelpRequestForm,
    IndividualSupportForm,
    MeasurementForm,
    ParticipantCreateForm,
    ParticipantEditForm,
)
from .models import (
    ChangeWish,
    Consent,
    HelpRequest,
    IndividualSupport,
    Measurement,
    Participant,
    may_decide_erasure,
)

PAGE_SIZE = 25
# The participant page shows the most recent attendance; older rows stay in the database and
# in the reports. A cap keeps the page fast for someone who has come weekly for years.
ATTENDANCE_SHOWN = 50
# The rights of residents (export everything, erasure) are exercised by coordinators and
# administrators; social workers may not.
RIGHTS = frozenset({access.Role.COORDINATOR, access.Role.ADMINISTRATOR})
rights_required = access.role_required(RIGHTS)


def get_participant_for_user(request, pk, queryset=None):
    """The participant, if the user may see it; 404 otherwise (no hint that it exists)."""
    queryset = queryset if queryset is not None else Participant.objects.all()
    return access.get_for_user(queryset.select_related("team__municipality", "neighbourhood"), request.user, pk=pk)


def _log_view(request, participant, page):
    log_event(request.user, "participant.viewed", participant, {"page": page})


def _refuse_if_erased(request, participant):
    """A redirect to the page when the resident was anonymised (nothing new is recorded), else None."""
    if not participant.is_erased:
        return None
    messages.error(request, _("This resident's data have been anonymised: nothing new can be recorded."))
    return redirect("participants:detail", pk=participant.pk)


# --- List -------------------------------------------------------------------------------------


@access.registration_required
def participant_list(request):
    base = (
        Participant.objects.for_user(request.user).select_related("team", "neighbourhood").with_active_flag()
    )
    filterset = ParticipantFilter(request.GET or None, queryset=base, request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    with transaction.atomic():
        # One event per page shown: which residents were on screen, and which filters were used
        # (names only: the search text itself may be a name).
        log_event(
            request.user,
            "participant_list.viewed",
            None,
            {
                "filters": sorted(k for k, v in request.GET.items() if v and k != "page"),
                "participant_ids": [p.pk for p in page.object_list],
            },
            object_type=Participant._meta.label_lower,
        )
    context = {"filter": filterset, "page": page, "query": query.urlencode()}
    if request.htmx and request.htmx.target == "participant-results":
        return render(request, "participants/_results.html", context)
    return render(request, "participants/participant_list.html", context)


# --- Register and edit ------------------------------------------------------------------------


@access.registration_required
def participant_create(request):
    # A first contact (a sign-up from the group finder) may bring a first name and a phone number.
    initial = {k: request.GET[k][:100] for k in ("first_name", "phone", "email") if request.GET.get(k)}
    form = ParticipantCreateForm(request.POST if request.method == "POST" else None, user=request.user,
                                 initial=initial)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not data["not_a_duplicate"]:
            # Only residents the user may see: the check must not reveal other teams' residents.
            duplicates = list(
                Participant.objects.for_user(request.user)
                .likely_duplicates(
                    data["first_name"], data["last_name"], data["birth_date"], data["postcode"], team=data["team"]
                )
                .select_related("neighbourhood", "team")[:10]
            )
        if not duplicates:
            participant = services.register_participant(
                request.user, form.save(commit=False),
                fields=[f for f in form.changed_data if f not in ("not_a_duplicate", "consent_registration")],
                duplicate_warning_overridden=data["not_a_duplicate"],
            )
            messages.success(request, _("%(name)s has been registered.") % {"name": participant.full_name})
            return redirect("participants:detail", pk=participant.pk)
    return render(
        request,
        "participants/participant_form.html",
        {"form": form, "duplicates": duplicates, "creating": True},
    )


@access.registration_required
def participant_edit(request, pk):
    participant = get_participant_for_user(request, pk)
    if refused := _refuse_if_erased(request, participant):
        return refused
    form = ParticipantEditForm(
        request.POST if request.method == "POST" else None, user=request.user, instance=participant
    )
    if request.method == "POST" and form.is_valid():
        if _save_participant(request.user, participant, form):
            messages.success(request, _("The changes have been saved."))
            return redirect("participants:detail", pk=participant.pk)
        current = get_participant_for_user(request, pk)
        if refused := _refuse_if_erased(request, current):
            return refused
        form.refused_as_stale(current, saved_by=_last_saved_by(current))
        participant = current  # the page names the resident as stored
    with transaction.atomic():
        _log_view(request, participant, "edit")
    return render(
        request,
        "participants/participant_form.html",
        {"form": form, "participant": participant, "creating": False, "stale": form.stale},
    )


def _save_participant(user, participant, form) -> bool:
    """Save the changed personal details in one conditional UPDATE: only when the stored version is
    still the one the user opened (and the resident was not anonymised meanwhile), raising it.
    False: someone else saved in between, nothing was saved."""
    fields = form.fields_to_save
    with transaction.atomic():
        if fields:
            values = {name: getattr(participant, name) for name in fields}
            values["updated_at"] = timezone.now()
            stored = Participant.objects.filter(pk=participant.pk, erased_at__isnull=True)
            if form.opened_version is not None:
                stored = stored.filter(version=form.opened_version)
            if stored.update(version=F("version") + 1, **values) != 1:
                return False
            registration_changed.send(sender=Participant)  # an UPDATE sends no post_save
        log_event(user, "participant.updated", participant, {"fields": fields})
    return True


def _last_saved_by(participant) -> str:
    """Who saved the resident's personal details last (the audit log), for the comparison."""
    event = (
        AuditEvent.objects.filter(object_type=Participant._meta.label_lower, object_id=str(participant.pk),
                                  event__in=["participant.updated", "participant.created"])
        .select_related("user").order_by("-at", "-pk").first()
    )
    user = event.user if event else None
    return (user.get_full_name() or user.get_username()) if user else ""


# --- The participant page ---------------------------------------------------------------------


def _detail_queryset():
    return Participant.objects.prefetch_related(
        Prefetch("consents", queryset=Consent.objects.select_related("recorded_by")),
        # With each wish its history: earlier wordings and how it stood at the end of a group.
        Prefetch("change_wishes", queryset=ChangeWish.objects.select_related("life_domain").prefetch_related("notes")),
        Prefetch("help_requests", queryset=HelpRequest.objects.select_related("life_domain")),
        Prefetch("individual_supports", queryset=IndividualSupport.objects.select_related("framework")),
    )


def _render_detail(request, participant, bound_forms=None):
    """The participant page; ``bound_forms`` re-shows a section form with its error messages."""
    bound_forms = bound_forms or {}
    forms = {name: bound_forms.get(name) or section.form(prefix=name) for name, section in SECTIONS.items()}
    forms["consent"] = bound_forms.get("consent") or ConsentForm(prefix="consent")
    # Reverse relations only: this app must not import the groups app (it depends on us).
    enrolments = list(participant.enrolments.select_related("group", "end_reason").order_by("-start_date"))
    today = timezone.localdate()
    for enrolment in enrolments:
        enrolment.running = enrolment.is_running_on(today)  # the one definition (groups.models.running_on)
    attendances = participant.attendances.select_related("session__group").order_by(
        "-session__date", "-session__start_time"
    )
    attendance_totals = participant.attendances.aggregate(
        total=Count("pk"), present=Count("pk", filter=Q(status="present"))
    )
    with transaction.atomic():
        _log_view(request, participant, "detail")
    return render(
        request,
        "participants/participant_detail.html",
        {
            "participant": participant,
            "consents": participant.current_consents(),
            "consent_history": participant.consents.all(),
            "change_wishes": participant.change_wishes.all(),
            "status_choices": ChangeWish.Status.choices,
            "help_requests": participant.help_requests.all(),
            "supports": participant.individual_supports.all(),
            "enrolments": enrolments,
            "attendances": attendances[:ATTENDANCE_SHOWN],
            "attendance_totals": attendance_totals,
            "attendance_shown": ATTENDANCE_SHOWN,
            # Positive Health: the spider web of start and latest, the resident's own view.
            "positive_health": health_chart.summary(_measurements(participant)),
            "forms": forms,
            "product_suggestions": PRODUCT_SUGGESTIONS,
            # "Wie heeft dit dossier bekeken": coordinators and administrators only.
            "dossier_views": dossier_views(participant.pk) if access.has_role(request.user, DOSSIER_READERS) else None,
            "rights": _rights(request.user, participant) if access.has_role(request.user, RIGHTS) else None,
        },
    )


def _rights(user, participant) -> dict:
    """The export buttons and the erasure route on the page (coordinators, administrators): two queries."""
    pending = participant.erasure_requests.pending().select_related("requested_by").first()
    may_decide = may_decide_erasure(user, participant)
    return {
        "pending": pending,
        "may_decide": may_decide,
        "may_confirm": may_decide and pending is not None and pending.may_be_confirmed_by(user),
        "request_form": ErasureRequestForm(),
        "confirm_form": ErasureConfirmForm(),
    }


@access.registration_required
def participant_detail(request, pk):
    participant = get_participant_for_user(request, pk, _detail_queryset())
    return _render_detail(request, participant)


# --- Sections: change wishes, help requests, individual support --------------------------------


@dataclass(frozen=True)
class Section:
    """A list on the participant page with add / edit / delete, all audited the same way."""

    model: type
    form: type[ModelForm]
    related_name: str
    anchor: str
    title: str
    added: str
    saved: str
    deleted: str


SECTIONS = {
    "change_wish": Section(
        ChangeWish,
        ChangeWishForm,
        "change_wishes",
        "change-wishes",
        gettext_lazy("Change wish"),
        gettext_lazy("The change wish has been added."),
        gettext_lazy("The change wish has been saved."),
        gettext_lazy("The change wish has been deleted."),
    ),
    "help_request": Section(
        HelpRequest,
        HelpRequestForm,
        "help_requests",
        "help-requests",
        gettext_lazy("Help request"),
        gettext_lazy("The help request has been added."),
        gettext_lazy("The help request has been saved."),
        gettext_lazy("The help request has been deleted."),
    ),
    "individual_support": Section(
        IndividualSupport,
        IndividualSupportForm,
        "individual_supports",
        "supports",
        gettext_lazy("Individual support"),
        gettext_lazy("The support period has been added."),
        gettext_lazy("The support period has been saved."),
        gettext_lazy("The support period has been deleted."),
    ),
}


def _detail_url(participant, anchor):
    return reverse("participants:detail", args=[participant.pk]) + f"#{anchor}"


def _get_item(participant, section, item_pk):
    """A row of this participant's section; 404 for a row of anyone else."""
    return get_object_or_404(getattr(participant, section.related_name).all(), pk=item_pk)


def _save_item(request, participant, section_name, form, verb):
    """Save a section form and audit it; False (with a form error) when the database refuses."""
    try:
        if section_name == "help_request":
            # The route of a help request ("collectief, tenzij") is decided in one place.
            services.route_help_request(request.user, form.save(commit=False), fields=form.changed_data)
            return True
        if section_name == "change_wish":
            # A new wording keeps the earlier one as the wish's history (in the same transaction).
            try:
                services.save_change_wish(request.user, form.save(commit=False), fields=form.changed_data)
            except ValidationError as error:  # deleted by someone else meanwhile
                form.add_error(None, error.messages)
                return False
            return True
        with transaction.atomic():
            item = form.save()
            # Logged against the participant, so "who touched this resident's record" is one lookup.
            log_event(
                request.user,
                f"{section_name}.{verb}",
                participant,
                {section_name: item.pk, "fields": form.changed_data},
            )
    except IntegrityError:
        # A double submit racing past the form's checks; tell the user rather than fail.
        form.add_error(None, _("This could not be saved because it clashes with an existing entry."))
        return False
    return True


@access.registration_required
@require_POST
def item_add(request, pk, section):
    sect = SECTIONS[section]
    participant = get_participant_for_user(request, pk, _detail_queryset())
    if refused := _refuse_if_erased(request, participant):
        return refused
    form = sect.form(request.POST, instance=sect.model(participant=participant), prefix=section)
    if form.is_valid() and _save_item(request, participant, section, form, "created"):
        messages.success(request, sect.added)
        return redirect(_detail_url(participant, sect.anchor))
    return _render_detail(request, participant, {section: form})


@access.registration_required
def item_edit(request, pk, item_pk, section):
    sect = SECTIONS[section]
    participant = get_participant_for_user(request, pk)
    if refused := _refuse_if_erased(request, participant):
        return refused
    item = _get_item(participant, sect, item_pk)
    form = sect.form(request.POST if request.method == "POST" else None, instance=item)
    if (
        request.method == "POST"
        and form.is_valid()
        and _save_item(request, participant, section, form, "updated")
    ):
        messages.success(request, sect.saved)
        return redirect(_detail_url(participant, sect.anchor))
    if request.method == "GET":
        with transaction.atomic():
            _log_view(request, participant, f"{section}.edit")
    context = {
        "participant": participant,
        "form": form,
        "section": sect,
        "product_suggestions": PRODUCT_SUGGESTIONS,
    }
    return render(request, "participants/item_form.html", context)


@access.registration_required
def item_delete(request, pk, item_pk, section):
    sect = SECTIONS[section]
    participant = get_participant_for_user(request, pk)
    item = _get_item(participant, sect, item_pk)
    if request.method == "POST":
        with transaction.atomic():
            log_event(request.user, f"{section}.deleted", participant, {section: item.pk})
            item.delete()
        messages.success(request, sect.deleted)
        return redirect(_detail_url(participant, sect.anchor))
    with transaction.atomic():
        _log_view(request, participant, f"{section}.delete")
    return render(
        request,
        "participants/item_confirm_delete.html",
        {"participant": participant, "item": item, "section": sect},
    )


@access.registration_required
@require_POST
def change_wish_status(request, pk, item_pk):
    participant = get_participant_for_user(request, pk)
    wish = _get_item(participant, SECTIONS["change_wish"], item_pk)
    form = ChangeWishStatusForm(request.POST, instance=wish)
    if form.is_valid():
        with transaction.atomic():
            form.save()
            log_event(
                request.user,
                "change_wish.updated",
                participant,
                {"change_wish": wish.pk, "fields": ["status"]},
            )
        messages.success(request, _("The status has been changed."))
    else:
        messages.error(request, _("Choose one of the statuses in the list."))
    return redirect(_detail_url(participant, "change-wishes"))


@access.registration_required
@require_POST
def consent_add(request, pk):
    participant = get_participant_for_user(request, pk, _detail_queryset())
    if refused := _refuse_if_erased(request, participant):
        return refused
    form = ConsentForm(
        request.POST, instance=Consent(participant=participant, recorded_by=request.user), prefix="consent"
    )
    if form.is_valid():
        # Withdrawn registration consent starts the erasure route (an erasure request).
        erasure_request = services.record_consent(request.user, form.save(commit=False))
        messages.success(request, _("The consent decision has been recorded."))
        if erasure_request is not None:
            messages.warning(request, _(
                "Consent for registration was withdrawn: a request to anonymise this resident's data "
                "has been made. Another coordinator (or an administrator) must confirm it."
            ))
            return redirect(_detail_url(participant, "rights"))
        return redirect(_detail_url(participant, "consent"))
    return _render_detail(request, participant, {"consent": form})


# --- Rights of residents: export everything, erasure as anonymisation ---------------------------


@rights_required
@require_POST
def participant_export(request, pk):
    """Everything about the resident as PDF or JSON (AVG art. 15); audited, never cached."""
    participant = get_participant_for_user(request, pk, export.queryset())
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose PDF or JSON."))
        return redirect(_detail_url(participant, "rights"))
    kind = form.cleaned_data["format"]
    data = export.build(participant)
    content = export.as_pdf(data) if kind == "pdf" else export.as_json(data)
    with transaction.atomic():
        log_event(request.user, "participant.exported", participant, {"format": kind})
    content_type = "application/pdf" if kind == "pdf" else "application/json; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename(participant, kind)}"'
    patch_cache_control(response, no_store=True, private=True)
    return response


def _erasure_participant(request, pk):
    """The resident, if the user may see them and decide on their erasure (coordinator of their team)."""
    participant = get_participant_for_user(request, pk)
    if not may_decide_erasure(request.user, participant):
        raise PermissionDenied
    return participant


@rights_required
@require_POST
def erasure_request(request, pk):
    participant = _erasure_participant(request, pk)
    form = ErasureRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a short reason for the erasure request."))
        return redirect(_detail_url(participant, "rights"))
    try:
        _request, created = services.request_erasure(request.user, participant, reason=form.cleaned_data["reason"])
    except services.ErasureRefused as refused:
        messages.error(request, str(refused))
        return redirect(_detail_url(participant, "rights"))
    if created:
        messages.success(request, _(
            "The erasure has been requested. Another coordinator (or an administrator) must confirm it."
        ))
    else:
        messages.info(request, _("An erasure request is already waiting for confirmation."))
    return redirect(_detail_url(participant, "rights"))


@rights_required
@require_POST
def erasure_confirm(request, pk):
    participant = _erasure_participant(request, pk)
    pending = participant.erasure_requests.pending().first()
    if pending is None:
        messages.error(request, _("There is no erasure request waiting for confirmation."))
    elif not ErasureConfirmForm(request.POST).is_valid():
        messages.error(request, _("Tick the box to confirm that the data may be anonymised."))
    else:
        try:
            services.erase_participant(request.user, pending)
        except services.ErasureRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("The resident's data have been anonymised."))
    return redirect(_detail_url(participant, "rights"))


@rights_required
@require_POST
def erasure_cancel(request, pk):
    participant = _erasure_participant(request, pk)
    pending = participant.erasure_requests.pending().first()
    if pending is not None and services.cancel_erasure(request.user, pending):
        messages.success(request, _("The erasure request has been cancelled; the data stay."))
    else:
        messages.error(request, _("There is no erasure request waiting for confirmation."))
    return redirect(_detail_url(participant, "rights"))


@access.registration_required
def neighbourhood_for_postcode(request):
    """JSON for the forms: the wijk of a postcode in one of the user's municipalities, if known."""
    municipality_ids = access.teams_for(request.user).values("municipality_id")
    found = PostcodeArea.objects.neighbourhood_for(request.GET.get("postcode", "")[:10], municipality_ids)
    return JsonResponse({"id": found.pk, "name": found.name} if found else {"id": None, "name": ""})


# --- Positive Health: the resident's own view, a conversation aid (never a score) -----------------


def _measurements(participant) -> list:
    """The resident's Positive Health conversations, newest first (one query; a handful per resident)."""
    return list(participant.measurements.order_by("-date", "-id"))


def _positive_health_url(participant) -> str:
    return reverse("participants:positive_health", args=[participant.pk]) + "#measurements"


def _save_measurement(request, form) -> bool:
    """Bind, validate and save through ``services.record_measurement``; False with the messages on the form."""
    if not form.is_valid():
        return False
    try:
        services.record_measurement(request.user, form.instance, fields=form.fields_changed)
    except ValidationError as error:
        for field, messages_ in getattr(error, "error_dict", {None: error.messages}).items():
            form.add_error(field if field in form.fields else None, messages_)
        return False
    return True


def _log_measurements_viewed(request, participant, page, measurements) -> None:
    with transaction.atomic():
        log_event(request.user, "measurement.viewed", participant,
                  {"page": page, "measurements": [m.pk for m in measurements]})


@access.registration_required
@require_http_methods(["GET", "POST"])
def positive_health(request, pk):
    """The resident's Positive Health page: the spider web, every conversation, and a form for a new one."""
    participant = get_participant_for_user(request, pk)
    measurements = _measurements(participant)
    if request.method == "POST":
        if refused := _refuse_if_erased(request, participant):
            return refused
        form = MeasurementForm(request.POST, instance=Measurement(participant=participant))
        if _save_measurement(request, form):
            messages.success(request, _("The Positive Health conversation has been recorded."))
            return redirect(_positive_health_url(participant))
    else:
        first = Measurement.Moment.START if not measurements else Measurement.Moment.INTERIM
        form = MeasurementForm(initial={"moment": first})
    for m in measurements:
        m.shown_scores = [(code, getattr(m, code), code in m.talk_about) for code in Measurement.DIMENSIONS]
    _log_measurements_viewed(request, participant, "positive_health", measurements)
    return render(request, "participants/positive_health.html", {
        "participant": participant,
        "measurements": measurements,
        "health": health_chart.summary(measurements),
        "form": form,
    })


def _get_measurement(participant, measurement_pk):
    """A measurement of this resident; 404 for anyone else's."""
    return get_object_or_404(participant.measurements.all(), pk=measurement_pk)


@access.registration_required
@require_http_methods(["GET", "POST"])
def measurement_edit(request, pk, measurement_pk):
    """Correct a measurement recorded with a mistake (audited as measurement.updated)."""
    participant = get_participant_for_user(request, pk)
    if refused := _refuse_if_erased(request, participant):
        return refused
    measurement = _get_measurement(participant, measurement_pk)
    recorded_on = measurement.date  # the heading keeps the stored date while the form is corrected
    form = MeasurementForm(request.POST if request.method == "POST" else None, instance=measurement)
    if request.method == "POST" and _save_measurement(request, form):
        messages.success(request, _("The measurement has been saved."))
        return redirect(_positive_health_url(participant))
    _log_measurements_viewed(request, participant, "measurement.edit", [measurement])
    return render(request, "participants/positive_health_edit.html", {
        "participant": participant, "measurement": measurement, "recorded_on": recorded_on, "form": form,
    })


@access.registration_required
@require_http_methods(["GET", "POST"])
def measurement_delete(request, pk, measurement_pk):
    """Delete a measurement recorded by mistake (audited as measurement.deleted)."""
    participant = get_participant_for_user(request, pk)
    measurement = _get_measurement(participant, measurement_pk)
    if request.method == "POST":
        with transaction.atomic():
            log_event(request.user, "measurement.deleted", participant,
                      {"measurement": measurement.pk, "moment": measurement.moment})
            measurement.delete()
        messages.success(request, _("The measurement has been deleted."))
        return redirect(_positive_health_url(participant))
    _log_measurements_viewed(request, participant, "measurement.delete", [measurement])
    return render(request, "participants/positive_health_delete.html",
                  {"participant": participant, "measurement": measurement})
