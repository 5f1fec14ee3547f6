"""The flyer page of an offer: "Flyer maken", the status while the worker makes it, the download.

Access (collectief/access.py, offers/queries.py): social workers, coordinators and administrators,
for the offers of the municipalities of their teams; anyone else 403 (a municipality contact too),
an offer of another municipality 404. The PDF is served by ``flyer_pdf`` after the same check,
never straight from MEDIA.
"""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from collectief import access

from . import flyer as flyers
from .models import Flyer, Offer
from .queries import get_offer_for_user


def can_have_flyer(offer: Offer) -> bool:
    """A flyer points to the offer's public page: only offers shown in the group finder have one."""
    return offer.active and offer.is_public


def _flyer_of(offer: Offer) -> Flyer | None:
    flyer = Flyer.objects.filter(offer=offer).first()
    if flyer is not None:
        flyer.offer = offer  # already loaded with its municipality, wijk and partner
    return flyer


def _context(request, offer: Offer, flyer: Flyer | None) -> dict:
    return {
        "offer": offer,
        "flyer": flyer,
        "public_url": flyers.public_url(request, offer),
        "allowed": can_have_flyer(offer),
        "outdated": flyer is not None and flyers.is_outdated(flyer),
        "stuck": flyer is not None and flyer.is_stuck(timezone.now(), flyers.STUCK_AFTER),
    }


@access.registration_required
@never_cache
@require_http_methods(["GET", "POST"])
def flyer(request, pk):
    """GET: the flyer page. POST ("Flyer maken"): queue the flyer, the worker makes it."""
    offer = get_offer_for_user(request.user, pk)
    if request.method == "POST":
        if not can_have_flyer(offer):
            messages.error(request, _("This offer is not shown in the public group finder, so the QR code would "
                                      "open nothing. Make the offer public first, then make its flyer."))
            return render(request, "offers/flyer.html", _context(request, offer, _flyer_of(offer)))
        made = flyers.request_flyer(offer, request.user, flyers.public_url(request, offer))
        if made.is_rendering:
            messages.info(request, _("The flyer is being made. This page updates itself when it is ready."))
        return redirect("offers:flyer", pk=offer.pk)
    return render(request, "offers/flyer.html", _context(request, offer, _flyer_of(offer)))


@access.registration_required
@never_cache
@require_GET
def flyer_status(request, pk):
    """The small status fragment the flyer page polls while the flyer is being made."""
    offer = get_offer_for_user(request.user, pk)
    flyer = _flyer_of(offer)
    response = render(request, "offers/flyer_status.html", _context(request, offer, flyer))
    if request.GET.get("poll") and not (flyer is not None and flyer.is_rendering):
        # Made (or failed): reload the page, so the button and the "changed since" notice match.
        response["HX-Refresh"] = "true"
    return response


@access.registration_required
@never_cache
@require_GET
def flyer_pdf(request, pk):
    """The flyer's PDF, after the access check (404 while there is none)."""
    offer = get_offer_for_user(request.user, pk)
    flyer = _flyer_of(offer)
    if flyer is None or not flyer.has_file:
        raise Http404(_("This offer has no flyer yet."))
    try:
        handle = flyer.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("This offer has no flyer yet.")) from None
    # No audit event: the flyer holds no personal data, only what the offer says for the public.
    return FileResponse(handle, as_attachment=True, filename=flyers.download_name(offer),
                        content_type="application/pdf")
