"""Forms of referrals: find an offer (GET, without JavaScript), refer, record what came of it."""

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collectief.models import LifeDomain
from participants.forms import DateInput

from .models import Offer, Referral

SEARCH_MAX = 100


class OfferSearchForm(forms.Form):
    """Narrow the offers by name or theme, life domain and whose offer. What is not understood is left out."""

    q = forms.CharField(label=_("Name or theme"), required=False, max_length=SEARCH_MAX)
    life_domain = forms.ModelChoiceField(label=_("Life domain"), queryset=LifeDomain.objects.none(), required=False,
                                         empty_label=_("All life domains"))
    source = forms.ChoiceField(label=_("Whose offer"), required=False,
                               choices=[("", _("Every offer")), *Offer.Source.choices])

    def __init__(self, data):
        super().__init__(data)
        self.fields["life_domain"].queryset = LifeDomain.objects.filter(active=True)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        self.is_valid()  # fills cleaned_data with the values that are understood

    def filter(self, offers: QuerySet) -> QuerySet:
        data = self.cleaned_data
        words = (data.get("q") or "").replace("\x00", "").split()
        for word in words[:5]:
            offers = offers.filter(Q(name__icontains=word) | Q(theme__icontains=word) | Q(description__icontains=word))
        if data.get("life_domain"):
            offers = offers.filter(life_domains=data["life_domain"])
        if data.get("source"):
            offers = offers.filter(source=data["source"])
        return offers


class ReferForm(forms.Form):
    """"Verwijzen": which offer, on which day, and a short note for whoever runs it."""

    offer = forms.ModelChoiceField(
        label=_("Offer"), queryset=Offer.objects.none(),
        error_messages={"required": _("Choose an offer."),
                        "invalid_choice": _("Choose an active offer of the resident's municipality.")},
    )
    date = forms.DateField(label=_("Referred on"), widget=DateInput(attrs={"class": "form-control"}),
                           error_messages={"invalid": _("Enter a valid date.")})
    note = forms.CharField(
        label=_("Short note"), required=False, max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text=_("What the organisers need to know to welcome the resident, e.g. “comes with her daughter”. "
                    "No sensitive details: no diagnosis, debts or history."),
    )

    def __init__(self, *args, offers: QuerySet, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["offer"].queryset = offers


class OutcomeForm(forms.Form):
    """What came of a referral, and on which day."""

    outcome = forms.ChoiceField(label=_("What came of it"), choices=Referral.Outcome.choices,
                                error_messages={"invalid_choice": _("Choose what came of the referral.")})
    outcome_on = forms.DateField(label=_("On"), required=False, widget=DateInput(attrs={"class": "form-control"}),
                                 error_messages={"invalid": _("Enter a valid date.")},
                                 help_text=_("Not needed for “No news yet”."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].widget.attrs["class"] = "form-select"
