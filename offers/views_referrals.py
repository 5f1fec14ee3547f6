"""Referrals with feedback: refer a resident to an offer, record what came of it, and the internal figures.

- ``refer`` (/deelnemers/<id>/verwijzen/): from the resident's page, find an active offer of the
  resident's municipality (search by name or theme, life domain, whose offer; plain GET, no
  JavaScript), the day and a short note. Only with the consent "delen met een netwerkpartner"
  (offers.services). Social workers and coordinators of the resident's team.
- ``referral_outcome`` (/sociale-kaart/verwijzingen/<id>/uitkomst/): what came of it. The resident's
  page shows a small form per referral (templates/offers/_referrals.html); this page receives it
  and shows it again with its message when the input is wrong.
- ``referral_figures`` (/sociale-kaart/verwijzingen/): referrals out and their outcomes per period,
  per kind of offer and per partner, for coordinators of the municipality (offers.figures).

Not your role: 403 before any lookup; another team's resident or referral: 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from collectief import access
from collectief.models import log_event
from participants.models import Participant
from reporting.forms import DashboardForm

from . import figures, services
from .forms_referrals import OfferSearchForm, OutcomeForm, ReferForm
from .models import Referral

# The refer page lists at most this many offers; a search narrows them down.
OFFERS_SHOWN = 40


def _detail_url(participant_id) -> str:
    return reverse("participants:detail", args=[participant_id]) + "#referrals"


def _add_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, ValidationError(errors))
    else:
        form.add_error(None, error)


def get_participant(request, pk) -> Participant:
    """The resident, if in the user's teams (their consents loaded); 404 otherwise."""
    queryset = Participant.objects.select_related("team__municipality").prefetch_related("consents")
    return access.get_for_user(queryset, request.user, pk=pk)


def get_referral(request, pk) -> Referral:
    """The referral, if its resident is in the user's teams; 404 otherwise."""
    queryset = Referral.objects.select_related("participant__team", "offer__partner", "referred_by").prefetch_related(
        "participant__consents"
    )
    return access.get_for_user(queryset, request.user, "participant__team", pk=pk)


# --- Refer --------------------------------------------------------------------------------------


def _offers_shown(search, offers, form):
    """The offers the search finds (at most OFFERS_SHOWN), with the chosen one always among them."""
    found = list(search.filter(offers).select_related("partner", "neighbourhood")[: OFFERS_SHOWN + 1])
    more = len(found) > OFFERS_SHOWN
    found = found[:OFFERS_SHOWN]
    chosen = str(form["offer"].value() or "")
    if chosen.isascii() and chosen.isdigit() and len(chosen) < 10 and all(str(o.pk) != chosen for o in found):
        extra = offers.filter(pk=int(chosen)).select_related("partner", "neighbourhood").first()
        if extra is not None:
            found.insert(0, extra)
    return found, more, chosen


@access.registration_required
@require_http_methods(["GET", "HEAD", "POST"])
def refer(request, participant_pk):
    participant = get_participant(request, participant_pk)
    if participant.is_erased:
        messages.error(request, _("This resident's data have been anonymised: nothing new can be recorded."))
        return redirect("participants:detail", pk=participant.pk)
    offers = services.offers_for(participant)
    search = OfferSearchForm(request.GET)
    if request.method == "POST":
        form = ReferForm(request.POST, offers=offers)
        if form.is_valid():
            data = form.cleaned_data
            try:
                referral = services.refer(request.user, participant, data["offer"], data["date"], data["note"])
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The referral to %(offer)s has been recorded.") % {"offer": referral.offer})
                return redirect(_detail_url(participant.pk))
    else:
        form = ReferForm(offers=offers, initial={"offer": request.GET.get("offer", "")[:12]})
    shown, more, chosen = _offers_shown(search, offers, form)
    decision = services.sharing_decision(participant)
    with transaction.atomic():
        log_event(request.user, "participant.viewed", participant, {"page": "refer"})
    return render(request, "offers/referral_form.html", {
        "participant": participant,
        "search": search,
        "form": form,
        "offers": shown,
        "more": more,
        "shown_max": OFFERS_SHOWN,
        "chosen": chosen,
        "decision": decision,
        "may_share": decision is not None and decision.given,
        "query": request.GET.urlencode(),
    })


# --- What came of it ----------------------------------------------------------------------------


@access.registration_required
@require_http_methods(["GET", "HEAD", "POST"])
def referral_outcome(request, referral_pk):
    referral = get_referral(request, referral_pk)
    participant = referral.participant
    if request.method == "POST":
        form = OutcomeForm(request.POST)
        if form.is_valid():
            try:
                services.record_outcome(
                    request.user, referral, form.cleaned_data["outcome"], form.cleaned_data["outcome_on"]
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("What came of the referral has been recorded."))
                return redirect(_detail_url(participant.pk))
    else:
        form = OutcomeForm(initial={"outcome": referral.outcome,
                                    "outcome_on": referral.outcome_on or timezone.localdate()})
    with transaction.atomic():
        log_event(request.user, "participant.viewed", participant, {"page": "referral_outcome",
                                                                    "referral": referral.pk})
    return render(request, "offers/referral_outcome.html", {
        "referral": referral, "participant": participant, "form": form,
        "may_share": services.may_share(participant),
    })


# --- Internal figures ---------------------------------------------------------------------------


@access.report_management_required
@never_cache
@require_GET
def referral_figures(request):
    """Referrals out and what came of them, per period, kind of offer and partner (internal)."""
    municipalities = access.managed_municipalities(request.user).order_by("name")
    today = timezone.localdate()
    bound = any(key in request.GET for key in ("municipality", "period", "start", "end"))
    form = DashboardForm(request.GET if bound else {}, municipalities=municipalities, today=today)
    context = {"form": form}
    if form.is_valid() and form.cleaned_data["municipality"] is not None:
        municipality, period = form.cleaned_data["municipality"], form.cleaned_data["resolved_period"]
        context.update({"municipality": municipality, "period": period,
                        "figures": figures.referral_figures(municipality, period)})
    return render(request, "offers/referral_figures.html", context)
