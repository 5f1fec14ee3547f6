"""Forms of the sociale kaart: its filters, a partner's or residents' offer, the staff fields of our
own groups' offers, and a partner organisation. Every choice is limited to the municipalities of
the user's teams."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from collectief.forms import FriendlyBlanksMixin
from collectief.models import LifeDomain, Municipality, Neighbourhood
from collectief.validators import validate_plausible_date
from participants.forms import DateInput
from participants.models import Participant

from . import queries
from .models import Offer, Partner
from .sync import daypart_of

WIDE = "wide"  # the wijk filter's "municipality-wide only"
THEMES_SHOWN = 200


def _clean_text(value: str) -> str:
    # PostgreSQL refuses NUL characters in text: a pasted one must not become an error page.
    return (value or "").replace("\x00", "").strip()


class MapFilterForm(forms.Form):
    """The filters of the sociale kaart (GET, no JavaScript). A value that is not understood is left out."""

    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=Municipality.objects.none(),
                                          required=False, empty_label=_("All municipalities"))
    q = forms.CharField(label=_("Search"), required=False, max_length=100, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": _("Name, theme or description")}))
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    life_domain = forms.ModelChoiceField(label=_("Life domain"), queryset=LifeDomain.objects.none(), required=False,
                                         empty_label=_("All life domains"))
    wijk = forms.ChoiceField(label=_("Neighbourhood"), required=False,
                             help_text=_("A neighbourhood shows its own offers and the municipality-wide ones."))
    daypart = forms.ChoiceField(label=_("Time of day"), required=False,
                                choices=[("", _("Any time of day")), *Offer.Daypart.choices])
    language = forms.ChoiceField(label=_("Language"), required=False,
                                 choices=[("", _("Any language")), *Participant.Language.choices])
    led_by = forms.ChoiceField(label=_("Led by"), required=False,
                               choices=[("", _("Anyone")), *Offer.LedBy.choices])
    source = forms.ChoiceField(label=_("Whose offer"), required=False,
                               choices=[("", _("All offers")), *Offer.Source.choices])
    quadrant = forms.ChoiceField(label=_("Place on the model"), required=False,
                                 choices=[("", _("All places")), *queries.QUADRANTS])
    check = forms.BooleanField(label=_("Needs a check (not checked for 6 months)"), required=False)
    mine = forms.BooleanField(label=_("Only offers I keep up to date"), required=False)
    inactive = forms.BooleanField(label=_("Also offers that stopped"), required=False)

    def __init__(self, data, *, user):
        super().__init__(data)
        self.user = user
        municipalities = list(queries.municipalities_for(user))
        several = len(municipalities) > 1
        if several:
            self.fields["municipality"].queryset = queries.municipalities_for(user)
        else:
            del self.fields["municipality"]  # one municipality: nothing to choose
        wijken = Neighbourhood.objects.filter(municipality__in=[m.pk for m in municipalities]).select_related(
            "municipality")
        self.fields["wijk"].choices = [("", _("All neighbourhoods")), (WIDE, _("Municipality-wide only"))] + [
            (str(w.pk), f"{w.name} ({w.municipality.name})" if several else w.name) for w in wijken
        ]
        self.fields["life_domain"].queryset = LifeDomain.objects.filter(active=True)
        themes = (queries.offers_for(user).active().exclude(theme="").order_by("theme")
                  .values_list("theme", flat=True).distinct()[:THEMES_SHOWN])
        self.fields["theme"].choices = [("", _("All themes")), *((t, t) for t in themes)]
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            else:
                field.widget.attrs["class"] = "form-control form-control-sm"
        self.is_valid()  # fills cleaned_data with the values that are understood

    def clean_q(self):
        return _clean_text(self.cleaned_data.get("q"))

    @property
    def used(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "", False)}

    def filter(self, queryset):
        """The offers that pass every filter in use (only active ones unless asked otherwise)."""
        data = self.cleaned_data
        if data.get("municipality"):
            queryset = queryset.filter(municipality=data["municipality"])
        if not data.get("inactive"):
            queryset = queryset.filter(active=True)
        if data.get("q"):
            q = data["q"]
            queryset = queryset.filter(Q(name__icontains=q) | Q(theme__icontains=q) | Q(description__icontains=q)
                                       | Q(partner__name__icontains=q))
        if data.get("theme"):
            queryset = queryset.filter(theme=data["theme"])
        if data.get("life_domain"):
            queryset = queryset.filter(pk__in=Offer.life_domains.through.objects.filter(
                lifedomain=data["life_domain"]).values("offer_id"))
        queryset = self._filter_wijk(queryset, data.get("wijk"))
        for name in ("daypart", "led_by", "source"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        if data.get("language"):
            queryset = queryset.filter(languages__contains=[data["language"]])
        if data.get("quadrant"):
            queryset = queryset.filter(queries.quadrant_q(data["quadrant"]))
        if data.get("check"):
            queryset = queryset.filter(pk__in=Offer.objects.needs_check().values("pk"))
        if data.get("mine"):
            queryset = queryset.filter(pk__in=Offer.objects.filter(queries.owned_by(self.user)).values("pk"))
        return queryset

    @staticmethod
    def _filter_wijk(queryset, wijk: str | None):
        if not wijk:
            return queryset
        if wijk == WIDE:
            return queryset.filter(neighbourhood__isnull=True)
        # A wijk: its own offers and those for the whole municipality it lies in.
        pk = int(wijk)
        municipality = Neighbourhood.objects.filter(pk=pk).values("municipality")
        return queryset.filter(Q(neighbourhood=pk) | Q(neighbourhood__isnull=True, municipality__in=municipality))


class _ScopedMunicipality:
    """A form with a ``municipality``: one of the user's; when they have only one, it is not asked."""

    def scope_municipality(self, user, instance_municipality=None):
        self.municipalities = list(queries.municipalities_for(user))
        field = self.fields["municipality"]
        field.queryset = queries.municipalities_for(user)
        if instance_municipality is not None or len(self.municipalities) == 1:
            self.fixed_municipality = instance_municipality or self.municipalities[0]
            del self.fields["municipality"]
        else:
            self.fixed_municipality = None
            field.empty_label = _("Choose…")

    def chosen_municipality(self, cleaned):
        return self.fixed_municipality or cleaned.get("municipality")


class _Fieldsets:
    """The form's fields in fieldsets with a legend (``SECTIONS``), for templates/offers/offer_form.html."""

    SECTIONS: list = []

    def fieldsets(self):
        for legend, names in self.SECTIONS:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                yield legend, fields


def _staff_users():
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class OfferForm(FriendlyBlanksMixin, _ScopedMunicipality, _Fieldsets, forms.ModelForm):
    """A partner's group or a residents' own initiative: listed with the owner's consent and kept
    up to date by a named staff owner."""

    SECTIONS = [
        (_("Whose offer"), ["municipality", "source", "partner"]),
        (_("What it is"), ["name", "description", "theme", "life_domains", "led_by", "form"]),
        (_("Where and when"), ["neighbourhood", "location", "weekday", "start_time", "daypart", "schedule_note"]),
        (_("For residents"), ["languages", "cost", "how_to_join", "contact", "accessibility", "is_public"]),
        (_("Consent and upkeep"), ["owner", "owner_consent_on", "active"]),
    ]

    languages = forms.MultipleChoiceField(label=_("Languages"), required=False, choices=Participant.Language.choices,
                                          widget=forms.CheckboxSelectMultiple)
    source = forms.ChoiceField(label=_("Whose offer"), widget=forms.RadioSelect, choices=[
        (Offer.Source.PARTNER, Offer.Source.PARTNER.label), (Offer.Source.INITIATIVE, Offer.Source.INITIATIVE.label),
    ])

    class Meta:
        model = Offer
        fields = [
            "municipality", "source", "partner", "name", "description", "theme", "life_domains", "neighbourhood",
            "location", "weekday", "start_time", "daypart", "schedule_note", "languages", "cost", "how_to_join",
            "contact", "led_by", "form", "accessibility", "is_public", "owner", "owner_consent_on", "active",
        ]
        widgets = {
            "life_domains": forms.CheckboxSelectMultiple,
            "led_by": forms.RadioSelect,
            "form": forms.RadioSelect,
            "owner_consent_on": DateInput(),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "description": forms.Textarea(attrs={"rows": 3}),
            "how_to_join": forms.Textarea(attrs={"rows": 2}),
            "accessibility": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {
            "name": {"required": _("Give the offer a name.")},
            "owner": {"required": _("Name the colleague who keeps this offer up to date.")},
            "owner_consent_on": {
                "required": _("Fill in the date on which the owner agreed to this listing."),
                "invalid": _("Fill in a valid date, e.g. 5-3-2024."),
            },
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.scope_municipality(user, self.instance.municipality if self.instance.pk else None)
        municipalities = [m.pk for m in self.municipalities]
        self.fields["partner"].queryset = Partner.objects.filter(municipality__in=municipalities)
        self.fields["partner"].empty_label = _("Choose…")
        self.fields["neighbourhood"].queryset = Neighbourhood.objects.filter(municipality__in=municipalities)
        self.fields["neighbourhood"].empty_label = _("Municipality-wide")
        self.fields["life_domains"].queryset = LifeDomain.objects.filter(active=True)
        owners = _staff_users().filter(memberships__team__municipality__in=municipalities).distinct()
        self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["owner"].required = True
        self.fields["owner"].help_text = _("The colleague who keeps this offer up to date; they see it on their "
                                           "start page when it has not been checked for 6 months.")
        consent = self.fields["owner_consent_on"]
        consent.required = True
        consent.label = _("Listed with the owner's consent on")
        consent.validators.append(validate_plausible_date)
        self.fields["partner"].required = False
        if not self.instance.pk:
            self.fields["owner"].initial = user.pk
            self.fields["led_by"].initial = Offer.LedBy.VOLUNTEERS
            del self.fields["active"]

    def clean(self):
        cleaned = super().clean()
        municipality = self.chosen_municipality(cleaned)
        source, partner = cleaned.get("source"), cleaned.get("partner")
        if source == Offer.Source.PARTNER and not partner and "partner" not in self.errors:
            self.add_error("partner", _("Choose the partner organisation whose offer this is."))
        if source == Offer.Source.INITIATIVE:
            cleaned["partner"] = None
        if municipality is not None:
            self._check_municipality(cleaned, municipality)
        return cleaned

    def _check_municipality(self, cleaned, municipality):
        partner, neighbourhood, owner = cleaned.get("partner"), cleaned.get("neighbourhood"), cleaned.get("owner")
        if partner and partner.municipality_id != municipality.pk:
            self.add_error("partner", _("This partner organisation works in another municipality."))
        if neighbourhood and neighbourhood.municipality_id != municipality.pk:
            self.add_error("neighbourhood", _("This neighbourhood is not in the municipality."))
        if owner and not owner.memberships.filter(team__municipality=municipality).exists():
            self.add_error("owner", _("The owner must work in a team of this municipality."))

    def _post_clean(self):
        # The municipality is not asked when there is only one; the model needs it before its checks.
        if self.fixed_municipality is not None:
            self.instance.municipality = self.fixed_municipality
        super()._post_clean()
        if self.instance.start_time:
            self.instance.daypart = daypart_of(self.instance.start_time)


class OwnOfferForm(_Fieldsets, forms.ModelForm):
    """What staff add to the offer of one of our own groups; the facts (name, wijk, day, time, who
    leads it) come from the group and are changed there."""

    languages = forms.MultipleChoiceField(label=_("Languages"), required=False, choices=Participant.Language.choices,
                                          widget=forms.CheckboxSelectMultiple)
    SECTIONS = [(_("For residents"), ["description", "cost", "how_to_join", "contact", "languages", "accessibility",
                                      "is_public"])]

    class Meta:
        model = Offer
        fields = ["description", "cost", "how_to_join", "contact", "languages", "accessibility", "is_public"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "how_to_join": forms.Textarea(attrs={"rows": 2}),
            "accessibility": forms.Textarea(attrs={"rows": 2}),
        }


class PartnerForm(FriendlyBlanksMixin, _ScopedMunicipality, forms.ModelForm):
    """A partner organisation: its name and how to reach it (the organisation, not a resident)."""

    website = forms.URLField(label=_("website"), required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = Partner
        fields = ["municipality", "name", "contact_name", "phone", "email", "website"]
        error_messages = {"name": {"required": _("Fill in the name of the organisation.")}}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope_municipality(user, self.instance.municipality if self.instance.pk else None)

    def clean(self):
        cleaned = super().clean()
        municipality, name = self.chosen_municipality(cleaned), cleaned.get("name")
        if municipality is not None and name:
            same = Partner.objects.filter(municipality=municipality, name__iexact=name).exclude(pk=self.instance.pk)
            if same.exists():
                self.add_error("name", _("There already is a partner organisation with this name in %(municipality)s.")
                               % {"municipality": municipality.name})
        return cleaned

    def _post_clean(self):
        if self.fixed_municipality is not None:
            self.instance.municipality = self.fixed_municipality
        super()._post_clean()

