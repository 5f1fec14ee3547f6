"""Positive Health as a conversation aid (issue 12): the resident's page of conversations, the
form, corrections, scoping, the audit trail and the spider web drawn as SVG."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from collectief.models import AuditEvent
from participants import health_chart, services
from participants.models import Measurement
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

D = datetime.date
DIMENSIONS = Measurement.DIMENSIONS
SVG = "{http://www.w3.org/2000/svg}"


def _measure(participant, day, moment="start", talk=(), filled_by="together", **scores):
    values = dict.fromkeys(DIMENSIONS, 5)
    values.update(scores)
    return Measurement.objects.create(
        participant=participant, date=day, moment=moment, filled_by=filled_by, talk_about=list(talk), **values
    )


def _form(moment="start", day="2025-03-03", filled_by="together", talk=(), **scores):
    data = {"moment": moment, "date": day, "filled_by": filled_by}
    data.update({code: str(scores.get(code, 5)) for code in DIMENSIONS})
    data.update({f"talk_{code}": "on" for code in talk})
    return data


def _url(participant, name="positive_health", *args):
    return reverse(f"participants:{name}", args=[participant.pk, *args])


# --- Recording ----------------------------------------------------------------------------------


def test_worker_records_a_conversation_with_six_scores_and_what_to_talk_about(client_for, worker, participant):
    data = _form(lichaamsfuncties=4, mentaal_welbevinden=3, zingeving=6, kwaliteit_van_leven=7, meedoen=2,
                 dagelijks_functioneren=10, talk=("meedoen", "lichaamsfuncties"))
    response = client_for(worker).post(_url(participant), data)

    assert response.status_code == 302
    assert response["Location"] == _url(participant) + "#measurements"
    m = participant.measurements.get()
    assert (m.moment, m.date, m.filled_by) == ("start", D(2025, 3, 3), "together")
    assert [getattr(m, code) for code in DIMENSIONS] == [4, 3, 6, 7, 2, 10]
    # Stored in the order of the dimensions, whatever the order of the form.
    assert m.talk_about == ["lichaamsfuncties", "meedoen"]
    event = AuditEvent.objects.get(event="measurement.created")
    assert event.object_id == str(participant.pk) and event.participant_ids == [participant.pk]
    assert event.data == {"measurement": m.pk, "moment": "start"}  # ids and the moment, never a score


def test_the_page_opens_with_today_and_start_for_a_first_conversation_then_interim(client_for, worker, participant):
    client = client_for(worker)
    form = client.get(_url(participant)).context["form"]
    assert form["moment"].value() == "start"
    assert form["date"].value() == timezone.localdate()
    _measure(participant, D(2025, 1, 6))
    assert client.get(_url(participant)).context["form"]["moment"].value() == "interim"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"zingeving": ""}, "Kies een getal van 0 tot en met 10 voor “Zingeving”."),
        ({"meedoen": "11"}, "Kies een getal van 0 tot en met 10 voor “Meedoen”."),
        ({"lichaamsfuncties": "-1"}, "Kies een getal van 0 tot en met 10 voor “Lichaamsfuncties”."),
        ({"kwaliteit_van_leven": "zeven"}, "Kies een getal van 0 tot en met 10 voor “Kwaliteit van leven”."),
        ({"moment": ""}, "Kies het moment: start, tussentijds of eind."),
        ({"filled_by": "buurman"}, "Selecteer een geldige keuze."),
        ({"date": ""}, "Vul de datum van het gesprek in."),
        ({"date": "2025-02-30"}, "Voer een geldige datum in."),
        ({"date": "1920-01-01"}, "is geen aannemelijke datum"),
    ],
)
def test_invalid_input_shows_a_dutch_message_and_saves_nothing(client_for, worker, participant, change, message):
    data = {**_form(), **change}
    response = client_for(worker).post(_url(participant), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'id="measurement-errors"' in response.content.decode()
    assert not Measurement.objects.exists()
    assert not AuditEvent.objects.filter(event="measurement.created").exists()


def test_a_date_in_the_future_is_refused(client_for, worker, participant):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client_for(worker).post(_url(participant), _form(day=tomorrow.isoformat()))
    assert response.status_code == 200
    assert "De datum kan niet in de toekomst liggen." in response.content.decode()
    assert not Measurement.objects.exists()


def test_the_service_refuses_a_score_outside_0_to_10_and_drops_unknown_dimensions(worker, participant):
    values = dict.fromkeys(DIMENSIONS, 5)
    wrong = Measurement(participant=participant, date=D(2025, 1, 6), moment="start", filled_by="resident",
                        **{**values, "zingeving": 11})
    with pytest.raises(ValidationError) as refused:
        services.record_measurement(worker, wrong)
    assert "zingeving" in refused.value.message_dict
    assert not Measurement.objects.exists()

    fine = Measurement(participant=participant, date=D(2025, 1, 6), moment="start", filled_by="resident",
                       talk_about=["meedoen", "geld", "meedoen"], **values)
    services.record_measurement(worker, fine)
    assert Measurement.objects.get().talk_about == ["meedoen"]


def test_an_anonymised_resident_gets_no_new_conversation(client_for, worker, participant):
    type(participant).objects.filter(pk=participant.pk).update(erased_at=timezone.now())
    response = client_for(worker).post(_url(participant), _form())
    assert response.status_code == 302 and response["Location"] == reverse("participants:detail",
                                                                          args=[participant.pk])
    assert not Measurement.objects.exists()


# --- The page: newest first, audited as a view ----------------------------------------------------


def test_the_page_lists_every_conversation_newest_first_and_is_audited(client_for, colleague, participant):
    first = _measure(participant, D(2025, 1, 6), "start", filled_by="resident")
    last = _measure(participant, D(2025, 6, 2), "end", talk=("zingeving",))
    middle = _measure(participant, D(2025, 3, 3), "interim")
    response = client_for(colleague).get(_url(participant))
    assert response.status_code == 200
    html = response.content.decode()
    rows = re.findall(r'<tr data-measurement="(\d+)"', html)
    assert rows == [str(last.pk), str(middle.pk), str(first.pk)]
    # The flag is in the row of the end conversation, on the zingeving column only.
    row = html.split(f'<tr data-measurement="{last.pk}"')[1].split("</tr>")[0]
    assert re.findall(r'data-talk="(\w+)"', row) == ["zingeving"]
    assert "Door de inwoner" in html and "Tussentijds" in html
    event = AuditEvent.objects.get(event="measurement.viewed")
    assert (event.user, event.object_id, event.participant_ids) == (colleague, str(participant.pk), [participant.pk])
    assert event.data["page"] == "positive_health"
    assert sorted(event.data["measurements"]) == sorted([first.pk, middle.pk, last.pk])


def test_the_page_shows_the_spider_web_of_start_and_latest_with_the_numbers(client_for, worker, participant):
    _measure(participant, D(2025, 1, 6), "start", meedoen=2, zingeving=6)
    _measure(participant, D(2025, 3, 3), "interim", meedoen=9)
    _measure(participant, D(2025, 6, 2), "end", meedoen=7, zingeving=8, talk=("meedoen",))
    html = client_for(worker).get(_url(participant)).content.decode()
    assert "Het eigen beeld van de inwoner — een hulpmiddel voor het gesprek, geen score" in html
    assert html.count('class="ph-start"') == 1 and html.count('class="ph-latest"') == 1
    table = html.split('id="positive-health-table"')[1].split("</table>")[0]
    meedoen = table.split('data-dimension="meedoen"')[1].split("</tr>")[0]
    assert re.findall(r'<td class="text-end">(\d+)</td>', meedoen) == ["2", "7"]  # start and the end, not the interim
    assert 'data-talk="yes"' in meedoen and "Ja" in meedoen
    zingeving = table.split('data-dimension="zingeving"')[1].split("</tr>")[0]
    assert re.findall(r'<td class="text-end">(\d+)</td>', zingeving) == ["6", "8"]
    assert "data-talk" not in zingeving


def test_the_residents_page_shows_the_spider_web_or_an_invitation(client_for, worker, participant):
    client = client_for(worker)
    detail = reverse("participants:detail", args=[participant.pk])
    html = client.get(detail).content.decode()
    assert 'id="positive-health"' in html and "Nog geen gesprek over Positieve Gezondheid vastgelegd" in html
    assert "<svg" not in html.split('id="positive-health"')[1].split("</section>")[0]
    assert _url(participant) in html

    _measure(participant, D(2025, 1, 6), "start", lichaamsfuncties=3)
    _measure(participant, D(2025, 6, 2), "end", lichaamsfuncties=8, talk=("lichaamsfuncties",))
    section = client.get(detail).content.decode().split('id="positive-health"')[1].split("</section>")[0]
    assert "Het eigen beeld van de inwoner — een hulpmiddel voor het gesprek, geen score" in section
    assert 'class="ph-start"' in section and 'class="ph-latest"' in section
    assert 'class="ph-talk" data-dimension="lichaamsfuncties"' in section
    row = section.split('<tr data-dimension="lichaamsfuncties"')[1].split("</tr>")[0]
    assert re.findall(r'<td class="text-end">(\d+)</td>', row) == ["3", "8"]


# --- Corrections -------------------------------------------------------------------------------------


def test_a_mistaken_conversation_is_corrected_and_audited(client_for, worker, participant):
    m = _measure(participant, D(2025, 1, 6), "start", meedoen=3, talk=("meedoen",))
    client = client_for(worker)
    page = client.get(_url(participant, "measurement_edit", m.pk))
    assert page.status_code == 200
    assert page.context["form"]["meedoen"].value() == 3
    assert page.context["form"]["talk_meedoen"].value() is True
    viewed = AuditEvent.objects.get(event="measurement.viewed")
    assert viewed.data == {"page": "measurement.edit", "measurements": [m.pk]}

    data = _form(day="2025-01-06", meedoen=4, talk=("zingeving",))
    response = client.post(_url(participant, "measurement_edit", m.pk), data)
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.meedoen, m.talk_about) == (4, ["zingeving"])
    event = AuditEvent.objects.get(event="measurement.updated")
    assert event.object_id == str(participant.pk)
    assert set(event.data["fields"]) == {"meedoen", "talk_about"} and event.data["measurement"] == m.pk


def test_a_correction_with_a_wrong_score_changes_nothing(client_for, worker, participant):
    m = _measure(participant, D(2025, 1, 6), "start", meedoen=3)
    response = client_for(worker).post(_url(participant, "measurement_edit", m.pk), _form(meedoen=12))
    assert response.status_code == 200
    assert "Kies een getal van 0 tot en met 10 voor “Meedoen”." in response.content.decode()
    m.refresh_from_db()
    assert m.meedoen == 3
    assert not AuditEvent.objects.filter(event="measurement.updated").exists()


def test_a_mistaken_conversation_is_deleted_and_audited(client_for, worker, participant):
    m = _measure(participant, D(2025, 1, 6), "interim")
    client = client_for(worker)
    assert client.get(_url(participant, "measurement_delete", m.pk)).status_code == 200
    response = client.post(_url(participant, "measurement_delete", m.pk))
    assert response.status_code == 302
    assert not Measurement.objects.exists()
    event = AuditEvent.objects.get(event="measurement.deleted")
    assert event.object_id == str(participant.pk) and event.data == {"measurement": m.pk, "moment": "interim"}


# --- Who may see it -----------------------------------------------------------------------------------


def test_only_the_residents_team_sees_or_records_it(client_for, client, participant, outsider, municipality_user,
                                                     coordinator, administrator):
    m = _measure(participant, D(2025, 1, 6))
    urls = [_url(participant), _url(participant, "measurement_edit", m.pk),
            _url(participant, "measurement_delete", m.pk)]
    for url in urls:
        assert client.get(url).status_code == 302  # anonymous: to the login page
    client_for(outsider)
    for url in urls:
        assert client.get(url).status_code == 404
        assert client.post(url, _form(meedoen=0)).status_code == 404
    client_for(municipality_user)
    for url in urls:
        assert client.get(url).status_code == 403
        assert client.post(url, _form(meedoen=0)).status_code == 403
    m.refresh_from_db()
    assert Measurement.objects.count() == 1 and m.meedoen == 5
    for user in (coordinator, administrator):
        client_for(user)
        assert client.get(urls[0]).status_code == 200


def test_a_measurement_of_another_resident_is_not_found_through_this_one(client_for, worker, participant, team_a):
    neighbour = ParticipantFactory(team=team_a)
    theirs = _measure(neighbour, D(2025, 1, 6))
    client = client_for(worker)
    for name in ("measurement_edit", "measurement_delete"):
        assert client.get(_url(participant, name, theirs.pk)).status_code == 404
        assert client.post(_url(participant, name, theirs.pk), _form(meedoen=0)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.meedoen == 5


def test_the_participant_list_shows_no_positive_health(client_for, worker, participant):
    _measure(participant, D(2025, 1, 6), talk=("meedoen",))
    html = client_for(worker).get(reverse("participants:list")).content.decode()
    assert participant.last_name in html
    for word in ("Positieve Gezondheid", "Lichaamsfuncties", "Zingeving", "spinnenweb", "ph-start",
                 "Hier wil ik over praten"):
        assert word.lower() not in html.lower()


# --- The spider web (participants/health_chart.py) ----------------------------------------------------


def _svg(start, latest=None):
    with translation.override("nl"):
        text = str(health_chart.spider_chart(start, latest))
    return text, ET.fromstring(text)


def _points(polygon):
    return [tuple(float(v) for v in p.split(",")) for p in polygon.get("points").split()]


def test_the_spider_web_has_six_axes_two_polygons_told_apart_without_colour(participant):
    start = _measure(participant, D(2025, 1, 6), "start", lichaamsfuncties=10, meedoen=0)
    latest = _measure(participant, D(2025, 6, 2), "end", lichaamsfuncties=5, meedoen=10,
                      talk=("meedoen", "zingeving"))
    text, svg = _svg(start, latest)
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Positieve Gezondheid: het eigen beeld van de inwoner"
    desc = svg.find(f"{SVG}desc").text
    assert "Meedoen: start 0, laatste 10 (hier wil ik over praten)" in desc
    assert "Lichaamsfuncties: start 10, laatste 5;" in desc
    assert "Start, 6 januari 2025, samen ingevuld" in desc and "Eind, 2 juni 2025, samen ingevuld" in desc

    axes = svg.findall(f".//{SVG}line[@class='ph-axis']")
    assert [a.get("data-dimension") for a in axes] == list(DIMENSIONS)
    labels = ["".join(t.itertext()) for t in svg.findall(f".//{SVG}text[@class='ph-label']")]
    assert labels == ["Lichaamsfuncties", "Mentaalwelbevinden", "Zingeving", "Kwaliteitvan leven", "Meedoen",
                      "Dagelijksfunctioneren"]  # long names on two lines (tspans)

    start_polygon = svg.find(f".//{SVG}polygon[@class='ph-start']")
    latest_polygon = svg.find(f".//{SVG}polygon[@class='ph-latest']")
    assert start_polygon.get("stroke-dasharray") and latest_polygon.get("stroke-dasharray") is None
    groups = {g.get("data-measurement"): g for g in svg.findall(f"{SVG}g[@class='ph-measurement']")}
    assert len(groups["start"].findall(f"{SVG}circle")) == 6 and not groups["start"].findall(f"{SVG}rect")
    assert len(groups["latest"].findall(f"{SVG}rect")) == 6 and not groups["latest"].findall(f"{SVG}circle")

    # 10 is the end of an axis, 0 the centre: lichaamsfuncties points up, meedoen down to the left.
    cx, cy, r = health_chart.CX, health_chart.CY, health_chart.RADIUS
    assert _points(start_polygon)[0] == (cx, cy - r)
    assert _points(latest_polygon)[0] == (cx, cy - r / 2)
    assert _points(start_polygon)[4] == (cx, cy)
    x, y = _points(latest_polygon)[4]
    assert x < cx and y > cy and round(((x - cx) ** 2 + (y - cy) ** 2) ** 0.5) == r

    flagged = [p.get("data-dimension") for p in svg.findall(f".//{SVG}path[@class='ph-talk']")]
    assert flagged == ["zingeving", "meedoen"]
    bold = [t.get("data-dimension") for t in svg.findall(f".//{SVG}text[@class='ph-label']")
            if t.get("font-weight") == "bold"]
    assert bold == ["zingeving", "meedoen"]
    assert "Hier wil ik over praten" in text  # the legend explains the bubble


def test_one_conversation_gives_one_polygon_and_no_flag_legend(participant):
    only = _measure(participant, D(2025, 1, 6), "start")
    text, svg = _svg(only)
    assert len(svg.findall(f".//{SVG}polygon[@class='ph-start']")) == 1
    assert not svg.findall(f".//{SVG}polygon[@class='ph-latest']")
    assert "Hier wil ik over praten" not in text and "laatste" not in svg.find(f"{SVG}desc").text


def test_the_chart_compares_the_first_start_with_the_newest_conversation(participant):
    interim = _measure(participant, D(2025, 1, 1), "interim")
    first_start = _measure(participant, D(2025, 2, 1), "start")
    _second_start = _measure(participant, D(2025, 3, 1), "start")
    end = _measure(participant, D(2025, 6, 1), "end")
    assert health_chart.start_and_latest([end, interim, first_start, _second_start]) == (first_start, end)
    # Without a start conversation the earliest one is the start.
    assert health_chart.start_and_latest([end, interim]) == (interim, end)
    assert health_chart.start_and_latest([interim]) == (interim, None)
    assert health_chart.start_and_latest([]) == (None, None)


def test_the_chart_is_a_pure_function_of_its_measurements(participant):
    start = _measure(participant, D(2025, 1, 6), "start")
    latest = _measure(participant, D(2025, 6, 2), "end")
    assert _svg(start, latest)[0] == _svg(start, latest)[0]
    # Its ids name the measurements, so aria-labelledby points at this chart's own title.
    assert _svg(start, latest)[1].get("aria-labelledby") == (
        f"ph-chart-{start.pk}-{latest.pk}-t ph-chart-{start.pk}-{latest.pk}-d"
    )
