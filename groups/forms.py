"""Forms for groups, enrolments, the waiting list, hand-over and the session roll call."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collectief.forms import FriendlyBlanksMixin, TeamScopedFormMixin
from collectief.models import EndReason, Team
from collectief.validators import show_date, validate_plausible_date
from participants.forms import DateInput, ParticipantCreateForm, ParticipantForm
from participants.models import ChangeWish, Participant
from participants.services import CURRENT_WISH_STATUSES

from .models import Attendance, Contributor, Enrolment, Group, HandOver, Interest, Session, running_on
from .services import WALK_IN_FIELDS, WishReflection


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class GroupForm(FriendlyBlanksMixin, TeamScopedFormMixin, forms.ModelForm):
    """Create or edit a group; team, neighbourhood and facilitators are limited to the user's teams."""

    class Meta:
        model = Group
        fields = [
            "name", "public_name", "kind", "theme", "life_domains", "framework", "team", "neighbourhood", "location",
            "rhythm", "usual_weekday", "usual_time", "usual_duration_minutes", "planned_sessions",
            "capacity", "facilitators", "contributors", "status", "start_date", "end_date",
            "handed_over_on",
        ]
        widgets = {
            "life_domains": forms.CheckboxSelectMultiple,
            "facilitators": forms.CheckboxSelectMultiple,
            "contributors": forms.CheckboxSelectMultiple,
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
        self.fields["contributors"].queryset = Contributor.objects.filter(team__in=teams.values("pk")).order_by("name")
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

    def clean(self):
        # Dates, durations and the hand-over rule are the model's (Group.clean, collectief.validators).
        # Facilitators are a many-to-many field, which a model cannot check before it is saved.
        cleaned = super().clean()
        status = cleaned.get("status")
        if status and status != Group.Status.SELF_RUNNING and not cleaned.get("facilitators") \
                and "facilitators" not in self.errors:
            self.add_error(
                "facilitators",
                _("A group run by the organisation needs at least one social worker. "
                  "If the residents run it themselves, choose the status self-running."),
            )
        self.check_neighbourhood_in_team_municipality(cleaned)
        return cleaned


class ContributorForm(FriendlyBlanksMixin, forms.ModelForm):
    """A new begeleider of a group: who they are and how to reach them; the team is the group's."""

    class Meta:
        model = Contributor
        fields = ["name", "kind", "organisation", "phone", "email", "active_from"]
        widgets = {"active_from": DateInput()}


class EnrolForm(FriendlyBlanksMixin, forms.Form):
    """Enrol one resident of the user's teams who is not yet in the group."""

    participant = forms.ModelChoiceField(
        queryset=Participant.objects.none(),
        error_messages={"invalid_choice": _("This resident cannot be found or is already in the group.")},
    )
    role = forms.ChoiceField(label=_("role"), choices=Enrolment.Role.choices, initial=Enrolment.Role.PARTICIPANT)
    referral_source = forms.ChoiceField(
        label=_("referred by"), choices=[("", "---------"), *Enrolment.ReferralSource.choices], required=False
    )
    start_date = forms.DateField(label=_("start date"), widget=DateInput(), validators=[validate_plausible_date])
    # Asked only when the group is full (see the enrol view).
    confirm_capacity = forms.BooleanField(label=_("Enrol anyway, above the capacity"), required=False)
    # Asked only for a resident of another team: the group's team will see them.
    consent_other_team = forms.BooleanField(
        label=_("The resident agrees that the group's team sees their name and attendance"), required=False
    )
    # The resident's open or worked-on change wishes, ticked under their name in the search results.
    change_wishes = forms.ModelMultipleChoiceField(
        label=_("Change wish"), queryset=ChangeWish.objects.none(), required=False,
        error_messages={"invalid_choice": _("This change wish cannot be found: choose again."),
                        "invalid_pk_value": _("This change wish cannot be found: choose again.")},
    )

    def clean(self):
        cleaned = super().clean()
        participant = cleaned.get("participant")
        if participant and participant.team_id != self.group.team_id and not cleaned.get("consent_other_team"):
            self.add_error("consent_other_team", _(
                "%(name)s belongs to %(team)s. Ask whether %(group_team)s may see their name and attendance, "
                "and tick the box."
            ) % {"name": participant.full_name, "team": participant.team, "group_team": self.group.team})
        if participant:
            self._clean_wishes(cleaned, participant)
        return cleaned

    def _clean_wishes(self, cleaned, participant):
        """The ticked wishes and a new one must be the enrolled resident's (one form serves every result)."""
        if any(wish.participant_id != participant.pk for wish in cleaned.get("change_wishes") or []):
            self.add_error("change_wishes", _(
                "A change wish you ticked belongs to another resident than %(name)s. Tick only their wishes."
            ) % {"name": participant.full_name})
        texts = new_wish_texts(self.data)
        if any(text for pk, text in texts.items() if pk != str(participant.pk)):
            self.add_error(None, _(
                "You wrote a new change wish under another resident than %(name)s. Write it under the resident "
                "you enrol."
            ) % {"name": participant.full_name})
        cleaned["new_wish"] = texts.get(str(participant.pk), "")
        if len(cleaned["new_wish"]) > NEW_WISH_MAX_LENGTH:
            self.add_error(None, _("Keep the change wish to at most %(max)s characters.")
                           % {"max": NEW_WISH_MAX_LENGTH})

    def __init__(self, *args, user, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        self.fields["participant"].queryset = enrollable(user, group)
        self.fields["change_wishes"].queryset = ChangeWish.objects.filter(
            participant__in=self.fields["participant"].queryset, status__in=CURRENT_WISH_STATUSES
        )
        self.fields["start_date"].initial = timezone.localdate()


# A new change wish is written under the resident in the search results: ``new_wish-<resident id>``.
NEW_WISH_PREFIX = "new_wish-"
NEW_WISH_MAX_LENGTH = 1000


def new_wish_texts(data) -> dict[str, str]:
    """The new change wishes typed on the enrol page, by resident id (as text), stripped."""
    return {
        key.removeprefix(NEW_WISH_PREFIX): (value or "").replace("\x00", "").strip()
        for key, value in data.items() if key.startswith(NEW_WISH_PREFIX)
    }


def enrollable(user, group):
    """Residents of the user's teams who are not (about to be) a member of the group."""
    return Participant.objects.for_user(user).exclude(
        pk__in=group.enrolments.not_ended().values("participant_id")
    )


class EndEnrolmentForm(FriendlyBlanksMixin, forms.ModelForm):
    """Uitstroom: the end date and the resident's next step (the end reason).

    After a course or an introduction group each resident chooses a next step: on to another group,
    to individual support, to the course's next series (ended and enrolled there in one step),
    completed… The end reasons are those steps.
    """

    class Meta:
        model = Enrolment
        fields = ["end_reason", "end_date"]
        widgets = {"end_date": DateInput(), "end_reason": forms.RadioSelect}
        labels = {"end_reason": _("The resident's next step")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end_date"].required = True
        self.fields["end_reason"].required = True
        self.fields["end_reason"].queryset = EndReason.objects.filter(active=True)
        self.fields["end_reason"].label_from_instance = lambda reason: reason.label
        self.fields["end_reason"].empty_label = None
        if not self.initial.get("end_date"):
            self.initial["end_date"] = timezone.localdate()


class WishReflectionForm(forms.Form):
    """"Hoe staat het met je veranderwens?" for one change wish at the end of an enrolment.

    The answer in the resident's own words is optional; the status starts at the wish's current one.
    """

    text = forms.CharField(
        label=_("In the resident's own words"), required=False, max_length=NEW_WISH_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": NEW_WISH_MAX_LENGTH}),
        help_text=_("Optional. Write it down as the resident says it."),
    )
    status = forms.ChoiceField(
        label=_("status"), choices=ChangeWish.Status.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the change wish stands."),
                        "invalid_choice": _("Choose how the change wish stands: open, working on it, achieved or "
                                            "dropped.")},
    )

    def __init__(self, *args, wish, **kwargs):
        super().__init__(*args, prefix=f"wish-{wish.pk}", **kwargs)
        self.wish = wish
        self.fields["status"].initial = wish.status

    def reflection(self) -> WishReflection:
        return WishReflection(self.wish, text=self.cleaned_data["text"], status=self.cleaned_data["status"])


# --- The waiting list -------------------------------------------------------------------------------


class WaitForm(FriendlyBlanksMixin, forms.Form):
    """Put a resident of the user's teams, not yet in the group, on its waiting list."""

    participant = forms.ModelChoiceField(
        queryset=Participant.objects.none(),
        error_messages={"invalid_choice": _("This resident cannot be found or is already in the group.")},
    )
    referral_source = forms.ChoiceField(
        label=_("referred by"), choices=[("", "---------"), *Enrolment.ReferralSource.choices], required=False
    )

    def __init__(self, *args, user, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = enrollable(user, group)


class InterestForm(forms.Form):
    """One row of the waiting list, chosen by its id (a POST from the group page)."""

    interest = forms.ModelChoiceField(
        queryset=Interest.objects.none(),
        error_messages={"invalid_choice": _("This resident is no longer on the waiting list."),
                        "required": _("This resident is no longer on the waiting list.")},
    )
    confirm_capacity = forms.BooleanField(required=False)

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["interest"].queryset = group.interests.waiting().select_related("participant", "help_request")


class TrialForm(InterestForm):
    """Invite a resident on the list to a trial session: the day (a planned or logged session)."""

    day = forms.DateField(label=_("Trial session on"), validators=[validate_plausible_date],
                          error_messages={"required": _("Choose the day of the trial session.")})


def trial_days(group, today, logged=()) -> list:
    """The days to offer for a trial: today's or a recent logged session, and the planned dates ahead."""
    logged = sorted({d for d in logged if today - datetime.timedelta(days=14) <= d})
    planned = [d for d in group.expected_dates(today + datetime.timedelta(weeks=8)) if d >= today]
    return sorted(set(logged) | set(planned))


# --- Status, hand-over, checks, series -----------------------------------------------------------------


class StatusForm(forms.Form):
    """Move the group on: forming → running → phasing out → self-running or ended."""

    status = forms.ChoiceField(label=_("New status"), widget=forms.RadioSelect)
    date = forms.DateField(label=_("Takes effect on"), widget=DateInput(), validators=[validate_plausible_date])
    note = forms.CharField(label=_("note"), max_length=300, required=False,
                           help_text=_("Short, without personal details."))

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        self.fields["status"].choices = [(v, label) for v, label in Group.Status.choices if v != group.status]
        self.fields["date"].initial = timezone.localdate()


class HandOverForm(FriendlyBlanksMixin, forms.ModelForm):
    """Afbouwen: the hand-over date, the checklist and the residents who co-lead."""

    co_leads = forms.ModelMultipleChoiceField(
        label=_("Residents who co-lead the group"), queryset=Enrolment.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They run the group after the hand-over (mede-begeleiders)."),
    )

    class Meta:
        model = HandOver
        fields = ["planned_on", "contact_person", "room_or_key", "agreements", "check_quarterly"]
        widgets = {"planned_on": DateInput(), "agreements": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, group, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.group = group
        self.fields["co_leads"].queryset = group.enrolments.filter(pk__in=[e.pk for e in members])
        self.fields["co_leads"].label_from_instance = lambda e: e.participant.full_name
        self.fields["co_leads"].initial = [e.pk for e in members if e.role == Enrolment.Role.CO_LEAD]
        self.fields["agreements"].widget.attrs["maxlength"] = 1000
        if not self.instance.pk:
            self.fields["check_quarterly"].initial = True


class CheckForm(forms.Form):
    """"Draait het nog?": does the self-running group still meet, and roughly how many come."""

    still_meets = forms.TypedChoiceField(
        label=_("Does the group still meet?"), widget=forms.RadioSelect,
        choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda v: v == "yes",
        error_messages={"required": _("Say whether the group still meets.")},
    )
    approx_attendance = forms.IntegerField(
        label=_("Roughly how many come"), required=False, min_value=0, max_value=500,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("still_meets") is False:
            cleaned["approx_attendance"] = None
        return cleaned


def proposed_next_start(group) -> datetime.date:
    """A week after this series' last meeting (its end date, or the last of its N meetings)."""
    last = group.end_date
    if last is None and group.rhythm == Group.Rhythm.COURSE and group.planned_sessions:
        planned = group.expected_dates(group.start_date + datetime.timedelta(weeks=2 * group.planned_sessions + 2))
        last = planned[-1] if planned else None
    proposal = (last + datetime.timedelta(days=7)) if last else timezone.localdate()
    return max(proposal, group.start_date + datetime.timedelta(days=1))


class SeriesForm(forms.Form):
    """Plan the next series of a course: its start date."""

    start_date = forms.DateField(label=_("The next series starts on"), widget=DateInput(),
                                 validators=[validate_plausible_date])

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        self.fields["start_date"].initial = proposed_next_start(group)

    def clean_start_date(self):
        start = self.cleaned_data["start_date"]
        if start <= self.group.start_date:
            raise forms.ValidationError(_("The next series starts after this one (%(date)s).")
                                        % {"date": show_date(self.group.start_date)})
        return start



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

    def clean_head_count(self):
        return self.cleaned_data.get("head_count") or 0


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

    WALK_IN_FIELDS = WALK_IN_FIELDS

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

    def clean(self):
        cleaned = super().clean()
        for name in ("first_name", "last_name", "birth_date"):
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, _("Fill in first name, last name and birth date of the new participant."))
        return cleaned


class RollCall:
    """The roll call page as one form: the session, everyone's attendance and an optional walk-in.

    ``is_valid()`` binds the three parts; afterwards ``session``, ``statuses`` and ``walk_in``
    are what ``services.log_session`` saves, and ``context()`` is what the page shows (with the
    errors, and the likely duplicates of a walk-in to choose from).
    """

    def __init__(self, data, *, user, group, session, show_wishes=False):
        self.data, self.user, self.group, self.session = data, user, group, session
        self.show_wishes = show_wishes  # each resident's change wish under their name, when switched on
        self.form = SessionForm(data, instance=session, group=group)
        self.wants_walk_in = data is not None and WalkInForm.filled_in(data)
        self._walk_in_form = None
        self.day = session.date or timezone.localdate()
        self.errors, self.matches, self.walk_in, self.statuses = [], [], None, {}
        self.walk_in_invalid = False
        self.same_day = None  # another held session of the group that day, until confirmed
        self.helped = None  # ids of the begeleiders who helped, once read
        self._rows = None
        self.version = self._read_version()  # the version the user opened; None: not checked
        self.stale = None  # what someone else saved meanwhile (services.StaleSession), to compare

    def _read_version(self) -> int | None:
        value = (self.data or {}).get("version", "")
        return int(value) if self.session.pk and value.isdigit() else None

    def refused_as_stale(self, current: Session | None, saved_by=None, counts=None):
        """Someone else saved meanwhile: show both versions; "keep mine" posts against theirs."""
        if current is None:
            self.errors.append(_("This session was removed by someone else in the meantime: it cannot be saved."))
            return
        self.stale = {"session": current, "by": saved_by, "counts": counts or {}}
        self.version = current.version

    @property
    def walk_in_form(self) -> WalkInForm:
        # Built only when used: a save without a walk-in costs no queries for it.
        if self._walk_in_form is None:
            self._walk_in_form = WalkInForm(
                self.data if self.wants_walk_in else None, prefix="walkin", user=self.user, group=self.group
            )
        return self._walk_in_form

    @property
    def is_bound(self) -> bool:
        return self.data is not None

    @property
    def rows(self):
        if self._rows is None:
            self._rows = self.session.roll_call(self.day)
        return self._rows

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        if valid:
            self.day = self.form.cleaned_data["date"]
            self.same_day = self._unconfirmed_second_session()
        self.statuses, errors = read_attendance(self.data, self.rows)
        self.errors.extend(errors)
        self.helped = self._read_helped()
        if self.wants_walk_in:
            valid = self._clean_walk_in(valid) and valid
        return valid and not self.errors and not self.matches and self.same_day is None

    @property
    def contributors(self):
        """The begeleiders to choose from: the group's, active on the day, plus anyone recorded already.

        One query; ``recorded`` says who was saved as having helped at this session.
        """
        if not hasattr(self, "_contributors"):
            through = Session.contributors.through.objects.filter(session=self.session.pk, contributor=OuterRef("pk"))
            active = Q(groups=self.group, active_from__lte=self.day) & (
                Q(active_until__isnull=True) | Q(active_until__gte=self.day)
            )
            queryset = Contributor.objects.annotate(recorded=Exists(through)) if self.session.pk else (
                Contributor.objects.annotate(recorded=Value(False))
            )
            self._contributors = list(queryset.filter(active | Q(recorded=True)).distinct().order_by("name"))
        return self._contributors

    def _read_helped(self) -> list[int] | None:
        """Who helped, as ticked; None when the form showed no begeleiders (then nothing changes)."""
        if not self.data.get("helpers_shown"):
            return None
        allowed = {c.pk for c in self.contributors}
        ids = []
        for value in self.data.getlist("helped"):
            if not value.isdigit() or int(value) not in allowed:
                self.errors.append(_("Choose the begeleiders from the list."))
                return None
            ids.append(int(value))
        return ids

    def _unconfirmed_second_session(self):
        """A second held session on one day is rare: ask before saving it (a typo in the date?)."""
        if self.form.cleaned_data["status"] != Session.Status.HELD or self.data.get("confirm_same_day"):
            return None
        # The same start time is not a second session but a double submit: the slot check answers that.
        return (
            self.group.sessions.filter(date=self.day, status=Session.Status.HELD)
            .exclude(pk=self.session.pk).exclude(start_time=self.form.cleaned_data["start_time"])
            .order_by("start_time").first()
        )

    def _clean_walk_in(self, session_valid: bool) -> bool:
        if session_valid and self.form.cleaned_data["status"] == Session.Status.CANCELLED:
            self.errors.append(_("A cancelled session has no walk-ins: empty the new participant or choose held."))
            return False
        self.walk_in_invalid = not self.walk_in_form.is_valid()
        if self.walk_in_invalid or not session_valid or self.errors:
            return False
        choice = self.data.get("walkin-match", "")
        scoped = Participant.objects.for_user(self.user)
        if choice == "new":
            self.walk_in = self.walk_in_form.save(commit=False)
        elif choice:
            self.walk_in = scoped.filter(pk=int(choice)).first() if choice.isdigit() else None
            if self.walk_in is None:
                self.errors.append(_("Choose the resident again: the one chosen cannot be found."))
        else:
            data = self.walk_in_form.cleaned_data
            self.matches = list(scoped.likely_duplicates(
                data["first_name"], data["last_name"], data["birth_date"], data["postcode"], team=self.group.team
            )[:5])
            if not self.matches:
                self.walk_in = self.walk_in_form.save(commit=False)
        return self.walk_in is not None

    def add_error(self, error: forms.ValidationError):
        """Show an error the service raised (the models' rules) above the roll call."""
        self.errors.extend(error.messages)

    def _helped_now(self) -> set[int]:
        if self.is_bound:
            return set(self.helped or [])
        if self.session.pk:
            return {c.pk for c in self.contributors if c.recorded}
        return {c.pk for c in self.contributors}  # a new session: the group's begeleiders, pre-filled

    def _attach_wishes(self):
        """Give each row the change wishes linked to their enrolment running on the day: one query."""
        running = Enrolment.objects.filter(running_on(self.day), group=self.group.pk).values("pk")
        by_participant = {}
        for wish in (ChangeWish.objects.filter(enrolments__in=running).only("participant_id", "text", "status")
                     .order_by("start_date", "pk")):
            by_participant.setdefault(wish.participant_id, []).append(wish)
        for row in self.rows:
            row.wishes = by_participant.get(row.pk, [])

    def context(self) -> dict:
        recorded = self.statuses if self.is_bound else {
            row.pk: getattr(row, "recorded", None) or Attendance.Status.PRESENT for row in self.rows
        }
        for row in self.rows:
            row.current = recorded.get(row.pk, Attendance.Status.PRESENT)
        if self.show_wishes and self.rows:
            self._attach_wishes()
        return {
            "group": self.group,
            "session": self.session if self.session.pk else None,
            "form": self.form,
            "walkin": self.walk_in_form,
            "walkin_open": self.walk_in_invalid or bool(self.matches),
            "rows": self.rows,
            "errors": self.errors,
            "matches": self.matches,
            "same_day": self.same_day,
            "contributors": self.contributors,
            "helped": self._helped_now(),
            "today": timezone.localdate(),
            "attendance_choices": Attendance.Status.choices,
            "present_count": sum(1 for row in self.rows if row.current == Attendance.Status.PRESENT),
            "has_trial": any(getattr(row, "trial", False) for row in self.rows),
            "show_wishes": self.show_wishes,
            "version": self.version if self.is_bound and self.version is not None else self.session.version,
            "stale": self.stale,
            "mine_counts": {
                status: sum(1 for row in self.rows if row.current == status) for status in Attendance.Status.values
            },
        }
