"""The sociale kaart for staff (/sociale-kaart/): every offer of the municipalities of my teams —
our own groups (they appear by themselves), partners' groups and residents' own initiatives — with
search and filters, each placed on the individual–collective × informal–formal model; the
coordinator's overview of the whole offer on that model; adding and keeping offers and partner
organisations up to date.

Who may do what (also in docs/offers.md):
- Social workers, coordinators and administrators see the offers and partners of the municipalities
  of their teams (an offer belongs to a municipality, not to a team); another municipality's: 404.
- They may add a partner's or residents' offer (with the owner's consent date and a named staff
  owner) and edit, check ("gecontroleerd") and stop any offer of those municipalities. For our own
  groups only what staff add is edited here; the facts follow the group, and so does whether it runs.
- Partner organisations: anyone of those roles may add and edit them (the colleagues who work with
  a partner know when its contact changes); nobody deletes one here, offers and referrals point to
  it (an administrator can, in /beheer/, while nothing refers to it).
- The overview on the model: coordinators and administrators, for the municipalities they manage.
Every change is audited (offer.*, partner.*) with field names only; the pages show no resident.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collectief import access
from collectief.models import LifeDomain, Municipality, Neighbourhood, log_event
from participants.models import Participant

from . import queries
from .forms_map import MapFilterForm, OfferForm, OwnOfferForm, PartnerForm
from .models import Offer

PER_PAGE = 50
LANGUAGES = dict(Participant.Language.choices)


def _describe(offers, today) -> None:
    """What each row shows beyond the fields: when, its place on the model, whether it needs a check."""
    for offer in offers:
        offer.when = queries.when_text(offer)
        offer.quadrant_label = queries.QUADRANT_LABELS[offer.quadrant]
        offer.to_check = offer.active and offer.needs_check(today)
        offer.organisation = _organisation(offer)
        offer.language_labels = [str(LANGUAGES[code]) for code in offer.languages if code in LANGUAGES]


def _organisation(offer) -> str:
    if offer.source == Offer.Source.OWN:
        return _("Our own group")
    if offer.partner_id:
        return offer.partner.name
    return _("Residents' own initiative")


# --- The map -----------------------------------------------------------------------------------------


@access.registration_required
def offer_map(request):
    """Every offer of my municipalities, filtered; 50 per page, a constant number of queries."""
    user, today = request.user, timezone.localdate()
    filters = MapFilterForm(request.GET, user=user)
    offers = queries.with_facts(filters.filter(queries.offers_for(user))).order_by("name", "pk")
    page = Paginator(offers, PER_PAGE).get_page(request.GET.get("page"))
    _describe(page.object_list, today)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "offers/map.html", {
        "filters": filters, "page": page, "offers": page.object_list, "query": query.urlencode(),
        "filtered": bool(filters.used), "can_overview": access.can_manage_reports(user),
    })


@access.registration_required
def offer_detail(request, pk):
    offer = queries.get_offer_for_user(request.user, pk)
    _describe([offer], timezone.localdate())
    return render(request, "offers/map_offer.html", {"offer": offer, "domains": list(offer.life_domains.all())})


# --- Adding, editing, checking, stopping -------------------------------------------------------------


@access.registration_required
def offer_create(request):
    """A partner's group or a residents' own initiative (our own groups appear by themselves)."""
    form = OfferForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            offer = form.save(commit=False)
            offer.last_checked_on = timezone.localdate()  # just told by its owner: checked today
            offer.save()
            form.save_m2m()
            log_event(request.user, "offer.created", offer, {"fields": sorted(form.changed_data)})
        messages.success(request, _("The offer is on the sociale kaart."))
        return redirect("offers:offer_detail", offer.pk)
    return render(request, "offers/offer_form.html", {"form": form, "offer": None})


@access.registration_required
def offer_edit(request, pk):
    """Edit an offer's details; for our own groups only what staff add (the rest follows the group)."""
    offer = queries.get_offer_for_user(request.user, pk)
    own = offer.source == Offer.Source.OWN
    data = request.POST or None
    form = OwnOfferForm(data, instance=offer) if own else OfferForm(data, instance=offer, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            if form.changed_data:
                log_event(request.user, "offer.updated", offer, {"fields": sorted(form.changed_data)})
        messages.success(request, _("The offer has been saved."))
        return redirect("offers:offer_detail", offer.pk)
    return render(request, "offers/offer_form.html", {"form": form, "offer": offer, "own": own})


def _back(request, offer):
    """Back to the start page when the action came from there, else to the offer."""
    if request.POST.get("next") == "start":
        return redirect("home")
    return redirect("offers:offer_detail", offer.pk)


@access.registration_required
@require_POST
def offer_check(request, pk):
    """"Gecontroleerd": the offer is still as shown (last checked on = today)."""
    offer = queries.get_offer_for_user(request.user, pk)
    with transaction.atomic():
        offer.last_checked_on = timezone.localdate()
        offer.save(update_fields=["last_checked_on", "updated_at"])
        log_event(request.user, "offer.updated", offer, {"fields": ["last_checked_on"], "checked": True})
    messages.success(request, _("%(name)s is marked as checked today.") % {"name": offer.name})
    return _back(request, offer)


@access.registration_required
@require_POST
def offer_deactivate(request, pk):
    """Stop showing a partner's or residents' offer (it stays findable under "also offers that stopped")."""
    offer = queries.get_offer_for_user(request.user, pk)
    if offer.source == Offer.Source.OWN:
        messages.error(request, _("Whether our own group runs follows its status: change the status of the group."))
        return _back(request, offer)
    if offer.active:
        with transaction.atomic():
            offer.active = False
            offer.save(update_fields=["active", "updated_at"])
            log_event(request.user, "offer.updated", offer, {"fields": ["active"], "deactivated": True})
    messages.success(request, _("%(name)s is no longer shown as running.") % {"name": offer.name})
    return _back(request, offer)


# --- Partners ------------------------------------------------------------------------------------------


@access.registration_required
def partner_list(request):
    partners = (
        queries.partners_for(request.user).select_related("municipality")
        .annotate(running=Count("offers", filter=Q(offers__active=True))).order_by("municipality__name", "name")
    )
    page = Paginator(partners, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "offers/map_partners.html", {
        "page": page, "partners": page.object_list, "query": "",
        "several": queries.municipalities_for(request.user).count() > 1,
    })


@access.registration_required
def partner_create(request):
    form = PartnerForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            partner = form.save()
            log_event(request.user, "partner.created", partner, {"fields": sorted(form.changed_data)})
        messages.success(request, _("%(name)s has been added.") % {"name": partner.name})
        return redirect(reverse("offers:partners"))
    return render(request, "offers/map_partner_form.html", {"form": form, "partner": None})


@access.registration_required
def partner_edit(request, pk):
    partner = queries.get_partner_for_user(request.user, pk)
    form = PartnerForm(request.POST or None, instance=partner, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            if form.changed_data:
                log_event(request.user, "partner.updated", partner, {"fields": sorted(form.changed_data)})
        messages.success(request, _("%(name)s has been saved.") % {"name": partner.name})
        return redirect(reverse("offers:partners"))
    return render(request, "offers/map_partner_form.html", {"form": form, "partner": partner})


# --- The whole offer on the model (coordinators) -----------------------------------------------------


def _quadrant_counts(prefix: str = "") -> dict:
    """One filtered count per quadrant, and of those our own groups, for ``values(...).annotate(...)``."""
    counts = {}
    for code, _label in queries.QUADRANTS:
        where = queries.quadrant_q(code)
        counts[f"{prefix}{code}"] = Count("pk", filter=where, distinct=True)
        counts[f"{prefix}{code}_own"] = Count("pk", filter=where & Q(source=Offer.Source.OWN), distinct=True)
    return counts


def _cells(row: dict) -> list[dict]:
    return [{"code": code, "label": label, "n": row.get(code, 0), "own": row.get(f"{code}_own", 0)}
            for code, label in queries.QUADRANTS]


@access.report_management_required
def overview(request):
    """The active offer of one municipality on the model: the four quadrants, per life domain and per
    wijk, counted in the database (three aggregate queries)."""
    municipalities = list(access.managed_municipalities(request.user))
    chosen = _chosen_municipality(request, municipalities)
    context = {"municipalities": municipalities, "municipality": chosen, "quadrants": queries.QUADRANTS}
    if chosen is not None:
        context.update(_overview_tables(chosen))
    return render(request, "offers/map_overview.html", context)


def _chosen_municipality(request, municipalities) -> Municipality | None:
    wanted = request.GET.get("municipality", "")
    for municipality in municipalities:
        if str(municipality.pk) == wanted:
            return municipality
    return municipalities[0] if municipalities else None


def _overview_tables(municipality) -> dict:
    offers = Offer.objects.filter(municipality=municipality, active=True).order_by()
    total = offers.aggregate(**_quadrant_counts())
    by_domain = {row["life_domains"]: row for row in offers.values("life_domains").annotate(**_quadrant_counts())}
    by_wijk = {row["neighbourhood"]: row for row in offers.values("neighbourhood").annotate(**_quadrant_counts())}
    link = urlencode({"municipality": municipality.pk})
    domains = [(domain, _cells(by_domain.get(domain.pk, {})), f"{link}&{urlencode({'life_domain': domain.pk})}")
               for domain in LifeDomain.objects.filter(Q(active=True) | Q(pk__in=[k for k in by_domain if k]))]
    wijken = [(wijk, _cells(by_wijk.get(wijk.pk, {})))
              for wijk in Neighbourhood.objects.filter(municipality=municipality).order_by("name")]
    return {
        "total": _cells(total),
        "grid_link": link,
        "total_offers": sum(total[code] for code, _l in queries.QUADRANTS),
        "by_domain": domains,
        "without_domain": _cells(by_domain.get(None, {})),
        "by_wijk": wijken,
        "municipality_wide": _cells(by_wijk.get(None, {})),
    }
