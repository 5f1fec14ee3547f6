"""A small known data set for the quarterly report of Leeuwarden, 2024Q3, and report helpers.

    Geld Telt   support, Bilgaard, [financien]        4 held sessions: 3 Bilgaard + 3 Huizum residents
    Wandelclub  support, municipality-wide, [sociaal_netwerk]  6 held sessions: the 6 Huizum residents
    => residents_collective 9; by_neighbourhood Bilgaard 3 (shown "<5"), Huizum 6.
Every resident has a distinctive name ("...Kuipersma") that must never appear in any output.
"""

import datetime
from types import SimpleNamespace

import pytest

from collectief.models import MunicipalityTarget
from groups.models import Attendance, Group
from reporting import services
from reporting.models import QuarterlyReport
from tests.factories import (
    AttendanceFactory,
    GroupFactory,
    NeighbourhoodFactory,
    ParticipantFactory,
    SessionFactory,
)

D = datetime.date
SURNAME = "Kuipersma"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def report_data(municipality, neighbourhood, team_a):
    """The data set above (neighbourhood = Bilgaard); returns names and objects for assertions."""
    huizum = NeighbourhoodFactory(municipality=municipality, name="Huizum")
    bilgaard_people = [
        ParticipantFactory(team=team_a, neighbourhood=neighbourhood, first_name=f"Sjoukje{i}", last_name=SURNAME)
        for i in range(3)
    ]
    huizum_people = [
        ParticipantFactory(team=team_a, neighbourhood=huizum, first_name=f"Wiebren{i}", last_name=SURNAME)
        for i in range(6)
    ]
    geld_telt = GroupFactory(
        name="Geld Telt", kind_id="support", team=team_a, neighbourhood=neighbourhood,
        life_domains=["financien"], start_date=D(2024, 7, 1), rhythm=Group.Rhythm.COURSE,
    )
    wandelclub = GroupFactory(
        name="Wandelclub", kind_id="support", team=team_a, neighbourhood=None,
        life_domains=["sociaal_netwerk"], start_date=D(2023, 1, 1),
    )
    for week in range(4):
        session = SessionFactory(group=geld_telt, date=D(2024, 7, 2) + datetime.timedelta(weeks=week))
        for person in bilgaard_people + huizum_people[:3]:
            AttendanceFactory(session=session, participant=person, status=Attendance.Status.PRESENT)
    for week in range(6):
        session = SessionFactory(group=wandelclub, date=D(2024, 7, 4) + datetime.timedelta(weeks=week),
                                 head_count=1)
        for person in huizum_people:
            AttendanceFactory(session=session, participant=person, status=Attendance.Status.PRESENT)
    MunicipalityTarget.objects.create(municipality=municipality, year=2024, residents_collective=40)
    people = bilgaard_people + huizum_people
    return SimpleNamespace(
        municipality=municipality,
        groups=[geld_telt, wandelclub],
        people=people,
        names=[p.first_name for p in people] + [SURNAME],
    )


@pytest.fixture
def rendered_report(report_data, coordinator):
    """A rendered draft report of Leeuwarden 2024Q3 (synchronously, as the CLI does)."""
    report = services.prepare_report(report_data.municipality, 2024, 3, coordinator)
    assert services.render_report_now(report.pk)
    report.refresh_from_db()
    assert report.render_status == QuarterlyReport.RenderStatus.DONE, report.error
    return report


@pytest.fixture
def approved_report(rendered_report, coordinator):
    services.approve_report(rendered_report, coordinator, rendered_report.sha256)
    rendered_report.refresh_from_db()
    return rendered_report


def pdf_text(content: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def read_pdf(report) -> bytes:
    with report.pdf.open("rb") as handle:
        return handle.read()
