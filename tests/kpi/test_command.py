"""The ``kpi`` management command: JSON of compute_kpis, clear errors with a non-zero exit."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reporting.kpi import KPI_KEYS
from reporting.management.commands.kpi import Command


def run(*args):
    out = io.StringIO()
    call_command("kpi", *args, stdout=out)
    return out.getvalue()


def test_kpi_command_prints_the_hand_computed_kpi_set_as_json(kpi_data, expected):
    output = run("--municipality", "Leeuwarden", "--period", "2024Q3")
    figures = json.loads(output)
    assert tuple(figures) == KPI_KEYS
    assert figures == expected


def test_kpi_command_output_is_indented_and_keeps_non_ascii_characters(kpi_data):
    output = run("--municipality", "Leeuwarden", "--period", "2024q3")
    assert '"group": "Jongerencafé"' in output  # ensure_ascii=False: no \\u00e9
    assert output.startswith('{\n  "residents_collective": 4,')


def test_kpi_command_accepts_a_year_and_a_date_range(kpi_data):
    # 5: Kookgroep's sessions after its hand-over (Gijs, 1 Oct) do not count (issue 8).
    assert json.loads(run("--municipality", "Leeuwarden", "--period", "2024"))["residents_collective"] == 5
    ranged = json.loads(run("--municipality", "Leeuwarden", "--period", "2024-07-01:2024-09-30"))
    assert ranged["residents_collective"] == 4


def test_kpi_command_is_not_suppressed(kpi_data):
    # Internal use: 1 to 4 are printed as numbers, not "<5".
    assert json.loads(run("--municipality", "Leeuwarden", "--period", "2024Q3"))["residents_both"] == 2


def test_kpi_command_matches_the_municipality_name_without_case(kpi_data):
    assert json.loads(run("--municipality", "leeuwarden", "--period", "2024Q3"))["residents_total"] == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--municipality", "Nergenshuizen", "--period", "2024Q3"], "Unknown municipality 'Nergenshuizen'"),
        (["--municipality", "Leeuwarden", "--period", "2024Q5"], "quarter must be 1, 2, 3 or 4"),
        (["--municipality", "Leeuwarden", "--period", "2024-03-31:2024-01-01"], "end date lies before"),
        (["--municipality", "Leeuwarden", "--period", "volgend jaar"], "expected a year"),
    ],
)
def test_kpi_command_refuses_bad_input_with_a_clear_message(kpi_data, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_kpi_command_exits_non_zero_without_a_traceback(kpi_data, monkeypatch, capsys):
    # Run it as manage.py would; keep the test's database connection open afterwards.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    out, err = io.StringIO(), io.StringIO()
    command = Command(stdout=out, stderr=err)
    with pytest.raises(SystemExit) as exit_info:
        command.run_from_argv(["manage.py", "kpi", "--municipality", "Nergenshuizen", "--period", "2024Q3"])
    assert exit_info.value.code == 1
    assert "Unknown municipality 'Nergenshuizen'" in err.getvalue()
    assert "Traceback" not in err.getvalue()
    assert out.getvalue() == ""


def test_kpi_command_requires_both_options(kpi_data):
    with pytest.raises(CommandError, match="--period"):
        run("--municipality", "Leeuwarden")


# --- One parser for periods and quarters (issue 7) -----------------------------------------------


@pytest.mark.parametrize("spelling", ["2024 Q3", "2024-Q3", "2024 q3", "2024-q3", " 2024Q3 "])
def test_kpi_command_accepts_every_spelling_of_a_quarter_with_the_same_result(kpi_data, spelling):
    assert run("--municipality", "Leeuwarden", "--period", spelling) == run(
        "--municipality", "Leeuwarden", "--period", "2024Q3"
    )


def _refusal(command, option, value):
    with pytest.raises(CommandError) as refused:
        call_command(command, "--municipality", "Leeuwarden", option, value, stdout=io.StringIO())
    return str(refused.value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nonsense", "Invalid period 'nonsense': expected a year"),
        ("", "Invalid period '': expected a year"),
        ("24Q3", "expected a year"),
        ("Q3 2024", "expected a year"),
        ("2024Q5", "the quarter must be 1, 2, 3 or 4"),
        ("2024 Q0", "the quarter must be 1, 2, 3 or 4"),
        ("2024-Q9", "the quarter must be 1, 2, 3 or 4"),
        ("0000Q1", "the year must lie between 1 and 9998"),
    ],
)
def test_kpi_and_quarterly_report_refuse_the_same_input_with_the_same_message(municipality, value, message):
    from reporting.models import QuarterlyReport

    refused_by_kpi = _refusal("kpi", "--period", value)
    assert message in refused_by_kpi
    assert _refusal("quarterly_report", "--quarter", value) == refused_by_kpi
    assert not QuarterlyReport.objects.exists()


@pytest.mark.parametrize("value", ["2024", "2024-07-01:2024-09-30"])
def test_quarterly_report_refuses_a_period_that_is_not_a_quarter(municipality, value):
    assert "expected a quarter such as \"2024Q3\"" in _refusal("quarterly_report", "--quarter", value)


def test_kpi_command_prints_the_keys_added_by_issue_8(kpi_data):
    figures = json.loads(run("--municipality", "Leeuwarden", "--period", "2024Q3"))
    assert figures["self_running_groups"] == 2
    assert figures["inflow_by_referral"]["own_worker"] == 1
    assert figures["outflow_by_end_reason"]["dropped_out"] == 1
    # Issue 11 (figures against known answers: tests/kpi/test_path_figures.py): present, with
    # every route also when this data set has no help requests, and null waiting times.
    assert figures["requests_by_route"] == {"collective": 0, "individual": 0, "combined": 0, "undecided": 0}
    assert figures["waiting_days_median"] is None and figures["waiting_days_p90"] is None
