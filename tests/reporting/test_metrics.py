"""KPI metadata in one place (reporting/metrics.py): keys, labels, protection, relations, and the
one parser of periods in the reporting forms (issue 7)."""

import dataclasses
import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation

from collectief.models import Municipality
from reporting import metrics
from reporting.csv_export import render_csv
from reporting.forms import DashboardForm, GenerateForm
from reporting.kpi import COUNT_KEYS, KPI_KEYS, compute_kpis
from reporting.pdf import render_html
from reporting.periods import quarter
from reporting.services import render_report_pdf

from .conftest import pdf_text, read_pdf

# The counts the dashboard shows (it leaves out the "only" rows and the total; the PDF and the
# CSV show every count).
DASHBOARD_COUNTS = (
    "residents_collective", "residents_individual", "residents_both", "groups_active", "sessions_held",
    "walk_ins", "new_groups", "groups_handed_over",
)


def _dutch(key: str) -> str:
    with translation.override("nl"):
        return str(metrics.label(key))


def _csv_labels(report) -> dict[str, str]:
    rows = [line.split(";") for line in render_csv(report).decode("utf-8-sig").splitlines()]
    # self_running_groups (issue 8) is in the "groups" section: the summary's codes are a contract.
    return {row[1]: row[2] for row in rows if row[0] in ("summary", "groups")}


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_metadata_covers_exactly_the_kpi_keys(report_data):
    assert tuple(metrics.METRICS) == KPI_KEYS
    assert tuple(compute_kpis(report_data.municipality, quarter(2024, 3))) == KPI_KEYS
    assert COUNT_KEYS == tuple(key for key in KPI_KEYS if metrics.get(key).kind == metrics.COUNT)
    assert all(str(metric.label) for metric in metrics.METRICS_LIST)
    # Every count of persons is protected; every relation is between KPIs of the set.
    assert all(metric.protected for metric in metrics.METRICS_LIST if metric.persons)
    for relation in metrics.RELATIONS:
        assert relation.keys <= set(KPI_KEYS), relation
    assert metrics.relations_of("residents_both")[0].total == "residents_total"
    with pytest.raises(KeyError):
        metrics.get("residents")


def test_dashboard_csv_and_pdf_show_the_metadata_label_of_every_count(rendered_report, coordinator, client_for):
    html = client_for(coordinator).get(reverse("reporting:dashboard"), {"period": "2024Q3"}).content.decode()
    csv_labels = _csv_labels(rendered_report)
    pdf = _flat(pdf_text(read_pdf(rendered_report)))
    for key in DASHBOARD_COUNTS:
        assert _dutch(key) in html, key
    for key in COUNT_KEYS:
        assert csv_labels[key] == _dutch(key)
        assert _dutch(key) in pdf, key
    assert csv_labels["attendance_rate"] == _dutch("attendance_rate")


def test_a_label_changed_in_the_metadata_shows_on_the_dashboard_in_the_csv_and_in_the_pdf(
    rendered_report, coordinator, client_for, monkeypatch
):
    label = "Bijeenkomsten gehouden (proeflabel)"
    monkeypatch.setitem(metrics.METRICS, "sessions_held", dataclasses.replace(metrics.get("sessions_held"),
                                                                               label=label))
    html = client_for(coordinator).get(reverse("reporting:dashboard"), {"period": "2024Q3"}).content.decode()
    assert label in html
    assert _csv_labels(rendered_report)["sessions_held"] == label
    assert label in render_html(rendered_report)
    assert label in _flat(pdf_text(render_report_pdf(rendered_report)))


# --- The forms use the one parser ----------------------------------------------------------------

TODAY = datetime.date(2025, 2, 1)


@pytest.mark.parametrize("spelling", ["2024Q3", "2024q3", "2024 Q3", "2024-Q3", "2024-q3"])
def test_the_forms_accept_every_spelling_of_a_quarter(municipality, spelling):
    municipalities = Municipality.objects.all()
    generate = GenerateForm({"municipality": municipality.pk, "quarter": spelling},
                            municipalities=municipalities, today=TODAY)
    assert generate.is_valid(), generate.errors
    assert generate.cleaned_data["quarter"] == (2024, 3)
    dashboard = DashboardForm({"period": spelling}, municipalities=municipalities, today=TODAY)
    assert dashboard.is_valid(), dashboard.errors
    assert dashboard.cleaned_data["resolved_period"] == quarter(2024, 3)


@pytest.mark.parametrize("garbage", ["nonsense", "2024Q5", "2024 Q0", "24Q3", "Q3 2024", "0000Q1"])
def test_the_forms_refuse_what_the_commands_refuse(municipality, garbage):
    municipalities = Municipality.objects.all()
    generate = GenerateForm({"municipality": municipality.pk, "quarter": garbage},
                            municipalities=municipalities, today=TODAY)
    assert not generate.is_valid()
    assert "quarter" in generate.errors
    dashboard = DashboardForm({"period": garbage}, municipalities=municipalities, today=TODAY)
    assert not dashboard.is_valid()
