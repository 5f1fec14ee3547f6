"""The bundling board (/collectieven/bundelen/): open help requests that may go to a group, bundled
by life domain × wijk (and municipality-wide), with a mixed view across life domains; per bundle
what already exists, and the actions that place the chosen residents (pathway.services).

Rules (also on the page and in docs/pathway.md):
- On the board: open requests of my teams' residents with route collective or undecided.
- A wijk bundle: the requests of one life domain whose resident lives in that wijk. A
  municipality-wide bundle ("hele gemeente") counts *every* request of that life domain in the
  municipality, with or without a wijk: a municipality-wide group can draw from all of them.
  Requests without a wijk are therefore only in the municipality-wide bundle.
- Requests without a life domain are only in the mixed view (a bundle per wijk across life domains,
  and the whole municipality), where groups with mixed needs are formed.
- Facets count per bundle; a request without preferred dayparts counts for every daypart.
- A bundle of at least BUNDLE_THRESHOLD requests is "genoeg voor een groep".
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from collectief import access
from collectief.audit import residents_shown
from collectief.models import LifeDomain, log_event
from groups.models import Enrolment, Group, Interest
from participants.models import WEEKDAYS, HelpRequest, Participant

from . import requests, services
from .forms_board import MIXED, BoardFilterForm, BundleActionForm, BundleChoice, StartGroupForm, open_groups

REQUEST_TYPE = "participants.helprequest"


# --- What a bundle is -------------------------------------------------------------------------------


@dataclass
class Bundle:
    """One bundle: a life domain (None: mixed) in a wijk, or in a whole municipality."""

    domain: LifeDomain | None
    wijk_id: int | None
    wijk: str
    municipality_id: int | None
    municipality: str
    count: int = 0
    residents: int = 0  # a resident may have two requests in one bundle: "enough" counts people
    facets: dict = field(default_factory=dict)
    groups: list = field(default_factory=list)
    threshold: int = 3

    @property
    def key(self) -> tuple:
        return (self.domain.pk if self.domain else None, self.wijk_id, None if self.wijk_id else self.municipality_id)

    @property
    def is_municipality_wide(self) -> bool:
        return self.wijk_id is None

    @property
    def enough(self) -> bool:
        return self.residents >= self.threshold

    @property
    def still_needed(self) -> int:
        return max(0, self.threshold - self.residents)

    @property
    def groups_with_room(self) -> int:
        return sum(1 for group in self.groups if group.free is None or group.free > 0)

    def params(self) -> list[tuple[str, str]]:
        """The query string that opens this bundle (see BundleChoice)."""
        params = [("life_domain", self.domain.pk)] if self.domain else [("view", MIXED)]
        if self.wijk_id:
            params.append(("wijk", str(self.wijk_id)))
        elif self.municipality_id:
            params.append(("municipality", str(self.municipality_id)))
        return params

    def requests_of(self, queryset):
        """The requests of ``queryset`` (with ``municipality_id``) in this bundle."""
        if self.domain is not None:
            queryset = queryset.filter(life_domain=self.domain)
        if self.wijk_id:
            return queryset.filter(participant__neighbourhood=self.wijk_id)
        return queryset.filter(participant__team__municipality=self.municipality_id)

    def matches(self, group) -> bool:
        """A group that fits: the life domain (any, in the mixed view), and in the same wijk or
        municipality-wide; for a municipality-wide bundle every such group of the municipality."""
        if self.domain is not None and self.domain.pk not in (group.domain_codes or ()):
            return False
        if group.municipality_id != self.municipality_id:
            return False
        return self.wijk_id is None or group.neighbourhood_id in (None, self.wijk_id)


def _groups(user, on: datetime.date) -> list[Group]:
    """Forming and running groups of my teams, with places taken, waiting list and life domains (one query)."""
    taken = (
        Enrolment.objects.not_ended(on).filter(group=OuterRef("pk"))
        .order_by().values("group").annotate(n=Count("pk")).values("n")
    )
    waiting = (
        Interest.objects.waiting().filter(group=OuterRef("pk"))
        .order_by().values("group").annotate(n=Count("pk")).values("n")
    )
    domains = Group.life_domains.through.objects.filter(group=OuterRef("pk")).order_by().values("lifedomain_id")
    groups = list(
        open_groups(user).annotate(
            taken=Coalesce(Subquery(taken), 0), waiting=Coalesce(Subquery(waiting), 0),
            domain_codes=ArraySubquery(domains), municipality_id=F("team__municipality_id"),
        ).select_related("neighbourhood", "team").order_by("name", "pk")
    )
    for group in groups:
        group.free = None if group.capacity is None else max(0, group.capacity - group.taken)
    return groups


def _sorted_groups(groups) -> list[Group]:
    # Groups with room first, then by name: the first place to look.
    return sorted(groups, key=lambda g: (g.free == 0, g.name, g.pk))


class Board:
    """The bundles of my teams' bundleable requests after the filters, by life domain or mixed."""

    def __init__(self, user, on: datetime.date, filters: BoardFilterForm, *, mixed: bool):
        self.user, self.on, self.mixed = user, on, mixed
        self.threshold = requests.threshold()
        self.requests = requests.with_municipality(filters.filter(
            requests.bundleable(requests.annotate(requests.for_user(user), on))
        ))
        self.domains = {domain.pk: domain for domain in LifeDomain.objects.all()}
        self.groups = _groups(user, on)
        by_wijk, by_municipality = requests.bundle_counts(self.requests, mixed=mixed)
        self.bundles = [self._bundle(row, wijk=True) for row in by_wijk]
        self.bundles += [self._bundle(row, wijk=False) for row in by_municipality]

    def _bundle(self, row: dict, *, wijk: bool) -> Bundle:
        bundle = Bundle(
            domain=None if self.mixed else self.domains.get(row["life_domain_id"]),
            wijk_id=row["wijk_id"] if wijk else None, wijk=row["wijk"] if wijk else "",
            municipality_id=row["wijk_municipality_id"] if wijk else row["municipality_id"],
            municipality="" if wijk else row["municipality"],
            count=row["n"], residents=row["residents"], facets=requests.facets_of(row), threshold=self.threshold,
        )
        bundle.groups = _sorted_groups(g for g in self.groups if bundle.matches(g))
        return bundle

    def sections(self) -> list[tuple[LifeDomain | None, list[Bundle]]]:
        """Per life domain (the mixed view: one section), the wijk bundles by size, then the
        municipality-wide ones; the sections with the most requests first."""
        sections = {}
        for bundle in self.bundles:
            sections.setdefault(bundle.domain.pk if bundle.domain else "", []).append(bundle)
        ordered = []
        for key, bundles in sections.items():
            bundles.sort(key=lambda b: (b.is_municipality_wide, -b.count, b.wijk or b.municipality))
            total = max(b.count for b in bundles)
            domain = self.domains.get(key)
            ordered.append((-total, domain.sort_order if domain else 0, key, domain, bundles))
        ordered.sort(key=lambda s: s[:3])
        return [(domain, bundles) for _t, _o, _k, domain, bundles in ordered]

    def find(self, domain, wijk, municipality) -> Bundle:
        """The bundle the query string names; an empty one when it has no requests (now)."""
        key = (domain.pk if domain else None, wijk.pk if wijk else None, None if wijk else municipality.pk)
        for bundle in self.bundles:
            if bundle.key == key:
                return bundle
        bundle = Bundle(
            domain=domain, wijk_id=wijk.pk if wijk else None, wijk=wijk.name if wijk else "",
            municipality_id=wijk.municipality_id if wijk else municipality.pk,
            municipality="" if wijk else municipality.name, threshold=self.threshold,
        )
        bundle.groups = _sorted_groups(g for g in self.groups if bundle.matches(g))
        return bundle

    def requests_in(self, bundle: Bundle) -> list:
        """The requests of a bundle, longest waiting first, with the waiting lists they are on."""
        waiting_for = Interest.objects.waiting().filter(participant=OuterRef("participant_id")).order_by(
            "group__name").values("group__name")
        return list(
            bundle.requests_of(self.requests).annotate(waiting_for=ArraySubquery(waiting_for))
            .select_related("participant__team").order_by("date", "id")
        )


def _query(params) -> str:
    return urlencode([(key, value) for key, value in params if value not in (None, "")])


# --- The board ---------------------------------------------------------------------------------------


@access.registration_required
def board(request):
    """The board; with a bundle named in the query string, that bundle opened below it (POST: act on it)."""
    user, today = request.user, timezone.localdate()
    filters = BoardFilterForm(request.GET)
    choice = BundleChoice(request.GET, user=user)
    action_form = BundleActionForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST":
        if action_form.is_valid():
            done = _act(request, action_form, choice)
            if done is not None:
                return done
        messages.error(request, _("Nothing was saved; see the message in the bundle."))
    board_ = Board(user, today, filters, mixed=choice.mixed)
    chosen = choice.bundle()
    opened, shown = None, []
    if chosen is not None:
        opened = board_.find(*chosen)
        shown = board_.requests_in(opened)
        # The opened bundle names residents: record which (ids only), one event per page view.
        log_event(user, "bundling_board.viewed", object_type=REQUEST_TYPE, data={
            "bundle": dict(opened.params()), "filters": sorted(filters.used),
            **residents_shown(hr.participant_id for hr in shown),
        })
    filter_params = list(filters.used.items())
    sections = board_.sections()
    for _domain, bundles in sections:
        for bundle in bundles:
            bundle.query = _query(bundle.params() + filter_params)
    _describe(shown, set(action_form.data.getlist("requests")) if action_form.is_bound else set())
    return render(request, "pathway/board.html", {
        "board": board_, "sections": sections, "filters": filters, "mixed": choice.mixed,
        "opened": opened, "shown": shown, "bundle_error": choice.selected and chosen is None,
        "action_form": action_form, "start_date_value": _start_date_value(action_form, today),
        "domain_view_query": _query(filter_params), "mixed_view_query": _query([("view", MIXED), *filter_params]),
        "opened_query": _query((opened.params() if opened else []) + filter_params),
        "offers": partner_offers(opened) if opened else [],
        "without_domain": 0 if choice.mixed else _without_domain(board_),
    })


def _start_date_value(form, today) -> str:
    """The start date as typed (after an error), else today."""
    typed = form.data.get("start_date", "") if form.is_bound else ""
    return typed[:10] if typed else today.isoformat()


def _describe(shown, chosen_ids: set[str]) -> None:
    """Labels for the rows of an opened bundle, and which were ticked (after an error)."""
    weekdays, dayparts = dict(WEEKDAYS), dict(HelpRequest.Daypart.choices)
    languages = dict(Participant.Language.choices)
    for hr in shown:
        hr.chosen = str(hr.pk) in chosen_ids
        hr.age_band_label = requests.AGE_BAND_LABELS.get(hr.age_band, "")
        hr.language_label = languages.get(hr.language, hr.language)
        hr.day_labels = [weekdays[d] for d in hr.preferred_days or () if d in weekdays]
        hr.daypart_labels = [dayparts[p] for p in hr.preferred_dayparts or () if p in dayparts]


def _without_domain(board_) -> int:
    """How many requests have no life domain (they are in the mixed view only)."""
    return board_.requests.filter(life_domain__isnull=True).count()


def partner_offers(bundle) -> list:
    """Running offers of partner organisations and residents' own initiatives that fit a bundle (the
    sociale kaart, issue 13): the bundle's life domain (any, in the mixed view), in the bundle's wijk
    or municipality-wide; for a municipality-wide bundle every such offer of the municipality. One
    query. Each has ``name``, ``organisation``, ``when``, ``wijk``, ``quadrant_label`` and ``url``; the
    board lists them under "what already exists", after our own groups (which are not repeated here).
    """
    from django.db.models import Q

    from offers import queries
    from offers.models import Offer

    offers = Offer.objects.active().filter(
        municipality=bundle.municipality_id, source__in=[Offer.Source.PARTNER, Offer.Source.INITIATIVE],
    )
    if bundle.domain is not None:
        offers = offers.filter(pk__in=Offer.life_domains.through.objects.filter(
            lifedomain=bundle.domain.pk).values("offer_id"))
    if bundle.wijk_id is not None:
        offers = offers.filter(Q(neighbourhood=bundle.wijk_id) | Q(neighbourhood__isnull=True))
    found = list(offers.select_related("partner", "neighbourhood").order_by("name", "pk"))
    for offer in found:
        offer.organisation = offer.partner.name if offer.partner_id else _("Residents' own initiative")
        offer.when = queries.when_text(offer)
        offer.wijk = offer.neighbourhood.name if offer.neighbourhood_id else _("Municipality-wide")
        offer.quadrant_label = queries.QUADRANT_LABELS[offer.quadrant]
        offer.url = reverse("offers:offer_detail", args=[offer.pk])
    return found


def _act(request, form, choice):
    """Do what the form asks; the redirect, or None with the reason on the form."""
    data = form.cleaned_data
    chosen = list(data["requests"])
    if data["action"] == form.START:
        params = [("request", str(hr.pk)) for hr in chosen] + _bundle_params(*(choice.bundle() or (None, None, None)))
        return redirect(f"{reverse('pathway:board_start')}?{_query(params)}")
    group = data["group"]
    try:
        placed = services.place(request.user, group, chosen, start_date=data["start_date"],
                                waiting_list=data["action"] == form.WAIT)
    except ValidationError as error:
        form.add_error(None, error)
        return None
    _placed_messages(request, placed)
    return redirect(request.get_full_path() + "#bundle")


def _names(help_requests) -> str:
    return ", ".join(hr.participant.full_name for hr in help_requests)


def _placed_messages(request, placed, *, new=False):
    group = placed.group.name
    if placed.enrolled:
        messages.success(request, ngettext(
            "%(count)s resident enrolled in %(group)s: %(names)s.",
            "%(count)s residents enrolled in %(group)s: %(names)s.", len(placed.enrolled),
        ) % {"count": len(placed.enrolled), "group": group, "names": _names(placed.enrolled)})
    if placed.waiting:
        text = ngettext(
            "%(count)s resident put on the waiting list of %(group)s: %(names)s.",
            "%(count)s residents put on the waiting list of %(group)s: %(names)s.", len(placed.waiting),
        ) % {"count": len(placed.waiting), "group": group, "names": _names(placed.waiting)}
        if new or placed.enrolled:
            text = _("The group is full (%(capacity)s places). ") % {"capacity": placed.group.capacity} + text
        messages.warning(request, text)


# --- Start a new group from a bundle ------------------------------------------------------------------


def _chosen_requests(request):
    """The help requests named in the query string (``request=<id>``) that are mine and bundleable."""
    ids = []
    for value in request.GET.getlist("request")[:200]:
        if value.isdigit() and len(value) < 10:
            ids.append(int(value))
    if not ids:
        return []
    return list(
        requests.bundleable(requests.for_user(request.user)).filter(pk__in=ids)
        .select_related("participant").order_by("date", "id")
    )


@access.registration_required
def start_group(request):
    """A new group, pre-filled from the bundle, that enrols the chosen residents (overflow to its list)."""
    user = request.user
    choice = BundleChoice(request.GET, user=user)
    chosen = _chosen_requests(request)
    board_url = reverse("pathway:board")
    bundle = choice.bundle() or (None, None, None)
    if not chosen and request.method == "GET":
        messages.error(request, _("Choose at least one resident in a bundle first."))
        return redirect(board_url)
    initial = StartGroupForm.suggestion(user, chosen, *bundle) if request.method == "GET" else None
    form = StartGroupForm(request.POST if request.method == "POST" else None, user=user, chosen=chosen,
                          initial=initial)
    if request.method == "POST" and form.is_valid():
        group = form.save(commit=False)
        try:
            placed = services.start_group(
                user, group, list(form.cleaned_data["help_requests"]),
                life_domains=form.cleaned_data["life_domains"], facilitators=form.cleaned_data["facilitators"],
                fields=form.changed_data,
            )
        except ValidationError as error:
            group.pk = None  # rolled back: the form stays a form for a new group
            form.add_error(None, error)
        else:
            messages.success(request, _("Group “%(name)s” started.") % {"name": group.name})
            _placed_messages(request, placed, new=True)
            return redirect("groups:detail", pk=group.pk)
    if request.method == "GET":
        log_event(user, "bundling_board.viewed", object_type=REQUEST_TYPE, data={
            "page": "start_group", **residents_shown(hr.participant_id for hr in chosen),
        })
    domain, wijk, municipality = bundle
    return render(request, "pathway/board_start.html", {
        "form": form, "chosen": chosen, "domain": domain, "wijk": wijk, "municipality": municipality,
        "back_url": f"{board_url}?{_query(_bundle_params(*bundle))}",
    })


def _bundle_params(domain, wijk, municipality) -> list[tuple[str, str]]:
    """The query string of a bundle named by its objects (see BundleChoice); nothing for none."""
    if wijk is None and municipality is None:
        return []
    params = [("life_domain", domain.pk)] if domain else [("view", MIXED)]
    return params + ([("wijk", wijk.pk)] if wijk else [("municipality", municipality.pk)])
