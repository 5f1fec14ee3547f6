"""The flyer of an offer (issue 13): one printable A4 page with a QR code to its public page, made in
the Celery worker with the guarantees of the quarterly reports (offers/flyer.py, docs/offers.md)."""

import datetime
import hashlib
import io
import time

import pytest
from django.db import OperationalError
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerError
from pypdf import PdfReader

from collectief.models import AuditEvent
from offers import flyer as flyers
from offers import tasks
from offers.models import Flyer, Offer, Partner
from tests.factories import EnrolmentFactory, GroupFactory, ParticipantFactory

Status = Flyer.Status
NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
URL = "https://collectief.example.nl/aanbod/{m}/{o}/"


def _offer(municipality, neighbourhood=None, **extra) -> Offer:
    partner, _created = Partner.objects.get_or_create(municipality=municipality, name="Bibliotheek Leeuwarden",
                                                      defaults={"phone": "058 123 45 67"})
    fields = {
        "municipality": municipality, "source": Offer.Source.PARTNER, "partner": partner,
        "name": "Wandelen in Bilgaard", "theme": "Bewegen en ontmoeten", "neighbourhood": neighbourhood,
        "description": "Samen een uur wandelen door de wijk, in een rustig tempo. Daarna drinken we koffie.",
        "location": "Buurthuis De Schakel", "weekday": 1, "start_time": datetime.time(10, 0),
        "daypart": Offer.Daypart.MORNING, "schedule_note": "Elke week", "languages": ["nl", "fy"],
        "cost": "Gratis", "how_to_join": "Kom gewoon langs, of bel ons eerst.", "contact": "058 123 45 67",
        "led_by": Offer.LedBy.VOLUNTEERS, "accessibility": "De route is vlak.", "is_public": True,
        "last_checked_on": datetime.date(2026, 1, 5),
    }
    return Offer.objects.create(**{**fields, **extra})


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def offer(municipality, neighbourhood):
    return _offer(municipality, neighbourhood)


@pytest.fixture
def foreign_offer(other_municipality):
    return _offer(other_municipality, name="Taalcafé Heerenveen")


def _pdf_text(content: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def _read(flyer: Flyer) -> bytes:
    with flyer.file.open("rb") as handle:
        return handle.read()


def _queued(offer, user=None) -> Flyer:
    """A flyer asked for, its task not sent (the on-commit callback is not run)."""
    return flyers.request_flyer(offer, user, URL.format(m=offer.municipality_id, o=offer.pk))


def _make(offer, user=None) -> Flyer:
    flyer = _queued(offer, user)
    assert flyers.render_flyer_now(flyer.pk)
    flyer.refresh_from_db()
    assert flyer.status == Status.DONE, flyer.error
    return flyer


# --- What the flyer is ----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db
def test_the_flyer_is_one_tagged_a4_page_in_dutch_with_the_offer_and_its_public_url(offer):
    flyer = _make(offer)
    content = _read(flyer)
    assert hashlib.sha256(content).hexdigest() == flyer.sha256
    reader, text = _pdf_text(content)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 portrait, in points
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nl" and "/StructTreeRoot" in root  # tagged, for screen readers
    url = URL.format(m=offer.municipality_id, o=offer.pk)
    for shown in ("Wandelen in Bilgaard", "Samen een uur wandelen", "Buurthuis De Schakel (Bilgaard)",
                  "Dinsdag om 10:00", "Elke week", "Gratis", "Vrijwilligers", "Nederlands, Fries",
                  "Kom gewoon langs", "058 123 45 67", "Bibliotheek Leeuwarden".upper(), url):
        assert shown in text, shown
    # Dutch labels, whatever language the requester uses.
    assert "Waar" in text and "Kosten" in text and "Wie leidt het" in text
    assert "Where" not in text and "Cost" not in text


@pytest.mark.slow
@pytest.mark.django_db
def test_an_offer_with_every_text_at_its_longest_still_fits_on_one_page(municipality, neighbourhood):
    offer = _offer(
        municipality, neighbourhood, name="Samen " + "lang " * 22, description="Wij wandelen samen. " * 75,
        theme="t" * 200, location="Een adres " * 19 + "Een adres", schedule_note="Elke week " * 12, cost="Gratis " * 17,
        how_to_join="Bel ons of kom langs. " * 27, contact="058 123 45 67 of info@example.org " * 5,
        accessibility="Rolstoel, lift, ringleiding. " * 20, languages=["nl", "en", "ar", "tr", "pl", "ti", "uk"],
    )
    offer.full_clean()  # every field within its maximum length
    reader, text = _pdf_text(_read(_make(offer)))
    assert len(reader.pages) == 1
    assert URL.format(m=offer.municipality_id, o=offer.pk) in text
    assert "…" in text  # the long description was cut: the public page has it whole


def test_the_qr_code_is_made_from_the_public_url(offer):
    url = URL.format(m=offer.municipality_id, o=offer.pk)
    html = flyers.render_html(offer, url)
    assert f'src="{flyers.qr_data_uri(url)}"' in html
    assert flyers.qr_data_uri(url) != flyers.qr_data_uri(url + "x")  # the picture depends on the address
    # Error correction at least M (segno raises it to Q or H when that fits the same size): survives a crease.
    assert flyers.qr_code(url).designator.split("-")[1] in ("M", "Q", "H")
    # The URL is printed under the code, and the code has a text alternative naming it.
    assert f'<p class="url">{url}</p>' in html
    assert f'alt="QR-code die {url} opent"' in html


def test_the_qr_code_opens_the_offers_page_in_the_group_finder(offer, rf, settings):
    settings.ALLOWED_HOSTS = ["collectief.example.nl"]
    assert flyers.public_path(offer) == f"/aanbod/{offer.municipality_id}/{offer.pk}/"
    request = rf.get("/", HTTP_HOST="collectief.example.nl", secure=True)
    assert flyers.public_url(request, offer) == URL.format(m=offer.municipality_id, o=offer.pk)


@pytest.mark.slow
def test_the_flyer_of_our_own_group_shows_no_resident_and_no_staff_member(team_a, worker):
    group = GroupFactory(name="Koffie-ochtend", team=team_a)
    group.facilitators.add(worker)
    for first_name in ("Sjoukje", "Wiebren"):
        EnrolmentFactory(group=group, participant=ParticipantFactory(team=team_a, first_name=first_name,
                                                                     last_name="Kuipersma"))
    offer = group.offer
    Offer.objects.filter(pk=offer.pk).update(is_public=True, contact="058 000 11 22", owner=worker)
    offer.refresh_from_db()
    _reader, text = _pdf_text(_read(_make(offer, worker)))
    assert "Koffie-ochtend" in text and "058 000 11 22" in text
    for name in ("Sjoukje", "Wiebren", "Kuipersma", worker.first_name, worker.last_name, worker.username):
        assert name not in text


# --- The worker's guarantees ------------------------------------------------------------------------


def test_a_task_sent_twice_renders_once(offer, monkeypatch):
    monkeypatch.setattr(flyers, "render_flyer_pdf", lambda *args, **kwargs: b"%PDF-1.7 proef")
    flyer = _queued(offer)
    first = tasks.render_flyer.apply((flyer.pk,)).get()
    second = tasks.render_flyer.apply((flyer.pk,)).get()
    assert (first, second) == (True, False)
    flyer.refresh_from_db()
    assert flyer.render_count == 1 and flyer.status == Status.DONE
    assert flyer.sha256 == hashlib.sha256(b"%PDF-1.7 proef").hexdigest()


def test_only_one_of_two_racing_claims_gets_the_flyer(offer):
    flyer = _queued(offer)
    assert flyers.claim(flyer.pk, "task-1") == 1
    assert flyers.claim(flyer.pk, "task-2") is None
    # The same task delivered again after its worker died takes its own render over.
    assert flyers.claim(flyer.pk, "task-1") == 2


def test_making_it_again_replaces_the_file(offer, monkeypatch):
    monkeypatch.setattr(flyers, "render_flyer_pdf", lambda *args, **kwargs: b"%PDF-1.7 een")
    first = _make(offer)
    old_name = first.file.name
    monkeypatch.setattr(flyers, "render_flyer_pdf", lambda *args, **kwargs: b"%PDF-1.7 twee")
    second = _make(offer)
    assert second.pk == first.pk and second.render_count == 2
    assert _read(second) == b"%PDF-1.7 twee"
    assert not second.file.storage.exists(old_name)


def test_a_transient_database_error_requeues_and_the_last_attempt_fails(offer, monkeypatch):
    def database_restarting(*args, **kwargs):
        raise OperationalError("the database system is starting up")

    monkeypatch.setattr(flyers, "render_flyer_pdf", database_restarting)
    flyer = _queued(offer)
    with pytest.raises(OperationalError):
        flyers.render_flyer_now(flyer.pk, final_attempt=False)
    flyer.refresh_from_db()
    assert flyer.status == Status.QUEUED
    with pytest.raises(OperationalError):
        flyers.render_flyer_now(flyer.pk, final_attempt=True)
    flyer.refresh_from_db()
    assert flyer.status == Status.FAILED and "starting up" in flyer.error


def test_a_failing_render_is_shown_on_the_page(offer, worker, client_for, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("kapotte lay-out")

    monkeypatch.setattr(flyers, "render_flyer_pdf", broken)
    flyer = _queued(offer)
    assert flyers.render_flyer_now(flyer.pk) is False
    body = client_for(worker).get(reverse("offers:flyer", args=[offer.pk])).content.decode()
    assert 'data-flyer-status="failed"' in body and "kapotte lay-out" in body
    assert 'id="make-flyer"' in body  # and it can be made again


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise BrokerError("[Errno 111] Connection refused")

    monkeypatch.setattr(tasks.render_flyer, "apply_async", refuse)
    monkeypatch.setattr(tasks.render_flyer, "delay", refuse)


def test_making_a_flyer_while_the_broker_is_down_waits_visibly_and_is_no_500(
    offer, worker, client_for, broker_down, django_capture_on_commit_callbacks
):
    client = client_for(worker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("offers:flyer", args=[offer.pk]))
    assert response.status_code == 302
    flyer = Flyer.objects.get(offer=offer)
    assert flyer.status == Status.QUEUED and flyer.error == flyers.QUEUE_BROKER_DOWN

    fragment = client.get(reverse("offers:flyer_status", args=[offer.pk]), {"poll": "1"})
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "Wacht op de achtergronddienst" in body
    assert 'id="make-flyer-again"' in body and "every 5s" in body
    assert "HX-Refresh" not in fragment  # still waiting: keep polling
    assert client.get(reverse("offers:flyer", args=[offer.pk])).status_code == 200


def test_make_again_sends_it_when_the_broker_is_back(offer, worker, client_for, monkeypatch,
                                                     django_capture_on_commit_callbacks):
    flyer = _queued(offer)
    Flyer.objects.filter(pk=flyer.pk).update(error=flyers.QUEUE_BROKER_DOWN)
    sent = []
    monkeypatch.setattr(tasks.render_flyer, "apply_async", lambda args, **kwargs: sent.append(args[0]))
    with django_capture_on_commit_callbacks(execute=True):
        client_for(worker).post(reverse("offers:flyer", args=[offer.pk]))
    assert sent == [flyer.pk]
    flyer.refresh_from_db()
    assert flyer.status == Status.QUEUED and flyer.error == ""


def test_the_sweeper_resends_waiting_flyers_and_takes_over_dead_renders(municipality, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.render_flyer, "apply_async", lambda args, **kwargs: sent.append(args[0]))
    limit = flyers.STUCK_AFTER

    def flyer(name, status, started):
        made = Flyer.objects.create(offer=_offer(municipality, name=name), status=status)
        Flyer.objects.filter(pk=made.pk).update(render_started_at=started)
        return made

    waiting = flyer("Wachtend", Status.QUEUED, NOW - datetime.timedelta(seconds=61))
    just_queued = flyer("Net", Status.QUEUED, NOW - datetime.timedelta(seconds=30))
    dead = flyer("Dood", Status.RUNNING, NOW - limit - datetime.timedelta(seconds=1))
    busy = flyer("Bezig", Status.RUNNING, NOW - limit + datetime.timedelta(seconds=5))

    assert flyers.sweep_flyers(NOW) == {"taken_over": [dead.pk], "requeued": [waiting.pk]}
    assert sorted(sent) == sorted([dead.pk, waiting.pk])
    for made in (waiting, dead):
        made.refresh_from_db()
        assert made.status == Status.QUEUED and made.error == flyers.QUEUE_REQUEUED
    for made, status in ((just_queued, Status.QUEUED), (busy, Status.RUNNING)):
        made.refresh_from_db()
        assert made.status == status
    assert tasks.sweep_flyers.name == "offers.tasks.sweep_flyers"


# --- The staff page -----------------------------------------------------------------------------------


def test_a_social_worker_makes_the_flyer_and_downloads_it(offer, worker, client_for,
                                                          django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(flyers, "render_flyer_pdf", lambda *args, **kwargs: b"%PDF-1.7 proef")
    client = client_for(worker)
    page = client.get(reverse("offers:flyer", args=[offer.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Flyer maken" in body and f"/aanbod/{offer.municipality_id}/{offer.pk}/" in body
    assert 'data-flyer-status="none"' in body

    with django_capture_on_commit_callbacks(execute=True):  # eager: the task runs on commit
        response = client.post(reverse("offers:flyer", args=[offer.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("offers:flyer", args=[offer.pk])
    flyer = Flyer.objects.get(offer=offer)
    assert flyer.status == Status.DONE and flyer.render_count == 1
    # The QR code opens the page on the host the social worker uses (the test client's).
    assert flyer.public_url == f"http://testserver/aanbod/{offer.municipality_id}/{offer.pk}/"
    event = AuditEvent.objects.get(event="flyer.generated")
    assert event.user == worker and event.object_id == str(flyer.pk) and event.data == {"offer": offer.pk}

    fragment = client.get(reverse("offers:flyer_status", args=[offer.pk]), {"poll": "1"})
    assert 'id="download-flyer"' in fragment.content.decode()
    assert fragment["HX-Refresh"] == "true"  # done: the page reloads
    download = client.get(reverse("offers:flyer_pdf", args=[offer.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == b"%PDF-1.7 proef"
    assert f"flyer-{offer.pk}-wandelen-in-bilgaard.pdf" in download["Content-Disposition"]
    assert "no-store" in download["Cache-Control"]


def test_the_page_says_when_the_offer_changed_since_the_flyer_was_made(offer, worker, client_for, monkeypatch):
    monkeypatch.setattr(flyers, "render_flyer_pdf", lambda *args, **kwargs: b"%PDF-1.7 proef")
    _make(offer)
    url = reverse("offers:flyer", args=[offer.pk])
    client = client_for(worker)
    assert 'id="flyer-outdated"' not in client.get(url).content.decode()
    Offer.objects.filter(pk=offer.pk).update(cost="€ 2 per keer")
    assert 'id="flyer-outdated"' in client.get(url).content.decode()


def test_an_offer_that_is_not_public_gets_no_flyer(municipality, worker, client_for):
    hidden = _offer(municipality, is_public=False)
    client = client_for(worker)
    page = client.get(reverse("offers:flyer", args=[hidden.pk]))
    assert page.status_code == 200 and 'id="flyer-not-public"' in page.content.decode()
    assert 'id="make-flyer"' not in page.content.decode()
    response = client.post(reverse("offers:flyer", args=[hidden.pk]))
    assert response.status_code == 200
    assert "niet getoond in de openbare groepenzoeker" in response.content.decode()
    assert not Flyer.objects.exists()


def test_no_download_before_the_flyer_is_made(offer, worker, client_for):
    client = client_for(worker)
    assert client.get(reverse("offers:flyer_pdf", args=[offer.pk])).status_code == 404
    _queued(offer)
    assert client.get(reverse("offers:flyer_pdf", args=[offer.pk])).status_code == 404


# --- Who may --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["flyer", "flyer_status", "flyer_pdf"])
def test_anonymous_is_sent_to_the_login_page(offer, client, name):
    response = client.get(reverse(f"offers:{name}", args=[offer.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["flyer", "flyer_status", "flyer_pdf"])
def test_a_municipality_contact_may_not_open_flyers(offer, municipality_user, client_for, name):
    assert client_for(municipality_user).get(reverse(f"offers:{name}", args=[offer.pk])).status_code == 403


def test_a_municipality_contact_cannot_make_one(offer, municipality_user, client_for):
    assert client_for(municipality_user).post(reverse("offers:flyer", args=[offer.pk])).status_code == 403
    assert not Flyer.objects.exists()


@pytest.mark.parametrize("name", ["flyer", "flyer_status", "flyer_pdf"])
def test_staff_of_another_municipality_get_a_404(foreign_offer, worker, client_for, monkeypatch, name):
    monkeypatch.setattr(flyers, "render_flyer_pdf", lambda *args, **kwargs: b"%PDF-1.7 proef")
    _make(foreign_offer)
    assert client_for(worker).get(reverse(f"offers:{name}", args=[foreign_offer.pk])).status_code == 404


def test_staff_of_another_municipality_cannot_make_one(foreign_offer, worker, client_for):
    assert client_for(worker).post(reverse("offers:flyer", args=[foreign_offer.pk])).status_code == 404
    assert not Flyer.objects.exists()


@pytest.mark.parametrize("persona", ["worker", "coordinator", "administrator"])
def test_staff_open_the_flyer_page_of_their_municipalitys_offers(offer, team_a, client_for, persona):
    assert client_for(persona).get(reverse("offers:flyer", args=[offer.pk])).status_code == 200


def test_the_administrator_sees_every_municipality(foreign_offer, team_b, administrator, client_for):
    assert client_for(administrator).get(reverse("offers:flyer", args=[foreign_offer.pk])).status_code == 200


# --- A real Celery worker ---------------------------------------------------------------------------------


@pytest.fixture
def flyer_worker(_media_root, celery_worker_process):
    """The real worker of tests/conftest.py, started after the test's media directory was set."""
    return celery_worker_process


def _wait_until_made(flyer_id: int, timeout: float = 60) -> Flyer:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        flyer = Flyer.objects.get(pk=flyer_id)
        if flyer.status in (Status.DONE, Status.FAILED):
            return flyer
        time.sleep(0.2)
    pytest.fail(f"flyer {flyer_id} was not made within {timeout} s")


@pytest.mark.worker
def test_a_real_worker_makes_the_flyer_once_even_when_sent_twice(flyer_worker, municipality, neighbourhood, worker):
    offer = _offer(municipality, neighbourhood)
    flyer = _queued(offer, worker)  # autocommit: the task reaches Redis at once
    tasks.render_flyer.delay(flyer.pk)  # and once more
    flyer = _wait_until_made(flyer.pk)
    assert flyer.status == Status.DONE, flyer.error
    time.sleep(1)  # the second task has had its turn
    flyer.refresh_from_db()
    assert flyer.render_count == 1
    content = _read(flyer)
    assert hashlib.sha256(content).hexdigest() == flyer.sha256
    reader, text = _pdf_text(content)
    assert len(reader.pages) == 1
    assert "Wandelen in Bilgaard" in text and URL.format(m=municipality.pk, o=offer.pk) in text
    assert "offers.tasks.render_flyer" in flyer_worker["log"].read_text()


def test_the_polled_fragment_takes_a_few_queries(offer, worker, client_for, monkeypatch,
                                                 django_assert_max_num_queries):
    monkeypatch.setattr(flyers, "render_flyer_pdf", lambda *args, **kwargs: b"%PDF-1.7 proef")
    _make(offer)
    client = client_for(worker)
    url = reverse("offers:flyer_status", args=[offer.pk])
    client.get(url)
    with django_assert_max_num_queries(6):  # session, user, access, offer, flyer, the offer's languages
        assert client.get(url, {"poll": "1"}).status_code == 200
