"""The audit viewer for administrators: the trail by resident, user, period and event, and its export.

A normal page of the application (not the admin's list): administrators only, and only after a
two-factor login once django-otp is installed. Reading the trail is itself recorded
(``audit.viewed``), an export too (``audit.exported``), with the residents searched for.
"""

import csv
import datetime
import json

from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _

from . import access, audit
from .models import AuditEvent, log_event

PAGE_SIZE = 50
NAME_MATCHES = 20  # residents (or users) a name may stand for, at most
EXPORT_CHUNK = 2000
CSV_COLUMNS = ["id", "at", "user", "action", "event", "object_type", "object_id", "participant_ids", "data",
               "prev_hash", "hash"]


def _no_nul(value: str) -> str:
    # PostgreSQL refuses NUL characters in text; a pasted one must not become a 500.
    return value.replace("\x00", "").strip()


class AuditFilterForm(forms.Form):
    resident = forms.CharField(label=_("Resident (number or name)"), required=False, max_length=100)
    user = forms.CharField(label=_("User (user name or name)"), required=False, max_length=100)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Up to and including"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    event = forms.ChoiceField(label=_("Event"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every declared event type, read when the form is made (apps declare theirs at import).
        self.fields["event"].choices = [("", _("All events")), *((name, name) for name in sorted(audit.EVENTS))]
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select" if isinstance(field, forms.ChoiceField)
                                          else "form-control")

    def clean_resident(self):
        return _no_nul(self.cleaned_data["resident"])

    def clean_user(self):
        return _no_nul(self.cleaned_data["user"])

    def filters(self) -> list[str]:
        """The names of the filters used (not their values: a value may be a name)."""
        return sorted(name for name, value in self.cleaned_data.items() if value) if self.is_valid() else []


def _residents_named(user, text: str) -> list:
    """Residents a search stands for: a number is an id, words are parts of a name."""
    # Looked up by name, not imported: collectief imports no other app (see docs/architecture.md).
    participants = access.scope(apps.get_model("participants", "Participant").objects.all(), user)
    if text.isdigit():
        return list(participants.filter(pk=int(text)))
    for word in text.split()[:4]:
        participants = participants.filter(Q(first_name__unaccent__icontains=word)
                                           | Q(last_name__unaccent__icontains=word))
    return list(participants.order_by("last_name", "first_name", "pk")[:NAME_MATCHES])


def _users_named(text: str) -> list[int]:
    users = get_user_model().objects.all()
    if text.isdigit():
        return list(users.filter(pk=int(text)).values_list("pk", flat=True))
    for word in text.split()[:4]:
        users = users.filter(Q(username__iexact=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return list(users.values_list("pk", flat=True)[:NAME_MATCHES])


def _period(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filtered_events(form: AuditFilterForm, user):
    """The events the form asks for, newest first, and the residents a resident search stood for."""
    events = AuditEvent.objects.select_related("user").order_by("-id")
    if not form.is_bound:
        return events, []
    if not form.is_valid():
        return events.none(), []
    data = form.cleaned_data
    residents = _residents_named(user, data["resident"]) if data["resident"] else []
    if data["resident"]:
        events = events.filter(participant_ids__overlap=[p.pk for p in residents])
    if data["user"]:
        events = events.filter(user__in=_users_named(data["user"]))
    if data["date_from"]:
        events = events.filter(at__gte=_period(data["date_from"]))
    if data["date_to"]:
        events = events.filter(at__lt=_period(data["date_to"] + datetime.timedelta(days=1)))
    if data["event"]:
        events = events.filter(event=data["event"])
    return events, residents


@access.administrator_required
@access.two_factor_required
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    events, residents = filtered_events(form, request.user)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # read before this view's own event is written
    # Reading the trail is recorded too, with the residents searched for (their names are shown).
    log_event(request.user, "audit.viewed", None, {"page": "viewer", "filters": form.filters()},
              object_type=AuditEvent._meta.label_lower, participants=[p.pk for p in residents])
    query = request.GET.copy()
    query.pop("page", None)
    response = render(request, "audit/audit_log.html", {
        "form": form, "page": page, "events": page.object_list, "residents": residents,
        "query": query.urlencode(), "retention_years": audit.retention_years(),
    })
    patch_cache_control(response, no_store=True)
    return response


def _cell(value) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value):
        return value


def _csv_rows(events):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for event in events.iterator(chunk_size=EXPORT_CHUNK):
        yield writer.writerow([_cell(value) for value in (
            event.pk, event.at.isoformat(), event.user.get_username() if event.user else "", event.action,
            event.event, event.object_type, event.object_id, " ".join(map(str, event.participant_ids)),
            json.dumps(event.data, sort_keys=True, ensure_ascii=False), event.prev_hash, event.hash,
        )])


@access.administrator_required
@access.two_factor_required
def audit_export(request):
    """The filtered events as CSV, streamed in chunks (constant memory); the export is audited."""
    form = AuditFilterForm(request.GET or None)
    events, residents = filtered_events(form, request.user)
    exported = log_event(request.user, "audit.exported", None, {"format": "csv", "filters": form.filters()},
                         object_type=AuditEvent._meta.label_lower, participants=[p.pk for p in residents])
    # The trail up to this export's own record: ids follow the chain, so the file is one stretch of it.
    events = events.filter(pk__lt=exported.pk)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    patch_cache_control(response, no_store=True)
    return response


app_name = "audit"
urlpatterns = [
    path("", audit_log, name="log"),
    path("export.csv", audit_export, name="export"),
]
