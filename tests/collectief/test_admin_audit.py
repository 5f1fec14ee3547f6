"""Changes made in the admin (/beheer/) are audited like any other change: one event per created,
updated or deleted object, inline rows included, with field names and never a personal value."""

import datetime
import json
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from collectief.models import AuditEvent
from groups.models import Attendance, Enrolment, Group
from participants.models import ChangeWish, Participant
from tests.factories import (
    AttendanceFactory,
    ChangeWishFactory,
    ConsentFactory,
    EnrolmentFactory,
    GroupFactory,
    HelpRequestFactory,
    ParticipantFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


class _AdminForm(HTMLParser):
    """What a browser would post back from the admin's change form, unchanged."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._textarea, self._in_form = {}, None, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id", "").endswith("_form"):
            self._in_form = True
        name = attrs.get("name")
        if not self._in_form:
            return
        if tag == "select":
            self._select = name
            if "multiple" in attrs:
                self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            value = attrs.get("value", "")
            if isinstance(self.data.get(self._select), list):
                self.data[self._select].append(value)
            else:
                self.data[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""
        elif tag == "input" and name and "__prefix__" not in name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data[name] = attrs.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                self.data[name] = attrs.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def form_data(client, url) -> dict:
    """The admin form at ``url`` as it would be posted back without a change."""
    response = client.get(url)
    assert response.status_code == 200, url
    parser = _AdminForm()
    parser.feed(response.content.decode())
    data = {k: v for k, v in parser.data.items() if "__prefix__" not in k}
    data.pop("csrfmiddlewaretoken", None)
    return data


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def changes():
    """(event, object type, object id, data) of every non-view event, oldest first."""
    return [
        (e.event, e.object_type, e.object_id, e.data)
        for e in AuditEvent.objects.exclude(action=AuditEvent.Action.VIEW).order_by("pk")
    ]


def assert_no_personal_values(*values):
    trail = json.dumps(list(AuditEvent.objects.values("event", "object_type", "object_id", "data")))
    for value in values:
        assert value not in trail, value


@pytest.fixture
def admin_client(client_for, administrator):
    return client_for(administrator)


@pytest.fixture
def resident(team_a, neighbourhood):
    return ParticipantFactory(team=team_a, neighbourhood=neighbourhood, first_name="Fatima", last_name="El Amrani")


def test_editing_a_resident_with_inline_rows_writes_one_event_per_changed_object(admin_client, resident):
    consent = ConsentFactory(participant=resident)
    ChangeWishFactory(participant=resident)
    help_request = HelpRequestFactory(participant=resident)
    url = admin_url(Participant, "change", resident.pk)
    data = form_data(admin_client, url)

    data.update({"last_name": "Bouzidi", "phone": "0612345678"})
    # A new change wish in the first empty inline row, the help request marked for deletion.
    data.update({
        "change_wishes-TOTAL_FORMS": "2",
        "change_wishes-1-text": "Ik wil weer buiten komen",
        "change_wishes-1-life_domain": "sociaal_netwerk",
        "change_wishes-1-status": "open",
        "change_wishes-1-start_date": data["change_wishes-0-start_date"],
        "help_requests-0-DELETE": "on",
    })
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors

    resident.refresh_from_db()
    assert resident.last_name == "Bouzidi"
    new_wish = ChangeWish.objects.get(text="Ik wil weer buiten komen")
    assert sorted(changes(), key=lambda e: e[0]) == sorted([
        ("participant.updated", "participants.participant", str(resident.pk),
         {"fields": ["last_name", "phone"], "page": "admin"}),
        ("change_wish.created", "participants.changewish", str(new_wish.pk),
         {"fields": ["text", "life_domain", "start_date"], "page": "admin"}),  # status: the default
        ("help_request.deleted", "participants.helprequest", str(help_request.pk), {"page": "admin"}),
    ], key=lambda e: e[0])
    # The unchanged consent row wrote nothing.
    assert not AuditEvent.objects.filter(object_type="participants.consent", object_id=str(consent.pk)).exists()
    assert_no_personal_values("Bouzidi", "El Amrani", "0612345678", "buiten komen")


def test_saving_a_resident_unchanged_writes_no_change_event(admin_client, resident):
    ConsentFactory(participant=resident)
    url = admin_url(Participant, "change", resident.pk)
    response = admin_client.post(url, form_data(admin_client, url))
    assert response.status_code == 302
    assert changes() == []


def test_adding_a_resident_in_the_admin_is_audited(admin_client, team_a):
    data = form_data(admin_client, admin_url(Participant, "add"))
    data.update({
        "first_name": "Anouk", "last_name": "de Vries", "birth_date": "14-03-1975", "postcode": "8921 AB",
        "team": str(team_a.pk), "preferred_language": "nl",
    })
    response = admin_client.post(admin_url(Participant, "add"), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    resident = Participant.objects.get(last_name="de Vries")
    [(event, object_type, object_id, details)] = changes()
    assert (event, object_type, object_id) == ("participant.created", "participants.participant", str(resident.pk))
    assert {"first_name", "last_name", "birth_date", "team"} <= set(details["fields"])
    assert_no_personal_values("Anouk", "de Vries", "1975")


def test_a_refused_admin_form_writes_no_event_and_saves_nothing(admin_client, resident):
    url = admin_url(Participant, "change", resident.pk)
    data = form_data(admin_client, url)
    data.update({"last_name": "Bouzidi", "birth_date": "30-02-2024"})
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, with its errors
    resident.refresh_from_db()
    assert resident.last_name == "El Amrani"
    assert changes() == []


def test_deleting_on_the_delete_page_is_audited(admin_client, resident):
    # A resident is never deleted (erasure anonymises, issue 9): a change wish stands in here.
    wish = ChangeWishFactory(participant=resident)
    response = admin_client.post(admin_url(ChangeWish, "delete", wish.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not ChangeWish.objects.filter(pk=wish.pk).exists()
    assert changes() == [("change_wish.deleted", "participants.changewish", str(wish.pk), {"page": "admin"})]


def test_the_delete_selected_action_audits_every_row(admin_client, team_a):
    resident = ParticipantFactory(team=team_a)
    wishes = ChangeWishFactory.create_batch(3, participant=resident)
    keep = ChangeWishFactory(participant=resident)
    response = admin_client.post(admin_url(ChangeWish, "changelist"), {
        "action": "delete_selected", "_selected_action": [w.pk for w in wishes], "post": "yes",
    })
    assert response.status_code == 302
    assert list(ChangeWish.objects.values_list("pk", flat=True)) == [keep.pk]
    assert sorted(changes()) == sorted(
        ("change_wish.deleted", "participants.changewish", str(w.pk), {"page": "admin"}) for w in wishes
    )


def test_a_resident_cannot_be_deleted_in_the_admin(admin_client, resident):
    response = admin_client.post(admin_url(Participant, "delete", resident.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Participant.objects.filter(pk=resident.pk).exists()
    assert changes() == []


@pytest.mark.parametrize(
    ("make", "model_event"),
    [
        (lambda resident: resident, "participant.viewed"),
        (lambda resident: GroupFactory(team=resident.team), "group.viewed"),
        (lambda resident: SessionFactory(group=GroupFactory(team=resident.team)), "session.viewed"),
    ],
)
def test_opening_a_change_page_with_personal_data_is_a_view_event(admin_client, administrator, resident, make,
                                                                     model_event):
    obj = make(resident)
    assert admin_client.get(admin_url(type(obj), "change", obj.pk)).status_code == 200
    event = AuditEvent.objects.get(event=model_event)
    assert (event.user, event.object_id, event.data) == (administrator, str(obj.pk), {"page": "admin"})


def test_a_missing_object_writes_no_view_event(admin_client):
    response = admin_client.get(admin_url(Participant, "change", 999999))
    assert response.status_code == 302
    assert not AuditEvent.objects.exists()


def test_editing_a_group_and_enrolling_a_resident_inline_is_audited(admin_client, team_a, resident):
    group = GroupFactory(team=team_a, name="Wandelgroep")
    member = EnrolmentFactory(group=group, participant=ParticipantFactory(team=team_a))
    url = admin_url(Group, "change", group.pk)
    data = form_data(admin_client, url)
    data.update({
        "name": "Wandelgroep Bilgaard",
        "enrolments-TOTAL_FORMS": "2",
        "enrolments-1-participant": str(resident.pk),
        "enrolments-1-role": "participant",
        "enrolments-1-start_date": data["enrolments-0-start_date"],
        "enrolments-1-referral_source": data["enrolments-0-referral_source"],
    })
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and (
        response.context["adminform"].form.errors, [f.errors for f in response.context["inline_admin_formsets"]]
    )
    enrolment = Enrolment.objects.get(group=group, participant=resident)
    found = changes()
    assert found[0] == ("group.updated", "groups.group", str(group.pk), {"fields": ["name"], "page": "admin"})
    assert found[1][:3] == ("enrolment.created", "groups.enrolment", str(enrolment.pk))
    assert "participant" in found[1][3]["fields"]
    assert len(found) == 2
    assert not AuditEvent.objects.filter(object_id=str(member.pk), object_type="groups.enrolment").exists()


def test_ending_an_enrolment_inline_and_deleting_one_is_audited(admin_client, team_a):
    group = GroupFactory(team=team_a, start_date=datetime.date(2024, 1, 1))
    first = EnrolmentFactory(group=group, participant=ParticipantFactory(team=team_a),
                             start_date=datetime.date(2024, 1, 1))
    second = EnrolmentFactory(group=group, participant=ParticipantFactory(team=team_a),
                              start_date=datetime.date(2024, 1, 1))
    url = admin_url(Group, "change", group.pk)
    data = form_data(admin_client, url)
    index = {data[f"enrolments-{i}-id"]: i for i in range(2)}
    i, j = index[str(first.pk)], index[str(second.pk)]
    data.update({f"enrolments-{i}-end_date": "01-03-2024", f"enrolments-{i}-end_reason": "moved",
                 f"enrolments-{j}-DELETE": "on"})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and [
        f.errors for f in response.context["inline_admin_formsets"]
    ]
    first.refresh_from_db()
    assert first.end_date == datetime.date(2024, 3, 1)
    assert not Enrolment.objects.filter(pk=second.pk).exists()
    assert sorted(changes()) == [
        ("enrolment.deleted", "groups.enrolment", str(second.pk), {"page": "admin"}),
        ("enrolment.updated", "groups.enrolment", str(first.pk),
         {"fields": ["end_date", "end_reason"], "page": "admin"}),
    ]


def test_changing_attendance_inline_on_a_session_is_audited(admin_client, team_a):
    session = SessionFactory(group=GroupFactory(team=team_a))
    attendance = AttendanceFactory(session=session, participant=ParticipantFactory(team=team_a),
                                   status=Attendance.Status.PRESENT)
    url = admin_url(type(session), "change", session.pk)
    data = form_data(admin_client, url)
    assert data["attendances-0-id"] == str(attendance.pk)
    data["attendances-0-status"] = Attendance.Status.ABSENT
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and [
        f.errors for f in response.context["inline_admin_formsets"]
    ]
    attendance.refresh_from_db()
    assert attendance.status == Attendance.Status.ABSENT
    assert changes() == [
        ("attendance.updated", "groups.attendance", str(attendance.pk), {"fields": ["status"], "page": "admin"}),
    ]


def test_editing_an_enrolment_on_its_own_page_is_audited(admin_client, team_a):
    enrolment = EnrolmentFactory(group=GroupFactory(team=team_a), participant=ParticipantFactory(team=team_a))
    url = admin_url(Enrolment, "change", enrolment.pk)
    data = form_data(admin_client, url)
    data["role"] = "co_lead"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert changes() == [
        ("enrolment.updated", "groups.enrolment", str(enrolment.pk), {"fields": ["role"], "page": "admin"}),
    ]


def test_deleting_a_session_in_the_admin_is_audited(admin_client, team_a):
    session = SessionFactory(group=GroupFactory(team=team_a))
    response = admin_client.post(admin_url(type(session), "delete", session.pk), {"post": "yes"})
    assert response.status_code == 302
    assert changes() == [("session.deleted", "groups.session", str(session.pk), {"page": "admin"})]
