"""Forms of the public group finder (/aanbod/): the filters (a GET form) and "Aanmelden".

Both work without JavaScript. The filters only offer what the municipality's public offers have
(a wijk without an offer is not a choice); a value that is not a choice is ignored, never an error
page. "Aanmelden" asks only what a first contact needs, and the resident's consent.
"""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from participants.models import Participant

from .models import Offer, Signup

# The life domains (leefgebieden) in the words a resident uses (B1); a domain not listed here is
# shown with its own label.
PLAIN_DOMAINS = {
    "financien": _("Money and bills"),
    "wonen": _("Your home"),
    "werk_dagbesteding": _("Work and things to do during the day"),
    "sociaal_netwerk": _("Meeting people"),
    "opvoeding": _("Raising children"),
    "relaties": _("Family and relationships"),
    "lichamelijke_gezondheid": _("Exercise and staying healthy"),
    "mentale_gezondheid": _("Feeling good about yourself"),
    "zingeving": _("What gives your life meaning"),
    "participatie": _("Taking part in your neighbourhood"),
    "dagelijks_functioneren": _("Managing everyday things"),
    "verslaving": _("Drinking, smoking or using less"),
    "justitie": _("Police and the courts"),
}
# An offer without languages is held in Dutch.
DEFAULT_LANGUAGE = Participant.Language.NL
PHONE_RE = re.compile(r"^\+?[0-9 ()\-.]{6,30}$")


def plain_domain(domain) -> str:
    return str(PLAIN_DOMAINS.get(domain.code, domain.label))


def languages_of(offer: Offer) -> list[str]:
    """The offer's languages, in words; Dutch when none is given."""
    labels = dict(Participant.Language.choices)
    return [str(labels.get(code, code)) for code in (offer.languages or [DEFAULT_LANGUAGE])]


class FinderForm(forms.Form):
    """The filters of a municipality's page: wijk, part of the day, what it is about, language.

    Choices come from ``offers`` (the municipality's public offers), so every choice finds something.
    """

    wijk = forms.TypedChoiceField(label=_("Neighbourhood"), required=False, coerce=int, empty_value=None)
    dagdeel = forms.ChoiceField(label=_("Part of the day"), required=False)
    thema = forms.ChoiceField(label=_("What is it about?"), required=False)
    taal = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args, offers, **kwargs):
        super().__init__(*args, **kwargs)
        offers = list(offers)
        everywhere = ("", _("All neighbourhoods"))
        wijken = sorted({(o.neighbourhood_id, o.neighbourhood.name) for o in offers if o.neighbourhood_id},
                        key=lambda item: item[1])
        self.fields["wijk"].choices = [everywhere, *wijken]
        parts = {o.daypart for o in offers if o.daypart}
        self.fields["dagdeel"].choices = [("", _("Any time")),
                                          *[(v, label) for v, label in Offer.Daypart.choices if v in parts]]
        domains = {d.code: d for o in offers for d in o.life_domains.all()}
        self.fields["thema"].choices = [("", _("Everything")), *sorted(
            ((code, plain_domain(d)) for code, d in domains.items()), key=lambda item: item[1])]
        languages = {code for o in offers for code in (o.languages or [DEFAULT_LANGUAGE])}
        self.fields["taal"].choices = [("", _("Any language")), *[
            (v, label) for v, label in Participant.Language.choices if v in languages and v != "other"]]

    def filters(self) -> dict:
        """The filters chosen and valid; an invalid one is left out (the page shows all for it)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data[name] for name in ("wijk", "dagdeel", "thema", "taal") if data.get(name)}


class SignupForm(forms.Form):
    """"Aanmelden": a first name, a phone number or e-mail address, an optional message, consent."""

    first_name = forms.CharField(
        label=_("Your first name"), max_length=60, error_messages={
            "required": _("Fill in your first name."),
            "max_length": _("Write at most %(limit_value)d characters (now %(show_value)d)."),
        },
    )
    phone = forms.CharField(label=_("Your phone number"), max_length=30, required=False, error_messages={
        "max_length": _("Write at most %(limit_value)d characters (now %(show_value)d)."),
    })
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254, required=False, error_messages={
        "invalid": _("This is not an e-mail address. Check it, for example: naam@voorbeeld.nl."),
    })
    message = forms.CharField(
        label=_("Message (you do not have to)"), max_length=300, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example when you can be called. Do not write about your health or illness here."),
        error_messages={"max_length": _("Write at most %(limit_value)d characters (now %(show_value)d).")},
    )
    consent = forms.BooleanField(required=False)
    # A field people never see (and screen readers skip): a robot that fills in everything fills
    # this in too, and its sign-up is not stored.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(self, *args, organisation: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = consent_text(organisation)

    def is_spam(self) -> bool:
        return bool((self.data.get("website") or "").strip())

    def clean_first_name(self):
        value = self.cleaned_data["first_name"].strip()
        if not value:
            raise ValidationError(_("Fill in your first name."))
        return value

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        if value and (not PHONE_RE.match(value) or sum(c.isdigit() for c in value) < 6):
            raise ValidationError(_("This is not a phone number. Use only digits, for example 06 12345678."))
        return value

    def clean_consent(self):
        if not self.cleaned_data.get("consent"):
            raise ValidationError(_("Tick the box if we may contact you. Without it we cannot call or mail you."))
        return True

    def clean(self):
        cleaned = super().clean()
        if "phone" in cleaned and "email" in cleaned and not cleaned["phone"] and not cleaned["email"]:
            self.add_error("phone", _("Fill in a phone number or an e-mail address, so that we can reach you."))
        return cleaned

    def signup(self, offer: Offer) -> Signup:
        """The sign-up to store (not saved yet): for one of our groups, on that group's list."""
        data = self.cleaned_data
        return Signup(offer=offer, group=offer.group, first_name=data["first_name"], phone=data["phone"],
                      email=data["email"], message=data["message"].strip(), consent=True)


def consent_text(organisation: str) -> str:
    return _(
        "I agree that %(organisation)s contacts me about this group. My details are only used for that, "
        "and deleted after %(days)d days if no contact follows."
    ) % {"organisation": organisation, "days": settings.SIGNUP_RETENTION_DAYS}
