"""help_requests.csv: a previous system's help requests, their route history and how they ended."""

import datetime

import pytest
from django.utils import timezone

from collectief.models import AuditEvent
from groups.models import Enrolment
from participants.models import HelpRequest, RouteChange
from tests.factories import EnrolmentFactory, GroupFactory, ParticipantFactory, TeamFactory

from .test_command import HEADERS, parsed_errors, run, run_failing, write

HEADER = "external_id,participant,date,life_domain,route,tenzij_reason,status,matched_group"
D = datetime.date


@pytest.fixture
def residents(db):
    """P1 enrolled in G1 from 2024-03-01; P2 in no group; G2 a group nobody is enrolled in."""
    team = TeamFactory()
    p1 = ParticipantFactory(external_id="P1", team=team)
    p2 = ParticipantFactory(external_id="P2", team=team)
    g1 = GroupFactory(external_id="G1", team=team, start_date=D(2024, 1, 1))
    GroupFactory(external_id="G2", team=team, start_date=D(2024, 1, 1))
    enrolment = EnrolmentFactory(participant=p1, group=g1, start_date=D(2024, 3, 1))
    return p1, p2, enrolment


def help_requests(tmp_path, *rows):
    return write(tmp_path, "help_requests.csv", "\n".join([HEADER, *rows]) + "\n")


def steps(external_id):
    return list(
        RouteChange.objects.filter(help_request__external_id=external_id).values_list("route", "tenzij_reason", "date")
    )


# --- Known rows ------------------------------------------------------------------------------------


def test_help_requests_are_imported_with_route_status_match_and_history(residents, tmp_path):
    _p1, p2, enrolment = residents
    help_requests(
        tmp_path,
        "H1,P1,2024-02-01,financien,collective,,matched,G1",
        "H2,P2,2024-02-10,,individual,too_complex,open,",
        "H3,P2,2024-01-05,wonen,undecided,,closed,",
        "H4,P1,2024-04-01,,combined,language,matched,",
    )

    assert "help_requests.csv: 4 aangemaakt, 0 bijgewerkt, 0 ongewijzigd" in run(tmp_path)

    h1, h2, h3, h4 = (HelpRequest.objects.get(external_id=f"H{i}") for i in range(1, 5))
    # Matched to a group: the resident's enrolment answers it, closed when the enrolment started.
    enrolment.refresh_from_db()
    assert enrolment.help_request == h1
    assert (h1.status, h1.closed_on, h1.close_reason) == ("matched", D(2024, 3, 1), "")
    assert h1.theme == "Financiën" and h1.life_domain_id == "financien"
    # Open, on the individual route with the reason why not a group.
    assert (h2.participant, h2.status, h2.route, h2.tenzij_reason) == (p2, "open", "individual", "too_complex")
    assert h2.theme == "Ondersteuningsvraag" and h2.closed_on is None
    # Closed: reason "other", closed on the request date.
    assert (h3.status, h3.close_reason, h3.closed_on) == ("closed", "other", D(2024, 1, 5))
    # Matched without a group: answered by individual support.
    assert (h4.status, h4.closed_on, h4.enrolments.exists()) == ("matched", D(2024, 4, 1), False)
    # Every request starts its route history on its own date.
    assert steps("H1") == [("collective", "", D(2024, 2, 1))]
    assert steps("H2") == [("individual", "too_complex", D(2024, 2, 10))]
    assert RouteChange.objects.count() == 4
    event = AuditEvent.objects.get(object_type="participants.helprequest")
    assert event.event == "import.created" and event.data["created"] == 4


def test_the_enrolment_may_come_from_enrolments_csv_of_the_same_import(residents, tmp_path):
    write(tmp_path, "enrolments.csv", HEADERS["enrolments.csv"] + "\nP2,G2,2024-05-01,,\n")
    help_requests(tmp_path, "H1,P2,2024-04-20,sociaal_netwerk,collective,,matched,G2")

    output = run(tmp_path)

    assert "enrolments.csv: 1 aangemaakt" in output and "help_requests.csv: 1 aangemaakt" in output
    request = HelpRequest.objects.get(external_id="H1")
    assert Enrolment.objects.get(group__external_id="G2").help_request == request
    assert request.closed_on == D(2024, 5, 1)


# --- Upserts ---------------------------------------------------------------------------------------


def test_a_second_import_that_changes_the_route_adds_a_second_history_step(residents, tmp_path):
    help_requests(tmp_path, "H2,P2,2024-02-10,financien,collective,,open,")
    run(tmp_path)
    help_requests(tmp_path, "H2,P2,2024-02-10,financien,individual,language,open,")

    assert "help_requests.csv: 0 aangemaakt, 1 bijgewerkt, 0 ongewijzigd" in run(tmp_path)

    request = HelpRequest.objects.get(external_id="H2")
    assert (request.route, request.tenzij_reason) == ("individual", "language")
    assert steps("H2") == [("collective", "", D(2024, 2, 10)), ("individual", "language", timezone.localdate())]
    assert HelpRequest.objects.count() == 1

    # The same file again changes nothing and adds no step.
    assert "help_requests.csv: 0 aangemaakt, 0 bijgewerkt, 1 ongewijzigd" in run(tmp_path)
    assert len(steps("H2")) == 2


def test_an_upsert_keeps_the_theme_and_a_closing_reason_given_in_the_application(residents, tmp_path):
    _p1, p2, _enrolment = residents
    HelpRequest.objects.create(
        participant=p2, external_id="H3", theme="Eenzaam sinds de verhuizing", date=D(2024, 1, 5),
        status="closed", close_reason="solved", closed_on=D(2024, 2, 1),
    )
    help_requests(tmp_path, "H3,P2,2024-01-05,sociaal_netwerk,undecided,,closed,")

    run(tmp_path)

    request = HelpRequest.objects.get(external_id="H3")
    assert request.theme == "Eenzaam sinds de verhuizing"
    assert (request.close_reason, request.closed_on) == ("solved", D(2024, 2, 1))
    assert request.life_domain_id == "sociaal_netwerk"


def test_reopening_a_matched_request_unlinks_its_enrolment(residents, tmp_path):
    _p1, _p2, enrolment = residents
    help_requests(tmp_path, "H1,P1,2024-02-01,financien,collective,,matched,G1")
    run(tmp_path)
    help_requests(tmp_path, "H1,P1,2024-02-01,financien,collective,,open,")

    assert "help_requests.csv: 0 aangemaakt, 1 bijgewerkt" in run(tmp_path)

    enrolment.refresh_from_db()
    request = HelpRequest.objects.get(external_id="H1")
    assert enrolment.help_request is None
    assert (request.status, request.closed_on) == ("open", None)
    assert len(steps("H1")) == 1  # the route did not change


# --- Bad rows ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        ("H1,P2,2024-02-10,financien,individual,,open,", "tenzij_reason", "too_complex, not_yet"),
        ("H1,P2,2024-02-10,financien,collective,crisis,open,", "tenzij_reason", "alleen bij route individual"),
        ("H1,P2,2024-02-10,financien,groep,,open,", "route", "collective, individual, combined, undecided"),
        ("H1,P2,2024-02-10,financien,individual,geen_zin,open,", "tenzij_reason", "time_does_not_fit, transport"),
        ("H1,P2,2024-02-10,financien,collective,,pending,", "status", "open, matched, closed"),
        ("H1,P2,2024-02-10,geld,collective,,open,", "life_domain", "financien"),
        ("H1,P2,2024-02-30,financien,collective,,open,", "date", "geen geldige datum"),
        ("H1,P2,,financien,collective,,open,", "date", "leeg"),
        ("H1,P9,2024-02-10,financien,collective,,open,", "participant", "Onbekende deelnemer 'P9'"),
        ("H1,P2,2024-02-10,financien,collective,,open,G1", "matched_group", "status open"),
        ("H1,P2,2024-02-10,financien,collective,,matched,", "matched_group", "externe id van het collectief"),
        ("H1,P1,2024-02-10,financien,collective,,matched,G9", "matched_group", "Onbekend collectief 'G9'"),
        (",P2,2024-02-10,financien,collective,,open,", "external_id", "leeg"),
    ],
)
def test_a_bad_row_names_file_line_and_column_and_writes_nothing(residents, tmp_path, row, column, fragment):
    help_requests(tmp_path, "H0,P1,2024-02-01,financien,collective,,open,", row)

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["file"], e["line"], e["column"]) for e in errors] == [("help_requests.csv", "3", column)], errors
    assert fragment in errors[0]["message"], errors[0]["message"]
    assert not HelpRequest.objects.exists() and not RouteChange.objects.exists()


def test_a_request_date_in_the_future_is_an_error(residents, tmp_path):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    help_requests(tmp_path, f"H1,P2,{tomorrow.isoformat()},financien,collective,,open,")

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["line"], e["column"]) for e in errors] == [("2", "date")]
    assert "toekomst" in errors[0]["message"]


def test_the_same_external_id_twice_is_an_error(residents, tmp_path):
    help_requests(tmp_path, "H1,P2,2024-02-10,,collective,,open,", "H1,P2,2024-02-11,,collective,,open,")

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["line"], e["column"]) for e in errors] == [("3", "external_id")]


def test_matched_to_a_group_without_an_enrolment_is_an_error(residents, tmp_path):
    help_requests(tmp_path, "H1,P2,2024-02-10,financien,collective,,matched,G1")

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["file"], e["line"], e["column"]) for e in errors] == [("help_requests.csv", "2", "matched_group")]
    assert "geen inschrijving" in errors[0]["message"] and "enrolments.csv" in errors[0]["message"]
    assert not HelpRequest.objects.exists()


def test_an_enrolment_that_ended_before_the_request_does_not_answer_it(residents, tmp_path):
    _p1, _p2, enrolment = residents
    Enrolment.objects.filter(pk=enrolment.pk).update(end_date=D(2024, 3, 31), end_reason_id="other")
    help_requests(tmp_path, "H1,P1,2024-04-15,financien,collective,,matched,G1")

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["line"], e["column"]) for e in errors] == [("2", "matched_group")]
    assert "2024-04-15" in errors[0]["message"]


def test_one_enrolment_answers_one_request(residents, tmp_path):
    p1, _p2, enrolment = residents
    help_requests(
        tmp_path,
        "H1,P1,2024-02-01,financien,collective,,matched,G1",
        "H2,P1,2024-02-05,financien,collective,,matched,G1",
    )

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["line"], e["column"]) for e in errors] == [("3", "matched_group")]
    assert "Regel 2" in errors[0]["message"]

    # Nor may the import take over an enrolment that answers a request made in the application.
    own = HelpRequest.objects.create(participant=p1, theme="Geldzorgen", date=D(2024, 1, 20), status="matched",
                                     closed_on=D(2024, 3, 1))
    Enrolment.objects.filter(pk=enrolment.pk).update(help_request=own)
    help_requests(tmp_path, "H1,P1,2024-02-01,financien,collective,,matched,G1")

    errors = parsed_errors(run_failing(tmp_path))

    assert [(e["line"], e["column"]) for e in errors] == [("2", "matched_group")]
    assert "al bij een andere ondersteuningsvraag" in errors[0]["message"]
    enrolment.refresh_from_db()
    assert enrolment.help_request == own


# --- Dry run -----------------------------------------------------------------------------------------


def test_a_dry_run_changes_nothing(residents, tmp_path):
    _p1, _p2, enrolment = residents
    help_requests(tmp_path, "H1,P1,2024-02-01,financien,collective,,matched,G1", "H2,P2,2024-02-10,,undecided,,open,")

    output = run(tmp_path, "--dry-run")

    assert "help_requests.csv: 2 aan te maken" in output
    assert not HelpRequest.objects.exists() and not RouteChange.objects.exists()
    enrolment.refresh_from_db()
    assert enrolment.help_request is None
    assert not AuditEvent.objects.exists()

    # Against stored requests: the route change is counted, not written.
    run(tmp_path)
    help_requests(tmp_path, "H1,P1,2024-02-01,financien,collective,,matched,G1",
                  "H2,P2,2024-02-10,,individual,transport,open,")
    assert "0 aan te maken, 1 bij te werken, 1 ongewijzigd" in run(tmp_path, "--dry-run")
    assert HelpRequest.objects.get(external_id="H2").route == "undecided"
    assert len(steps("H2")) == 1


# --- The browser -------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_browser_import_lists_and_previews_help_requests_csv(residents, client_for, administrator, settings,
                                                                 tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .test_views import PREVIEW, UPLOAD, counts

    settings.MEDIA_ROOT = tmp_path / "media"
    client = client_for(administrator)
    assert "help_requests.csv" in client.get(UPLOAD).content.decode()
    content = f"{HEADER}\nH1,P1,2024-02-01,financien,collective,,matched,G1\nH2,P2,2024-02-10,,undecided,,open,\n"

    response = client.post(UPLOAD, {"files": [SimpleUploadedFile("help_requests.csv", content.encode())]})

    assert response.status_code == 302
    assert counts(client.get(PREVIEW).content.decode(), "help_requests.csv") == {
        "created": 2, "updated": 0, "unchanged": 0, "errors": 0,
    }
    assert not HelpRequest.objects.exists()

