"""The flyer of an offer: one printable A4 page with a QR code to its public page (issue 13).

    request_flyer()      staff "Flyer maken" (view): mark the flyer queued, send the task on commit
    render_flyer_now(id) the render task body (offers.tasks.render_flyer): claim, render, store, done
    sweep_flyers()       the sweeper (offers.tasks.sweep_flyers): re-send flyers that wait without a
                         task, take over renders whose worker died

The same code path as the quarterly reports (docs/offers.md, "Flyer"): reporting/services.py is not
generalised (other work changes it at the same time), its pieces are reused as they are — the
retryable database errors, the broker errors and the waiting markers, the stuck/grace times derived
from the task time limit — and reporting/pdf.py's URL fetcher (``data:`` and static files only, no
network inside a worker) and tagged PDF/UA variant. The workflow below keeps the reports' guarantees:
claim by conditional UPDATE (a task sent twice renders once; its own redelivery after a dead worker
takes the render over), the file stored with its SHA-256, finished with a second conditional
UPDATE, a broker that is down leaves a visible waiting state instead of an error page.

What a flyer shows is only what the offer says about itself for the public: never a resident.
"""

import datetime
import hashlib
import json
import logging
import posixpath
import re

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from collectief.models import log_event
from reporting.pdf import PDF_VARIANT, ReportURLFetcher, static_roots
from reporting.services import (
    QUEUE_BROKER_DOWN,
    QUEUE_ERRORS,
    QUEUE_GRACE,
    QUEUE_REQUEUED,
    RETRYABLE,
    STUCK_AFTER,
)

from .models import Flyer, Offer

logger = logging.getLogger(__name__)

Status = Flyer.Status
FLYER_LANGUAGE = "nl"
TEMPLATE = "offers/pdf/flyer.html"
# Long texts are cut for the page (the public page has them whole), in characters.
TEXT_LIMITS = {"description": 650, "how_to_join": 300, "accessibility": 220}
# Type sizes tried in turn until the flyer fits on one page (templates/offers/pdf/flyer.html): the
# first (14.5 pt) fits an ordinary offer; the smallest (10 pt) every text at its longest.
SIZES = ("large", "medium", "small", "smallest")


# --- The public page the QR code opens -------------------------------------------------------------


def public_path(offer: Offer) -> str:
    """The path of the offer's public page in the group finder (``offers:public_offer``)."""
    return reverse("offers:public_offer", args=[offer.municipality_id, offer.pk])


def public_url(request, offer: Offer) -> str:
    """The absolute address of the offer's public page, on the host the staff member uses."""
    return request.build_absolute_uri(public_path(offer))


def qr_code(url: str) -> segno.QRCode:
    """The QR code of ``url`` (error correction M: survives a crease or a smudge on paper)."""
    return segno.make(url, error="m")


def qr_data_uri(url: str) -> str:
    """The QR code of ``url`` as an SVG ``data:`` URL: WeasyPrint embeds it without fetching anything."""
    return qr_code(url).svg_data_uri(scale=4, border=2)


# --- What the flyer shows ---------------------------------------------------------------------------


def _cut(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:") + " …"


def _organisation(offer: Offer) -> str:
    if offer.source == Offer.Source.OWN:
        return settings.ORGANISATION_NAME
    if offer.partner_id:
        return offer.partner.name
    return _("Residents' own initiative")


def _when(offer: Offer) -> str:
    parts = []
    if offer.weekday is not None:
        parts.append(str(offer.get_weekday_display()).lower())
    if offer.start_time is not None:
        parts.append(_("at %(time)s") % {"time": offer.start_time.strftime("%H:%M")})
    elif offer.daypart:
        parts.append(str(offer.get_daypart_display()).lower())
    text = " ".join(parts)
    return text[:1].upper() + text[1:]


def _where(offer: Offer) -> str:
    place = offer.location.strip()
    area = offer.neighbourhood.name if offer.neighbourhood_id else ""
    if place and area:
        return f"{place} ({area})"
    if place or area:
        return place or area
    return _("In the whole municipality of %(municipality)s") % {"municipality": offer.municipality.name}


def _languages(offer: Offer) -> str:
    labels = dict(Offer._meta.get_field("languages").base_field.choices)
    return ", ".join(str(labels.get(code, code)) for code in offer.languages)


def _contact(offer: Offer) -> str:
    """The organisation's contact: the offer's own, else the partner's phone or e-mail."""
    if offer.contact.strip():
        return offer.contact.strip()
    if offer.partner_id:
        return " · ".join(value for value in (offer.partner.phone, offer.partner.email, offer.partner.website) if value)
    return ""


def flyer_facts(offer: Offer) -> dict:
    """What the flyer says of the offer, in Dutch: plain strings only (also what is fingerprinted)."""
    with translation.override(FLYER_LANGUAGE):
        return {
            "name": offer.name,
            "description": _cut(offer.description, TEXT_LIMITS["description"]),
            "theme": offer.theme,
            "where": _where(offer),
            "when": _when(offer),
            "how_often": offer.schedule_note,
            "cost": offer.cost,
            "led_by": str(offer.get_led_by_display()),
            "languages": _languages(offer),
            "accessibility": _cut(offer.accessibility, TEXT_LIMITS["accessibility"]),
            "how_to_join": _cut(offer.how_to_join, TEXT_LIMITS["how_to_join"]),
            "organisation": _organisation(offer),
            "contact": _contact(offer),
            "municipality": offer.municipality.name,
        }


def facts_checksum(facts: dict) -> str:
    return hashlib.sha256(json.dumps(facts, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def is_outdated(flyer: Flyer) -> bool:
    """The offer changed since the flyer was made (what the flyer shows differs now)."""
    return flyer.has_file and bool(flyer.facts_sha256) and flyer.facts_sha256 != facts_checksum(
        flyer_facts(flyer.offer)
    )


def render_html(offer: Offer, url: str, size: str = SIZES[0], facts: dict | None = None) -> str:
    with translation.override(FLYER_LANGUAGE):
        return render_to_string(TEMPLATE, {
            "facts": facts or flyer_facts(offer),
            "public_url": url,
            "qr": qr_data_uri(url),
            "size": size,
        })


def render_flyer_pdf(offer: Offer, url: str, facts: dict | None = None) -> bytes:
    """The flyer as PDF bytes: A4, one page, tagged (PDF/UA-1), Dutch. Steps down the type size
    until everything fits on one page."""
    from weasyprint import HTML

    facts = facts or flyer_facts(offer)
    # data: URLs and the static files only: no HTTP inside a worker (reporting/pdf.py).
    fetcher = ReportURLFetcher()
    base_url = str(static_roots()[-1]) + "/"
    for size in SIZES:
        document = HTML(string=render_html(offer, url, size, facts), base_url=base_url, url_fetcher=fetcher).render(
            pdf_variant=PDF_VARIANT
        )
        if len(document.pages) == 1:
            break
    else:
        # Cannot happen with the text limits above; a second page beats a flyer that is cut off.
        logger.warning("Flyer of offer %s needs %s pages", offer.pk, len(document.pages))
    return document.write_pdf(pdf_variant=PDF_VARIANT)


def download_name(offer: Offer) -> str:
    return f"flyer-{offer.pk}-{slugify(offer.name)[:60] or 'aanbod'}.pdf"


# --- Queueing ----------------------------------------------------------------------------------------


def request_flyer(offer: Offer, user, url: str) -> Flyer:
    """Mark the offer's flyer queued (created when new) and send the render task on commit.

    A render that is running (and not stuck) is left alone: pressing the button twice makes one
    flyer. Queued again otherwise — also a flyer waiting for the broker, which then gets a new task.
    """
    now = timezone.now()
    with transaction.atomic():
        flyer, created = Flyer.objects.get_or_create(
            offer=offer,
            defaults={"status": Status.QUEUED, "render_started_at": now, "public_url": url, "requested_by": user},
        )
        if not created:
            updated = (
                Flyer.objects.filter(pk=flyer.pk)
                .exclude(status=Status.RUNNING, render_started_at__gte=now - STUCK_AFTER)
                .update(status=Status.QUEUED, render_started_at=now, error="", public_url=url, requested_by=user)
            )
            if not updated:
                flyer.refresh_from_db()
                return flyer
        log_event(user, "flyer.generated", flyer, {"offer": offer.pk})
        transaction.on_commit(lambda: queue_flyer(flyer.pk))
    flyer.refresh_from_db()
    return flyer


def queue_flyer(flyer_id: int) -> bool:
    """Send the render task; when the broker is down the flyer stays queued, marked as waiting,
    and the sweeper (or the button) sends it again. Never raises for a broker failure."""
    from .tasks import render_flyer

    try:
        # As reporting.services.queue_render: fail at once, subscribe to no result.
        render_flyer.apply_async((flyer_id,), retry=False, ignore_result=True)
    except QUEUE_ERRORS as exc:
        logger.warning("Could not queue flyer %s: %s: %s", flyer_id, exc.__class__.__name__, exc)
        Flyer.objects.filter(pk=flyer_id, status=Status.QUEUED).update(error=QUEUE_BROKER_DOWN)
        return False
    return True


def sweep_flyers(now: datetime.datetime | None = None) -> dict[str, list[int]]:
    """Flyers recover by themselves, as reports do (reporting.services.sweep_reports): a render
    running longer than the task time limit lost its worker and is taken over; a flyer queued for
    longer than ``QUEUE_GRACE`` has no task and is sent again. Returns the ids."""
    now = now or timezone.now()
    stale = Flyer.objects.filter(status=Status.RUNNING, render_started_at__lt=now - STUCK_AFTER)
    waiting = Flyer.objects.filter(status=Status.QUEUED).filter(
        Q(render_started_at__lt=now - QUEUE_GRACE) | Q(render_started_at__isnull=True, created_at__lt=now - QUEUE_GRACE)
    )
    taken_over = _mark_requeued(stale, now)
    requeued = _mark_requeued(waiting, now)
    for flyer_id in taken_over + requeued:
        queue_flyer(flyer_id)
    if taken_over or requeued:
        logger.warning("Flyer sweeper: took over %s, sent again %s", taken_over, requeued)
    return {"taken_over": taken_over, "requeued": requeued}


def _mark_requeued(flyers, now: datetime.datetime) -> list[int]:
    done = []
    for flyer_id, status in flyers.values_list("pk", "status"):
        if flyers.filter(pk=flyer_id, status=status).update(status=Status.QUEUED, render_started_at=now,
                                                            error=QUEUE_REQUEUED):
            done.append(flyer_id)
    return done


# --- Rendering -----------------------------------------------------------------------------------------


def claim(flyer_id: int, task_id: str = "") -> int | None:
    """Claim a queued flyer for this worker: the ``render_count`` of this claim, or None.

    Exactly one of any number of racers gets it. A flyer "running" under this very task id is
    claimed again: the task was delivered again because its worker died mid-render (as
    reporting.services.claim). The count identifies the claim, so an execution that was taken over
    can no longer finish the row.
    """
    candidates = [Flyer.objects.filter(pk=flyer_id, status=Status.QUEUED)]
    if task_id:
        candidates.append(Flyer.objects.filter(pk=flyer_id, status=Status.RUNNING, render_task_id=task_id))
    for reclaim, candidate in enumerate(candidates):
        with transaction.atomic():
            updated = candidate.update(status=Status.RUNNING, render_started_at=timezone.now(),
                                       render_count=F("render_count") + 1, render_task_id=task_id, error="")
            if updated == 1:
                if reclaim:
                    logger.warning("Flyer %s: task %s runs again after its worker died; rendering it again",
                                   flyer_id, task_id)
                return Flyer.objects.filter(pk=flyer_id).values_list("render_count", flat=True).get()
    return None


def render_flyer_now(flyer_id: int, *, final_attempt: bool = True, task_id: str = "") -> bool:
    """Render a queued flyer: True when this call rendered it, False when there was nothing to do.

    A transient database error puts the flyer back in the queue and is raised for the task to retry
    (unless ``final_attempt``); any other error marks it failed with the message.
    """
    claimed = claim(flyer_id, task_id)
    if claimed is None:
        return False
    this_claim = Flyer.objects.filter(pk=flyer_id, status=Status.RUNNING, render_count=claimed)
    try:
        _render(flyer_id, this_claim)
    except RETRYABLE as exc:
        if final_attempt:
            _fail(this_claim, flyer_id, exc)
        else:
            this_claim.update(status=Status.QUEUED, render_started_at=timezone.now())
        raise
    except Exception as exc:  # noqa: BLE001 - any failure is shown on the flyer page
        logger.exception("Rendering flyer %s failed", flyer_id)
        _fail(this_claim, flyer_id, exc)
        return False
    return True


def _fail(this_claim, flyer_id: int, exc: BaseException) -> None:
    try:
        this_claim.update(status=Status.FAILED, error=f"{exc.__class__.__name__}: {exc}"[:2000])
    except DatabaseError:
        logger.exception("Could not mark flyer %s failed", flyer_id)


def _render(flyer_id: int, this_claim) -> None:
    flyer = Flyer.objects.select_related("offer__municipality", "offer__partner", "offer__neighbourhood").get(
        pk=flyer_id
    )
    offer = flyer.offer
    previous_file = flyer.file.name if flyer.file else ""
    facts = flyer_facts(offer)
    url = flyer.public_url or public_path(offer)
    content = render_flyer_pdf(offer, url, facts)
    digest = hashlib.sha256(content).hexdigest()
    stored_name = default_storage.save(flyer.file.field.generate_filename(flyer, download_name(offer)),
                                       ContentFile(content))
    with transaction.atomic():
        # Only this claim is finished: not a render taken over meanwhile.
        finished = this_claim.update(file=stored_name, sha256=digest, facts_sha256=facts_checksum(facts),
                                     rendered_at=timezone.now(), status=Status.DONE, error="")
    if finished != 1:
        default_storage.delete(stored_name)
        return
    if previous_file and previous_file != stored_name:
        default_storage.delete(previous_file)
    _remove_orphans(flyer, stored_name)


def _remove_orphans(flyer: Flyer, stored_name: str) -> None:
    """Delete files of this offer's flyer that a render killed between storing and finishing left
    behind (same name, Django's random suffix), in the directory of the new one. Never raises."""
    directory, _name = posixpath.split(stored_name)
    stem = re.escape(f"flyer-{flyer.offer_id}-")
    same_offer = re.compile(rf"{stem}[-a-z0-9]*(_[A-Za-z0-9]{{7}})?\.pdf")
    try:
        names = [posixpath.join(directory, name) for name in default_storage.listdir(directory)[1]
                 if same_offer.fullmatch(name)]
        for name in names:
            if name != stored_name and not Flyer.objects.filter(file=name).exists():
                default_storage.delete(name)
                logger.warning("Removed %s, left behind by a flyer render whose worker died", name)
    except (OSError, NotImplementedError, DatabaseError):
        logger.exception("Could not look for files left behind by an earlier render of flyer %s", flyer.pk)
