import hashlib
import re

from django.utils import translation

from reporting import services
from reporting.kpi import compute_kpis
from reporting.periods import quarter
from reporting.presentation import quarter_name
from reporting.suppression import protect

from .conftest import SURNAME, pdf_text, read_pdf


def _nl(msgid):
    with translation.override("nl"):
        return translation.gettext(msgid)


def _quarter_nl(year, q):
    with translation.override("nl"):
        return quarter_name(year, q)


def test_pdf_holds_the_protected_numbers_of_the_known_data_set(rendered_report, report_data):
    text = pdf_text(read_pdf(rendered_report))
    flat = re.sub(r"\s+", " ", text)

    # The contracted KPI: 9 residents supported collectively, 0 the same quarter last year.
    assert re.search(re.escape(_nl("Residents supported collectively")) + r" 9 0", flat)
    # A neighbourhood with 3 residents is shown as <5, never as 3.
    assert "Bilgaard <5" in flat
    assert "Bilgaard 3" not in flat
    # Huizum (6) would give Bilgaard back through the total of 9: it is hidden too (secondary).
    protected = protect(compute_kpis(report_data.municipality, quarter(2024, 3)))
    assert protected["by_neighbourhood"]["Huizum"] == "x"
    assert "Huizum x" in flat
    # Life domains: 6 residents in financien (Geld Telt), 6 in sociaal netwerk (Wandelclub).
    assert protected["by_life_domain"]["financien"] == 6
    assert re.search(r"Financi\S* 6", flat)
    # Two active groups: a count of groups is shown as it is (issue 8).
    assert protected["groups_active"] == 2
    # Year-to-date target: 9 of 40.
    assert "40" in flat and "23%" in flat


def test_pdf_has_cover_footer_and_figures_checksum(rendered_report, settings):
    content = read_pdf(rendered_report)
    text = pdf_text(content)
    assert settings.ORGANISATION_NAME in text
    assert "Leeuwarden" in text
    # One way of writing a quarter (issue 8): "3e kwartaal 2024".
    assert _quarter_nl(2024, 3) in text
    assert "2024 Q3" not in text
    # The figures checksum is printed (cover and footer); it matches the stored figures.
    assert rendered_report.figures_sha256 == services.figures_checksum(rendered_report.figures)
    assert text.count(rendered_report.figures_sha256) >= 2
    # Page numbers in the footer: "Pagina 1 van N".
    pages = len(re.findall(re.escape(_nl("Page")) + r" \d+ " + re.escape(_nl("of")) + r" \d+", text))
    assert pages >= 3
    # The file's own SHA-256 is the stored one.
    assert hashlib.sha256(content).hexdigest() == rendered_report.sha256


def test_pdf_contains_no_personal_names(rendered_report, report_data, coordinator):
    text = pdf_text(read_pdf(rendered_report))
    for name in report_data.names:
        assert name not in text
    assert SURNAME not in text
    assert coordinator.first_name not in text


def test_pdf_shows_the_note_and_is_dutch(report_data, coordinator, django_capture_on_commit_callbacks):
    report = services.prepare_report(report_data.municipality, 2024, 3, coordinator)
    services.render_report_now(report.pk)
    report.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.save_note(report, coordinator, "De wandelclub liep in augustus door.")
    report.refresh_from_db()
    text = pdf_text(read_pdf(report))
    assert "De wandelclub liep in augustus door." in text
    assert _nl("Appendix: definitions") in text


def test_render_report_pdf_is_a_plain_function_for_the_benchmark(report_data):
    from reporting.models import QuarterlyReport

    report = QuarterlyReport(municipality=report_data.municipality, year=2024, quarter=3)
    content = services.render_report_pdf(report)
    assert content.startswith(b"%PDF")
