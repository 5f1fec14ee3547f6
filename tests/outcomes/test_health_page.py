"""The internal Positive Health page (issue 12): paired start → end change per dimension for a
coordinator's own teams, hidden under 5 residents, always with what it does not prove; and nothing
of Positive Health in the quarterly report, its PDF and CSV, or the municipality's pages."""

import datetime
import json
import re

import pytest
from django.urls import reverse

from collectief.models import Membership
from groups.models import Attendance
from participants.models import Measurement
from reporting import services
from reporting.csv_export import render_csv
from tests.factories import (
    AttendanceFactory,
    GroupFactory,
    MembershipFactory,
    ParticipantFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
URL = reverse("outcomes:health_change")
TOO_FEW = "Te weinig inwoners met een begin- en eindmeting (minder dan 5)"
NOT_PROVEN = "Wat dit niet bewijst"


def _measure(participant, moment, day, score, **extra):
    values = dict.fromkeys(Measurement.DIMENSIONS, score)
    values.update(extra)
    return Measurement.objects.create(participant=participant, date=day, moment=moment, filled_by="together",
                                      talk_about=["zingeving"], **values)


def _pair(team, start, end, **end_extra):
    resident = ParticipantFactory(team=team)
    _measure(resident, "start", D(2024, 2, 1), start)
    _measure(resident, "end", D(2024, 6, 1), end, **end_extra)
    return resident


def _page(client, query="period=2024"):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    return response.content.decode()


def _row(html, dimension):
    row = html.split(f'<tr data-dimension="{dimension}">')[1].split("</tr>")[0]
    return re.findall(r'<td class="text-end">([^<]*)</td>', row)


def test_four_pairs_show_nothing_the_fifth_shows_the_averages(client_for, coordinator, team_a):
    for start, end in [(4, 6), (5, 6), (6, 6), (3, 7)]:
        _pair(team_a, start, end)
    client = client_for(coordinator)
    html = _page(client)
    assert TOO_FEW in html and 'id="health-change"' not in html
    assert NOT_PROVEN in html and "zijn niet alle inwoners" in html

    _pair(team_a, 2, 5, zingeving=2)
    html = _page(client)
    assert TOO_FEW not in html
    assert "5 inwoners met een begin- en eindmeting." in html
    # start 4,5,6,3,2 → 4,0; end 6,6,6,7,5 → 6,0; zingeving ends (6+6+6+7+2)/5 = 5,4
    assert _row(html, "meedoen") == ["4,0", "6,0", "+2,0"]
    assert _row(html, "zingeving") == ["4,0", "5,4", "+1,4"]
    assert "Kwaliteit van leven" in html
    # What it does not prove, always: not all residents, not the group alone, their own view.
    assert NOT_PROVEN in html and "niet door de groep alleen" in html and "eigen beeld" in html


def test_a_fall_is_shown_with_its_minus_sign(client_for, coordinator, team_a):
    for _ in range(5):
        _pair(team_a, 7, 6)
    assert _row(_page(client_for(coordinator)), "lichaamsfuncties") == ["7,0", "6,0", "-1,0"]


def test_the_period_selects_the_end_conversations(client_for, coordinator, team_a):
    for _ in range(5):
        _pair(team_a, 4, 6)
    client = client_for(coordinator)
    assert TOO_FEW in _page(client, "period=2023")
    assert TOO_FEW not in _page(client, "period=2024Q2")
    assert TOO_FEW in _page(client, "period=2024Q3")
    assert TOO_FEW not in _page(client, "period=custom&start=2024-05-01&end=2024-06-30")
    # A period that cannot be: a Dutch message, no figures, no error page.
    html = _page(client, "period=custom&start=2024-06-30&end=2024-05-01")
    assert "De einddatum ligt vóór de begindatum." in html
    assert 'id="health-change"' not in html


def test_only_coordinators_open_it(client_for, client, worker, municipality_user, administrator):
    assert client.get(URL).status_code == 302
    for user in (worker, municipality_user):
        client_for(user)
        assert client.get(URL).status_code == 403
    client_for(administrator)
    assert client.get(URL).status_code == 200


def test_a_coordinator_counts_only_the_teams_they_coordinate(client_for, client, team_a, team_b, administrator):
    for _ in range(4):
        _pair(team_a, 4, 6)
    for _ in range(5):
        _pair(team_b, 1, 10)
    # Coordinator in team A, social worker in team B: team B's residents do not count for them.
    both = UserFactory(username="coordinator-a-werker-b")
    MembershipFactory(user=both, team=team_a, role=Membership.Role.COORDINATOR)
    MembershipFactory(user=both, team=team_b, role=Membership.Role.SOCIAL_WORKER)
    html = _page(client_for(both))
    assert TOO_FEW in html
    assert "Wijkteam Noord" in html.split('id="health-teams"')[1].split("</p>")[0]
    assert "Wijkteam Centrum" not in html.split('id="health-teams"')[1].split("</p>")[0]

    # A coordinator of team B alone sees team B's five, not team A's four.
    b_only = UserFactory(username="coordinator-b")
    MembershipFactory(user=b_only, team=team_b, role=Membership.Role.COORDINATOR)
    html = _page(client_for(b_only))
    assert _row(html, "meedoen") == ["1,0", "10,0", "+9,0"]

    # The administrator: every team, nine pairs together.
    html = _page(client_for(administrator))
    assert "9 inwoners met een begin- en eindmeting." in html
    # start (4·4 + 5·1)/9 = 2.33; end (4·6 + 5·10)/9 = 8.22; the change from the unrounded averages.
    assert _row(html, "meedoen") == ["2,3", "8,2", "+5,9"]


def test_the_experiences_page_links_to_it(client_for, coordinator, municipality):
    html = client_for(coordinator).get(reverse("outcomes:survey_table")).content.decode()
    assert f'href="{URL}"' in html


# --- Never outside the organisation ----------------------------------------------------------------

# Words only Positive Health uses (zingeving and dagelijks functioneren are also life domains).
HEALTH_WORDS = ("Positieve Gezondheid", "Positive Health", "Lichaamsfuncties", "Kwaliteit van leven",
                "Hier wil ik over praten", "spinnenweb", "measurement", "talk_about", "lichaamsfuncties",
                "kwaliteit_van_leven", "mentaal_welbevinden")


@pytest.mark.slow
def test_no_positive_health_in_the_quarterly_report_or_on_the_municipalitys_pages(
    client_for, client, municipality, team_a, coordinator, municipality_user
):
    """Six residents in a group in 2024Q3, each with a start and an end: enough for the internal
    page. The report's figures are the same with and without them; its PDF, CSV and pages hold none."""
    group = GroupFactory(name="Wandelgroep Camminghaburen", kind_id="support", team=team_a,
                         life_domains=["zingeving"], start_date=D(2024, 1, 1))
    residents = [ParticipantFactory(team=team_a, first_name=f"Hiltje{i}", last_name="Wassenaar") for i in range(6)]
    for week in range(3):
        session = SessionFactory(group=group, date=D(2024, 7, 2) + datetime.timedelta(weeks=week))
        for resident in residents:
            AttendanceFactory(session=session, participant=resident, status=Attendance.Status.PRESENT)
    report = services.prepare_report(municipality, 2024, 3, coordinator)
    without = services.build_figures(report)
    for resident in residents:
        _measure(resident, "start", D(2024, 7, 2), 3)
        _measure(resident, "end", D(2024, 9, 10), 8)
    # The internal page does show them (so the data set is one that could leak).
    inside = _page(client_for(coordinator), "period=2024Q3")
    assert "6 inwoners met een begin- en eindmeting." in inside

    assert services.build_figures(report) == without
    assert services.render_report_now(report.pk)
    report.refresh_from_db()
    services.approve_report(report, coordinator, report.sha256)
    report.refresh_from_db()
    with report.pdf.open("rb") as handle:
        from pypdf import PdfReader

        pdf = "\n".join(page.extract_text() for page in PdfReader(handle).pages)
    texts = {
        "figures": json.dumps(report.figures, ensure_ascii=False),
        "pdf": pdf,
        "csv": render_csv(report).decode("utf-8-sig"),
    }
    # What the coordinator manages and the municipality reads.
    manager = client_for(coordinator)
    texts["dashboard"] = manager.get(reverse("reporting:dashboard"),
                                     {"municipality": municipality.pk, "period": "2024Q3"}).content.decode()
    texts["report page (coordinator)"] = manager.get(reverse("reporting:report", args=[report.pk])).content.decode()
    contact = client_for(municipality_user)
    for name, path in (("reports", reverse("reporting:reports")),
                       ("report page", reverse("reporting:report", args=[report.pk])),
                       ("report pdf", reverse("reporting:report_pdf", args=[report.pk])),
                       ("report csv", reverse("reporting:report_csv", args=[report.pk]))):
        response = contact.get(path)
        assert response.status_code == 200, name
        content = b"".join(response.streaming_content) if response.streaming else response.content
        if name != "report pdf":
            texts[name] = content.decode("utf-8-sig")
    assert "Leeuwarden" in texts["report page"] and texts["csv"].count(";") > 20
    for name, text in texts.items():
        found = [word for word in HEALTH_WORDS if word.lower() in text.lower()]
        assert not found, f"{name} shows {found}"
