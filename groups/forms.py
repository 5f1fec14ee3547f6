"""Forms for groups, enrolments and the session roll call."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collectief.forms import TeamScopedFormMixin
from collectief.models import EndReason, Team
from participants.forms import DateInput, ParticipantCreateForm, ParticipantForm
from participants.models import Participant

from .models import Attendance, Enrolment, Group, Session

# Dates far outside the working life of the registry are typing mistakes (e.g. 0202 for 2022).
EARLIEST = datetime.date(1990, 1, 1)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def _check_year(value, field_label):
    if value is None:
        return
    latest = timezone.localdate() + datetime.timedelta(days=5 * 366)
    if not EARLIEST <= value <= latest:
        raise forms.ValidationError(
            _("Check the %(field)s: %(date)s is not a plausible date.")
            % {"field": field_label, "date": value.isoformat()}
        )


class GroupForm(TeamScopedFormMixin, forms.ModelForm):
    """Create or edit a group; team, neighbourhood and facilitators are limited to the user's teams."""

    class Meta:
        model = Group
        fields = [
            "name", "kind", "theme", "life_domains", "framework", "team", "neighbourhood", "location",
            "rhythm", "usual_weekday", "usual_time", "usual_duration_minutes", "planned_sessions",
            "capacity", "facilitators", "co_facilitators", "status", "start_date", "end_date",
            "handed_over_on",
        ]
        widgets = {
            "life_domains": forms.CheckboxSelectMultiple,
            "facilitators": forms.CheckboxSelectMultiple,
            "start_date": DateInput(),
            "end_date": DateInput(),
            "handed_over_on": DateInput(),
            "usual_time": TimeInput(),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = self.scope_to_user(user)
        self.fields["facilitators"].queryset = (
            get_user_model().objects.filter(is_active=True, memberships__team__in=teams.values("pk"))
            .distinct().order_by("first_name", "last_name", "username")
        )
        self.fields["facilitators"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["kind"].queryset = self.fields["kind"].queryset.filter(active=True)
        self.fields["framework"].queryset = self.fields["framework"].queryset.filter(active=True)
        self.fields["life_domains"].queryset = self.fields["life_domains"].queryset.filter(active=True)
        self.fields["kind"].empty_label = None
        self.fields["team"].empty_label = None
        self.fields["neighbourhood"].empty_label = _("Municipality-wide")
        self.fields["usual_duration_minutes"].widget.attrs.update(min=5, max=24 * 60)
        for name in ("planned_sessions", "capacity"):
            self.fields[name].widget.attrs["min"] = 1
        if not self.instance.pk:
            own = list(Team.objects.filter(memberships__user=user)[:2]) or list(teams[:2])
            if len(own) == 1:
                self.fields["team"].initial = own[0].pk
            if self.fields["facilitators"].queryset.filter(pk=user.pk).exists():
                self.fields["facilitators"].initial = [user.pk]
            self.fields["start_date"].initial = timezone.localdate()

    def clean_start_date(self):
        value = self.cleaned_data["start_date"]
        _check_year(value, _("start date"))
        return value

    def clean_end_date(self):
        value = self.cleaned_data.get("end_date")
        _check_year(value, _("end date"))
        return value

    def clean_usual_duration_minutes(self):
        value = self.cleaned_data["usual_duration_minutes"]
        if not 5 <= value <= 24 * 60:
            raise forms.ValidationError(_("Enter a duration between 5 and 1440 minutes."))
        return value

    def clean_handed_over_on(self):
        value = self.cleaned_data.get("handed_over_on")
        _check_year(value, _("hand-over date"))
        return value

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        handed_over_on = cleaned.get("handed_over_on")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))
        if status == Group.Status.SELF_RUNNING and not handed_over_on and "handed_over_on" not in self.errors:
            self.add_error(
                "handed_over_on", _("A self-running group needs the date it was handed over to the residents.")
            )
        if start and handed_over_on and handed_over_on < start:
            self.add_error("handed_over_on", _("The hand-over date cannot be before the start date."))
        if status and status != Group.Status.SELF_RUNNING and not cleaned.get("facilitators") \
                and "facilitators" not in self.errors:
            self.add_error(
                "facilitators",
                _("A group run by the organisation needs at least one social worker. "
                  "If the residents run it themselves, choose the status self-running."),
            )
        self.check_neighbourhood_in_team_municipality(cleaned)
        return cleaned


class EnrolForm(forms.Form):
    """Enrol one resident of the user's teams who is not yet in the group."""

    participant = forms.ModelChoiceField(
        queryset=Participant.objects.none(),
        error_messages={"invalid_choice": _("This resident cannot be found or is already in the group.")},
    )
    role = forms.ChoiceField(label=_("role"), choices=Enrolment.Role.choices, initial=Enrolment.Role.PARTICIPANT)
    referral_source = forms.ChoiceField(
        label=_("referred by"), choices=[("", "---------"), *Enrolment.ReferralSource.choices], required=False
    )
    start_date = forms.DateField(label=_("start date"), widget=DateInput())

    def __init__(self, *args, user, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        self.fields["participant"].queryset = enrollable(user, group)
        self.fields["start_date"].initial = timezone.localdate()

    def clean_start_date(self):
        value = self.cleaned_data["start_date"]
        _check_year(value, _("start date"))
        return value


def enrollable(user, group):
    """Residents of the user's teams without a running enrolment in the group."""
    return Participant.objects.for_user(user).exclude(
        pk__in=Enrolment.objects.filter(group=group, end_date__isnull=True).values("participant_id")
    )


class EndEnrolmentForm(forms.ModelForm):
    """Uitstroom: the end date and why."""

    class Meta:
        model = Enrolment
        fields = ["end_date", "end_reason"]
        widgets = {"end_date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end_date"].required = True
        self.fields["end_reason"].required = True
        self.fields["end_reason"].queryset = EndReason.objects.filter(active=True)
        self.fields["end_reason"].label_from_instance = lambda reason: reason.label
        if not self.initial.get("end_date"):
            self.initial["end_date"] = timezone.localdate()

    def clean_end_date(self):
        value = self.cleaned_data["end_date"]
        _check_year(value, _("end date"))
        if value < self.instance.start_date:
            raise forms.ValidationError(
                _("The end date cannot be before the start of the enrolment (%(date)s).")
                % {"date": self.instance.start_date.strftime("%d-%m-%Y")}
            )
        return value


class SessionForm(forms.ModelForm):
    """The session part of the roll call; attendance rows are read by ``read_attendance``."""

    class Meta:
        model = Session
        fields = ["date", "start_time", "duration_minutes", "status", "topic", "head_count", "notes"]
        widgets = {
            "date": DateInput(),
            "start_time": TimeInput(),
            "status": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        self.fields["duration_minutes"].widget.attrs.update(min=5, max=24 * 60)
        self.fields["head_count"].widget.attrs.update(min=0, max=500)
        self.fields["head_count"].label = _("Walk-ins not registered (number)")

    def clean_duration_minutes(self):
        value = self.cleaned_data["duration_minutes"]
        if not 5 <= value <= 24 * 60:
            raise forms.ValidationError(_("Enter a duration between 5 and 1440 minutes."))
        return value

    def clean_date(self):
        value = self.cleaned_data["date"]
        _check_year(value, _("date"))
        if value < self.group.start_date:
            raise forms.ValidationError(
                _("The group started on %(date)s; a session cannot be earlier.")
                % {"date": self.group.start_date.strftime("%d-%m-%Y")}
            )
        if self.group.end_date and value > self.group.end_date:
            raise forms.ValidationError(
                _("The group ended on %(date)s; a session cannot be later.")
                % {"date": self.group.end_date.strftime("%d-%m-%Y")}
            )
        return value

    def clean_head_count(self):
        value = self.cleaned_data.get("head_count") or 0
        if value > 500:
            raise forms.ValidationError(_("Check the number of walk-ins: at most 500."))
        return value

    def clean(self):
        cleaned = super().clean()
        day, status = cleaned.get("date"), cleaned.get("status")
        # A session is logged after it took place; a cancellation may be recorded in advance.
        if day and status == Session.Status.HELD and day > timezone.localdate():
            self.add_error(
                "date",
                _("A session in the future cannot be logged as held yet. Log it on the day, "
                  "or mark it as cancelled if it will not take place."),
            )
        if status == Session.Status.CANCELLED:
            cleaned["head_count"] = 0
        return cleaned


ATTENDANCE_CHOICES = {value for value, _label in Attendance.Status.choices}


def read_attendance(data, rows) -> tuple[dict[int, str], list[str]]:
    """Read ``att-<participant id>`` radio values for the rows on the form.

    A row without a value counts as present (everyone is pre-marked present). A value for a
    participant who is not on the roll call, or an unknown status, is an error.
    """
    allowed = {row.pk for row in rows}
    statuses, errors = {}, []
    for row in rows:
        statuses[row.pk] = Attendance.Status.PRESENT
    for key, value in data.items():
        if not key.startswith("att-"):
            continue
        try:
            pid = int(key[4:])
        except ValueError:
            errors.append(_("The attendance list contains an unknown participant."))
            continue
        if pid not in allowed:
            errors.append(
                _("The attendance list contains someone who is not enrolled in this group on that date.")
            )
            continue
        if value not in ATTENDANCE_CHOICES:
            errors.append(_("Choose present, absent or excused for everyone."))
            continue
        statuses[pid] = value
    return statuses, sorted(set(map(str, errors)))


class WalkInForm(ParticipantForm):
    """ParticipantForm reduced to what a walk-in gives at the door; the team is the group's."""

    WALK_IN_FIELDS = ("first_name", "last_name", "birth_date", "postcode")

    # Registering a person needs their consent, at the door as much as at the desk.
    consent_registration = ParticipantCreateForm.base_fields["consent_registration"]

    def __init__(self, *args, user, group, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        for name in list(self.fields):
            if name not in (*self.WALK_IN_FIELDS, "consent_registration"):
                del self.fields[name]
        # Not a form field: a walk-in always joins the team of the group they walked into.
        self.instance.team = group.team
        for name in ("first_name", "last_name", "birth_date"):
            self.fields[name].required = False

    @classmethod
    def filled_in(cls, data, prefix="walkin") -> bool:
        """Whether the user started to add a walk-in (an empty block is simply ignored).

        A class method, so that a save without a walk-in never builds the form (and its queries).
        """
        return any((data.get(f"{prefix}-{name}") or "").strip() for name in cls.WALK_IN_FIELDS)

    def clean_birth_date(self):
        if self.cleaned_data.get("birth_date") is None:
            return None
        return super().clean_birth_date()

    def clean(self):
        cleaned = super().clean()
        for name in ("first_name", "last_name", "birth_date"):
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, _("Fill in first name, last name and birth date of the new participant."))
        return cleaned
