"""Core models: municipalities, neighbourhoods, teams, roles, code lists and the audit log."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models.functions import Length
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import access, audit
from .validators import validate_postcode_range_end


class Municipality(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self):
        return self.name


class MunicipalityTarget(models.Model):
    """The yearly number of residents the municipality wants supported collectively."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("year"))
    residents_collective = models.PositiveIntegerField(_("residents supported collectively"))

    class Meta:
        ordering = ["municipality", "-year"]
        verbose_name = _("yearly target")
        verbose_name_plural = _("yearly targets")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="unique_target_per_year"),
        ]

    def __str__(self):
        return f"{self.municipality} {self.year}: {self.residents_collective}"


class Neighbourhood(models.Model):
    """A wijk or dorp (village) of a municipality."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="neighbourhoods")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["municipality__name", "name"]
        verbose_name = _("neighbourhood")
        verbose_name_plural = _("neighbourhoods")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="unique_neighbourhood_name"),
        ]

    def __str__(self):
        return self.name


class PostcodeAreaQuerySet(models.QuerySet):
    def neighbourhood_for(self, postcode: str, municipality_ids=None):
        """The wijk of a postcode: a PC6 range (8921AB–8921AZ) wins over a PC4 range (8921–8922)."""
        compact = (postcode or "").replace(" ", "").upper()
        if len(compact) != 6:
            return None
        rows = self.annotate(size=Length("postcode_from")).filter(
            models.Q(size=6, postcode_from__lte=compact, postcode_to__gte=compact)
            | models.Q(size=4, postcode_from__lte=compact[:4], postcode_to__gte=compact[:4])
        )
        if municipality_ids is not None:
            rows = rows.filter(municipality_id__in=municipality_ids)
        area = rows.select_related("neighbourhood").order_by("-size", "pk").first()
        return area.neighbourhood if area else None


class PostcodeArea(models.Model):
    """A range of postcodes (PC4 "8921"–"8924" or PC6 "8921AB"–"8921AZ") that lies in one wijk.

    Kept by administrators (also through the import, ``postcode_areas.csv``); the participant form
    and the walk-in fill the wijk from the postcode with it, and the worker can change it.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="postcode_areas")
    postcode_from = models.CharField(_("from postcode"), max_length=6, validators=[validate_postcode_range_end])
    postcode_to = models.CharField(_("to postcode"), max_length=6, validators=[validate_postcode_range_end])
    neighbourhood = models.ForeignKey(
        Neighbourhood, on_delete=models.CASCADE, related_name="postcode_areas", verbose_name=_("neighbourhood")
    )

    objects = PostcodeAreaQuerySet.as_manager()

    class Meta:
        ordering = ["municipality__name", "postcode_from"]
        verbose_name = _("postcode area")
        verbose_name_plural = _("postcode areas")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "postcode_from"], name="unique_postcode_area_start"),
        ]

    def __str__(self):
        return f"{self.postcode_from}–{self.postcode_to}: {self.neighbourhood}"

    def save(self, *args, **kwargs):
        self.postcode_from = self.postcode_from.replace(" ", "").upper()
        self.postcode_to = self.postcode_to.replace(" ", "").upper()
        super().save(*args, **kwargs)

    def clean(self):
        start = (self.postcode_from or "").replace(" ", "").upper()
        end = (self.postcode_to or "").replace(" ", "").upper()
        if start and end and (len(start) != len(end) or end < start):
            raise ValidationError({"postcode_to": _(
                "Give both ends as four digits (PC4) or both as four digits and two letters (PC6); "
                "the end cannot come before the start."
            )})
        neighbourhood = self.neighbourhood if self.neighbourhood_id else None
        if neighbourhood and self.municipality_id and neighbourhood.municipality_id != self.municipality_id:
            raise ValidationError({"neighbourhood": _("This neighbourhood is not in the municipality.")})


class TeamQuerySet(models.QuerySet):
    def for_user(self, user):
        """Teams the user may work in (see collectief.access)."""
        return access.scope(self, user, "pk")


class Team(models.Model):
    """A wijkteam / dorpenteam; belongs to one municipality."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("name"), max_length=100)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="teams")

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["municipality__name", "name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="unique_team_name")]

    def __str__(self):
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        SOCIAL_WORKER = "social_worker", _("Social worker")
        COORDINATOR = "coordinator", _("Coordinator")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SOCIAL_WORKER)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="unique_membership")]

    def __str__(self):
        return f"{self.user} – {self.team} ({self.get_role_display()})"


class Administrator(models.Model):
    """Functioneel beheerder: an explicit role. Sees every team and municipality, runs the import.

    Django's staff flag only lets someone into ``/beheer/`` (and there only with model
    permissions); it opens nothing of the application by itself.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="administrator_role")
    since = models.DateField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("administrator")
        verbose_name_plural = _("administrators")

    def __str__(self):
        return str(self.user)


class MunicipalityUser(models.Model):
    """A contact at the municipality: sees approved aggregate reports of one municipality only."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="municipality_access")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="contacts")

    class Meta:
        verbose_name = _("municipality user")
        verbose_name_plural = _("municipality users")

    def __str__(self):
        return f"{self.user} – {self.municipality}"


# --- Code lists --------------------------------------------------------------------------------


class CodeList(models.Model):
    """A seeded pick-list entry: the code is the primary key, so queries filter without joins."""

    code = models.SlugField(_("code"), max_length=50, primary_key=True)
    name_nl = models.CharField(_("name (Dutch)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return self.name_en if (get_language() or "nl").startswith("en") else self.name_nl


class GroupKind(CodeList):
    """support counts for the collective-support KPI; meet and youth are reported, not counted."""

    counts_for_kpi = models.BooleanField(_("counts for the collective-support KPI"), default=False)

    class Meta(CodeList.Meta):
        verbose_name = _("group kind")
        verbose_name_plural = _("group kinds")


class Framework(CodeList):
    class Meta(CodeList.Meta):
        verbose_name = _("legal framework")
        verbose_name_plural = _("legal frameworks")


class LifeDomain(CodeList):
    """Leefgebied."""

    class Meta(CodeList.Meta):
        verbose_name = _("life domain")
        verbose_name_plural = _("life domains")


class EndReason(CodeList):
    """Why an enrolment ended (uitstroom)."""

    class Meta(CodeList.Meta):
        verbose_name = _("end reason")
        verbose_name_plural = _("end reasons")


# --- Audit log ---------------------------------------------------------------------------------


class AuditEvent(models.Model):
    """Append-only record of every view of, change to and export of personal data.

    Which residents an event is about is in ``participant_ids`` (indexed): the trail can answer
    "who saw this resident" without reading ``data``. Each row is hash-chained to the one before
    it by a PostgreSQL trigger (migration ``0006_audit_chain``): ``hash`` is the SHA-256 of the
    previous row's hash and this row's canonical JSON; ``manage.py verify_audit`` checks it.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("view")
        CREATE = "create", _("create")
        UPDATE = "update", _("update")
        DELETE = "delete", _("delete")
        EXPORT = "export", _("export")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    # PROTECT: users are deactivated, never deleted, so the trail keeps its author.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    event = models.CharField(_("event"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    # Field names and ids only: never copy personal data into the trail.
    data = models.JSONField(_("details"), default=dict, blank=True)
    # The residents whose data the event showed or changed (ids only); see collectief.audit.
    participant_ids = ArrayField(models.BigIntegerField(), verbose_name=_("residents"), default=list, blank=True)
    # Set by the database trigger, never by Python.
    prev_hash = models.CharField(_("previous hash"), max_length=64, default="", blank=True, editable=False)
    hash = models.CharField(_("hash"), max_length=64, default="", blank=True, editable=False)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            GinIndex(fields=["participant_ids"], name="audit_participant_ids_gin"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.event} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Audit events are append-only.")


def _residents(obj, object_type: str, object_id: str, data: dict, participants) -> list[int]:
    """The residents an event is about: in ``data`` (audit.residents_shown), given, the object or its participant."""
    ids = {pk for pk in (*(data.get(audit.RESIDENTS_KEY) or ()), *participants) if pk is not None}
    if object_type == audit.PARTICIPANT_LABEL and object_id.isdigit():
        ids.add(int(object_id))
    participant_id = getattr(obj, "participant_id", None)
    if isinstance(participant_id, int):
        ids.add(participant_id)
    return sorted(int(pk) for pk in ids)


def log_event(
    user, event: str, obj=None, data: dict | None = None, *, object_type: str = "", object_id="", participants=()
):
    """Write one audit event; call inside the transaction of the change it records.

    ``event`` must be declared in ``collectief.audit`` (e.g. ``participant.updated``), which
    gives its action; an undeclared name raises LookupError. The residents shown or changed go
    in ``data`` as ``**audit.residents_shown(ids)`` and are copied into the indexed ``participant_ids``;
    ``participants`` adds ids to that column only (the admin, whose event data stays as it was).
    One INSERT: the database trigger adds the hash chain.
    """
    action = audit.action_of(event)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    object_id = "" if object_id is None else str(object_id)
    data = data or {}
    return AuditEvent.objects.create(
        user=user if (user is not None and user.is_authenticated) else None,
        action=action,
        event=event,
        object_type=object_type,
        object_id=object_id,
        participant_ids=_residents(obj, object_type, object_id, data, participants),
        data=data,
    )
