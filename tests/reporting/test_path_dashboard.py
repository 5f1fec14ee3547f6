"""From help request to group on the coordinators' dashboard (issue 11), and never in what goes out.

The dashboard's section "Van vraag naar groep" shows the route of the period's requests, the
*tenzij* reasons, the waiting time, inflow and outflow, and the open requests that could form a
group (with a link to the bundling board). The municipality's report page, PDF and CSV show the
inflow and outflow only (small numbers hidden): route, *tenzij*, waiting time and the bundles are
internal.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation

from groups.models import Attendance, Enrolment, Session
from participants.models import HelpRequest, RouteChange
from reporting import metrics, services
from reporting.models import QuarterlyReport
from tests.factories import (
    AttendanceFactory,
    EnrolmentFactory,
    HelpRequestFactory,
    NeighbourhoodFactory,
    ParticipantFactory,
    SessionFactory,
    TeamFactory,
)

from .conftest import pdf_text, read_pdf

D = datetime.date
R = HelpRequest.Route
Q3 = {"period": "2024Q3"}
INTERNAL = (*metrics.INTERNAL_KEYS, *metrics.INTERNAL)


def _request(participant, on, route=R.COLLECTIVE, reason="", domain="financien", **fields):
    request = HelpRequestFactory(participant=participant, date=on, route=route, tenzij_reason=reason,
                                 life_domain_id=domain, **fields)
    RouteChange.objects.create(help_request=request, route=route, tenzij_reason=reason, date=on)
    return request


@pytest.fixture
def path_data(report_data, team_a, neighbourhood):
    """On top of the report's data set (Leeuwarden 2024Q3; tests/reporting/conftest.py):

    - the 3 Bilgaard residents asked on 15 June, were matched to Geld Telt and first came on
      2 July: 17 days each (median 17.0, p90 17.0); their requests are of Q2, not counted by route;
    - 2 requests of Q3 went individual for transport, 1 combined for language, 1 is undecided;
    - open today: 3 residents of team A in Bilgaard with a money question (a bundle), and 3
      residents of another team of Leeuwarden in Huizum with a housing question (not team A's).
    """
    geld_telt = report_data.groups[0]
    for person in report_data.people[:3]:
        request = _request(person, D(2024, 6, 15), status=HelpRequest.Status.MATCHED)
        EnrolmentFactory(participant=person, group=geld_telt, start_date=D(2024, 7, 1), help_request=request,
                         referral_source=Enrolment.ReferralSource.OWN_WORKER)
    for person in report_data.people[3:5]:
        _request(person, D(2024, 8, 1), R.INDIVIDUAL, "transport")
    _request(report_data.people[5], D(2024, 8, 2), R.COMBINED, "language")
    _request(report_data.people[6], D(2024, 8, 3), R.UNDECIDED)
    for i in range(3):
        _request(ParticipantFactory(team=team_a, neighbourhood=neighbourhood, first_name=f"Open{i}"), D(2025, 1, 6))
    other_team = TeamFactory(municipality=report_data.municipality, name="Wijkteam Oost")
    huizum = NeighbourhoodFactory(municipality=report_data.municipality, name="Huizum-Oost")
    for i in range(3):
        _request(ParticipantFactory(team=other_team, neighbourhood=huizum, first_name=f"Oost{i}"), D(2025, 1, 6),
                 domain="wonen")
    return report_data


def _row(html: str, attribute: str) -> str:
    return re.search(rf'<tr {attribute}>(.*?)</tr>', html, re.S).group(1)


def test_the_dashboard_shows_the_path_from_request_to_group(path_data, neighbourhood, coordinator, client_for):
    response = client_for(coordinator).get(reverse("reporting:dashboard"), Q3)
    assert response.status_code == 200
    html = response.content.decode()
    section = re.search(r'<section class="mb-4" id="request-to-group".*?</section>', html, re.S).group(0)
    assert "Van vraag naar groep" in section
    with translation.override("nl"):
        for key in ("requests_by_route", "tenzij_reasons", "could_form_a_group", "inflow_by_referral",
                    "outflow_by_end_reason"):
            assert str(metrics.label(key)) in section, key
    # Route at the end of Q3: the 3 matched requests are of June, not of Q3.
    assert re.search(r"<td>Individueel</td><td[^>]*>2<", _row(section, 'data-route="individual"'))
    assert re.search(r"<td>Gecombineerd</td><td[^>]*>1<", _row(section, 'data-route="combined"'))
    assert re.search(r">0<", _row(section, 'data-route="collective"'))
    assert re.search(r"<td>Vervoer</td><td[^>]*>2</td>", section)
    assert re.search(r"<td>Taal</td><td[^>]*>1</td>", section)
    assert 'data-kpi="waiting_days_median">17,0 ' in section
    assert 'data-kpi="waiting_days_p90">17,0 ' in section
    assert "over 3 vragen" in section
    # The bundle of team A, linked to the bundling board; the other team's bundle is not listed.
    board = reverse("pathway:board")
    assert f'href="{board}?life_domain=financien&amp;wijk={neighbourhood.pk}"' in section
    assert "Huizum-Oost" not in section
    assert 'id="inflow"' in section and 'id="outflow"' in section


def test_an_administrator_sees_every_bundle_of_the_municipality(path_data, administrator, client_for):
    response = client_for(administrator).get(
        reverse("reporting:dashboard"), {**Q3, "municipality": path_data.municipality.pk}
    )
    rows = response.context["bundle_rows"]
    assert sorted((row["life_domain"], row["wijk_label"], row["residents"]) for row in rows) == [
        ("financien", "Bilgaard", 3), ("wonen", "Huizum-Oost", 3),
    ]


def test_the_dashboard_says_so_when_nothing_could_form_a_group(report_data, coordinator, client_for):
    html = client_for(coordinator).get(reverse("reporting:dashboard"), Q3).content.decode()
    assert "Nog geen leefgebied en wijk met genoeg open vragen voor een groep." in html
    assert 'data-kpi="waiting_days_median">–<' in html


def test_the_dashboard_query_count_does_not_grow_with_help_requests(
    path_data, team_a, coordinator, client_for, django_assert_max_num_queries
):
    client = client_for(coordinator)
    url = reverse("reporting:dashboard")
    with django_assert_max_num_queries(60) as small:
        assert client.get(url, Q3).status_code == 200
    geld_telt = path_data.groups[0]
    session = SessionFactory(group=geld_telt, date=D(2024, 9, 3), status=Session.Status.HELD)
    for i in range(40):
        wijk = NeighbourhoodFactory(municipality=path_data.municipality, name=f"Wijk {i}")
        for j in range(3):
            person = ParticipantFactory(team=team_a, neighbourhood=wijk)
            request = _request(person, D(2024, 7, 1), R.INDIVIDUAL if j == 2 else R.COLLECTIVE,
                               "crisis" if j == 2 else "", domain=("wonen", "financien")[i % 2])
            RouteChange.objects.create(help_request=request, route=R.UNDECIDED, date=D(2024, 7, 2))
            EnrolmentFactory(participant=person, group=geld_telt, start_date=D(2024, 7, 1), help_request=request)
            AttendanceFactory(session=session, participant=person, status=Attendance.Status.PRESENT)
            _request(person, D(2025, 1, 2))
    with django_assert_max_num_queries(60) as big:
        response = client.get(url, Q3)
    assert len(response.context["bundle_rows"]) == 41
    assert len(big.captured_queries) == len(small.captured_queries)


# --- Never in what goes out ----------------------------------------------------------------------


@pytest.fixture
def approved_path_report(path_data, coordinator):
    report = services.prepare_report(path_data.municipality, 2024, 3, coordinator)
    assert services.render_report_now(report.pk)
    report.refresh_from_db()
    assert report.render_status == QuarterlyReport.RenderStatus.DONE, report.error
    services.approve_report(report, coordinator, report.sha256)
    report.refresh_from_db()
    return report


def _forbidden_words() -> list[str]:
    """What would give an internal figure away: its Dutch label, its key, and the tenzij labels."""
    with translation.override("nl"):
        words = [str(metrics.label(key)) for key in INTERNAL]
        words += [str(label) for code, label in HelpRequest.TenzijReason.choices if code in ("transport", "language")]
    return [*words, *INTERNAL, "Wachttijd", "Van vraag naar groep", "bundelbord"]


def test_the_municipality_sees_outflow_but_no_internal_path_figures(approved_path_report, municipality_user,
                                                                    client_for):
    client = client_for(municipality_user)
    page = client.get(reverse("reporting:report", args=[approved_path_report.pk]))
    csv = client.get(reverse("reporting:report_csv", args=[approved_path_report.pk]))
    pdf = client.get(reverse("reporting:report_pdf", args=[approved_path_report.pk]))
    assert page.status_code == csv.status_code == pdf.status_code == 200
    page_text = page.content.decode()
    csv_text = csv.content.decode("utf-8-sig")
    pdf_words = re.sub(r"\s+", " ", pdf_text(b"".join(pdf.streaming_content)))
    for word in _forbidden_words():
        assert word not in page_text, word
        assert word not in csv_text, word
        assert word not in pdf_words, word
    # The outflow (and the inflow) by end reason are in the report, small numbers hidden: the 3
    # enrolments of own social workers show as "<5".
    with translation.override("nl"):
        assert str(metrics.label("outflow_by_end_reason")) in pdf_words
    assert "inflow_by_referral;own_worker;" in csv_text
    assert re.search(r"inflow_by_referral;own_worker;[^;]*;<5", csv_text)
    assert "outflow_by_end_reason;completed_no_further_support;" in csv_text


def test_the_pdf_appendix_explains_no_internal_figure(approved_path_report):
    assert not {metric.key for metric in metrics.with_definitions()} & set(INTERNAL)
    text = re.sub(r"\s+", " ", pdf_text(read_pdf(approved_path_report)))
    with translation.override("nl"):
        for key in INTERNAL:
            assert str(metrics.get(key).definition)[:40] not in text, key


def test_the_frozen_report_figures_hold_no_internal_figure(approved_path_report):
    kpis = approved_path_report.figures["kpis"]
    assert not set(metrics.INTERNAL_KEYS) & set(kpis)
    assert set(metrics.REPORT_KEYS) <= set(kpis)


# --- In Chromium ----------------------------------------------------------------------------------


@pytest.mark.e2e
def test_the_section_is_accessible_and_its_link_opens_the_bundling_board(path_data, coordinator, page,
                                                                         live_server):
    from tests.conftest import login_in_browser
    from tests.e2e.test_accessibility import axe_violations

    login_in_browser(page, live_server, coordinator.username)
    page.goto(f"{live_server.url}{reverse('reporting:dashboard')}?period=2024Q3")
    section = page.locator("#request-to-group")
    assert section.get_by_role("heading", name="Van vraag naar groep").is_visible()
    assert axe_violations(page) == []
    # One link per bundle, named for screen readers with its life domain and neighbourhood.
    link = section.get_by_role("link", name=re.compile(r"^Naar het bundelbord\s*: Financiën, Bilgaard$"))
    with page.expect_navigation():
        link.click()
    assert page.url.startswith(f"{live_server.url}{reverse('pathway:board')}?life_domain=financien&wijk=")
