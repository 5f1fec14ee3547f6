"""The group finder for residents (/aanbod/), and what staff do with its sign-ups.

Public pages (``login_not_required``), for residents without an account:

- ``/aanbod/``: the municipalities that have public offers;
- ``/aanbod/<municipality>/``: that municipality's public, active offers, with filters (wijk, part of
  the day, what it is about, language) in a plain GET form that works without JavaScript;
- ``/aanbod/<municipality>/<offer>/``: one offer (``offers:public_offer``, the page the flyer's QR
  code opens); an offer of another municipality, or one not public, is a friendly 404;
- ``…/aanmelden/``: "Aanmelden": a first name, a phone number or e-mail address, an optional short
  message and the resident's consent. A honeypot field and a limit per address (the survey's, in
  the cache, fail-soft: ``outcomes.views_survey.within_rate_limit``) keep robots out.

They never show anything about residents: not who signed up or joined, not how many.

Staff (``registration_required``): a sign-up shows on its group's waiting list (one of our groups)
or on the start page of the offer's staff owner (a partner's offer or a residents' initiative), via
``offers_tags``; ``signup_status`` marks one called back or closes it.
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collectief import access
from collectief.models import Municipality, log_event
from outcomes.views_survey import within_rate_limit
from participants.models import Participant

from .forms_public import FinderForm, SignupForm, languages_of, plain_domain
from .models import Offer, Signup

logger = logging.getLogger(__name__)

PER_PAGE = 20
# Sign-ups staff still have to handle: shown on the waiting list and the owner's start page.
OPEN = (Signup.Status.NEW, Signup.Status.CONTACTED)


# --- Helpers ---------------------------------------------------------------------------------------


def _public_offers(municipality_pk):
    return (
        Offer.objects.public().filter(municipality_id=municipality_pk)
        .select_related("neighbourhood", "partner", "municipality").prefetch_related("life_domains")
    )


def _offer(municipality_pk, offer_pk) -> Offer | None:
    return _public_offers(municipality_pk).filter(pk=offer_pk).first()


def _gone(request, municipality_pk):
    """An offer that is not (or no longer) public in this municipality: a friendly page, status 404."""
    municipality = Municipality.objects.filter(pk=municipality_pk).first()
    return render(request, "offers/public_gone.html", {"municipality": municipality}, status=404)


def organisation_of(offer: Offer) -> str:
    """Who runs it, in words a resident knows."""
    if offer.source == Offer.Source.PARTNER and offer.partner_id:
        return offer.partner.name
    if offer.source == Offer.Source.INITIATIVE:
        return _("Residents of the neighbourhood")
    return settings.ORGANISATION_NAME


def can_sign_up(offer: Offer) -> bool:
    """Someone of ours handles the sign-up: the group's team, or the offer's staff owner."""
    return offer.group_id is not None or offer.owner_id is not None


def _matches(offer: Offer, chosen: dict) -> bool:
    if "wijk" in chosen and offer.neighbourhood_id not in (chosen["wijk"], None):
        return False  # an offer for the whole municipality is near everyone
    if "dagdeel" in chosen and offer.daypart != chosen["dagdeel"]:
        return False
    if "thema" in chosen and chosen["thema"] not in {d.code for d in offer.life_domains.all()}:
        return False
    return "taal" not in chosen or chosen["taal"] in (offer.languages or [Participant.Language.NL])


def _describe(offer: Offer) -> Offer:
    """Add what the templates show in plain words."""
    offer.language_labels = languages_of(offer)
    offer.topics = [plain_domain(d) for d in offer.life_domains.all()]
    offer.organisation = organisation_of(offer)
    return offer


# --- The public pages ------------------------------------------------------------------------------


@login_not_required
@require_GET
def finder(request):
    """/aanbod/: the municipalities with public offers."""
    municipalities = (
        Municipality.objects.annotate(n=Count("offers", filter=Q(offers__active=True, offers__is_public=True)))
        .filter(n__gt=0).order_by("name")
    )
    return render(request, "offers/public_finder.html", {"municipalities": municipalities})


@login_not_required
@require_GET
def finder_municipality(request, municipality_pk):
    """A municipality's public offers, filtered by a GET form (no JavaScript needed)."""
    municipality = get_object_or_404(Municipality, pk=municipality_pk)
    # Every public offer of the municipality is read once: the filters offer only what they have,
    # and the few hundred offers a municipality has at most are filtered here.
    offers = list(_public_offers(municipality.pk).order_by("name", "pk"))
    bound = any(key in request.GET for key in ("wijk", "dagdeel", "thema", "taal"))
    form = FinderForm(request.GET if bound else None, offers=offers)
    chosen = form.filters()
    found = [offer for offer in offers if _matches(offer, chosen)]
    if "wijk" in chosen:
        # Offers in the wijk itself first, then those for the whole municipality.
        found.sort(key=lambda offer: offer.neighbourhood_id is None)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("pagina"))
    for offer in page:
        _describe(offer)
    query = urlencode({key: request.GET[key] for key in ("wijk", "dagdeel", "thema", "taal") if request.GET.get(key)})
    return render(request, "offers/public_list.html", {
        "municipality": municipality, "form": form, "page": page, "filtered": bool(chosen), "query": query,
        "any_offers": bool(offers),
    })


@login_not_required
@require_GET
def public_offer(request, municipality_pk, offer_pk):
    """One offer: what, where, when, how often, cost, who leads it, languages, accessibility, contact."""
    offer = _offer(municipality_pk, offer_pk)
    if offer is None:
        return _gone(request, municipality_pk)
    return render(request, "offers/public_offer.html", {
        "offer": _describe(offer), "municipality": offer.municipality, "can_sign_up": can_sign_up(offer),
    })


def _signup_page(request, offer, form, status=200):
    return render(request, "offers/public_signup.html", {
        "offer": offer, "municipality": offer.municipality, "form": form, "organisation": settings.ORGANISATION_NAME,
        "retention_days": settings.SIGNUP_RETENTION_DAYS,
    }, status=status)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request, municipality_pk, offer_pk):
    """"Aanmelden" for one offer, without an account."""
    offer = _offer(municipality_pk, offer_pk)
    if offer is None or not can_sign_up(offer):
        return _gone(request, municipality_pk)
    form = SignupForm(request.POST if request.method == "POST" else None, organisation=settings.ORGANISATION_NAME)
    if request.method != "POST":
        return _signup_page(request, offer, form)
    thanks = redirect("offers:signup_thanks", offer.municipality_id, offer.pk)
    if form.is_spam():
        logger.info("Sign-up for offer %s refused: honeypot filled in", offer.pk)
        return thanks  # the same answer as a stored one: a robot learns nothing
    if not form.is_valid():
        return _signup_page(request, offer, form)
    if not within_rate_limit(request):
        form.add_error(None, _(
            "Many sign-ups have just been sent from this internet connection. Please wait a quarter of an hour "
            "and press Send again: what you filled in is still here."
        ))
        return _signup_page(request, offer, form, status=429)
    item = form.signup(offer)
    try:
        item.full_clean()
    except ValidationError:
        form.add_error(None, _("Something is not right yet. Check what you filled in."))
        return _signup_page(request, offer, form)
    with transaction.atomic():
        item.save()
        # No user: the resident has no account. Ids only, never what they typed.
        log_event(None, "signup.created", item, {"offer": offer.pk, "group": offer.group_id})
    return thanks


@login_not_required
@require_GET
def signup_thanks(request, municipality_pk, offer_pk):
    offer = _offer(municipality_pk, offer_pk)
    if offer is None:
        return _gone(request, municipality_pk)
    return render(request, "offers/public_thanks.html", {
        "offer": offer, "municipality": offer.municipality, "organisation": settings.ORGANISATION_NAME,
    })


# --- Staff: handling a sign-up ---------------------------------------------------------------------


def signups_for(user):
    """Sign-ups the user handles: those of their teams' groups, and those of the offers they own."""
    mine = Q(group__isnull=False) & access.access_for(user).team_q("group__team")
    if not access.can_register(user):
        return Signup.objects.none()
    return Signup.objects.filter(mine | Q(group__isnull=True, offer__owner=user))


# New → called back → closed; a new one may be closed at once (not reachable, not meant for us).
NEXT_STATUS = {
    Signup.Status.NEW: (Signup.Status.CONTACTED, Signup.Status.CLOSED),
    Signup.Status.CONTACTED: (Signup.Status.CLOSED,),
}
STATUS_MESSAGES = {
    Signup.Status.CONTACTED: gettext_lazy("%(name)s is marked as called back."),
    Signup.Status.CLOSED: gettext_lazy("The sign-up of %(name)s is closed."),
}


@access.registration_required
@require_POST
def signup_status(request, signup_pk):
    """"Teruggebeld" or "Afsluiten": from the waiting list (our group) or the start page (an owned offer)."""
    item = get_object_or_404(signups_for(request.user).select_related("group"), pk=signup_pk)
    back = reverse("groups:detail", args=[item.group_id]) + "#wachtlijst" if item.group_id else reverse("home")
    status = request.POST.get("status")
    allowed = NEXT_STATUS.get(item.status, ())
    if status not in allowed:
        messages.info(request, _("This sign-up was handled already."))
        return redirect(back)
    with transaction.atomic():
        item.status, item.handled_by = status, request.user
        item.save(update_fields=["status", "handled_by", "updated_at"])
        log_event(request.user, "signup.updated", item, {"status": status, "offer": item.offer_id})
    messages.success(request, STATUS_MESSAGES[status] % {"name": item.first_name})
    return redirect(back)
