import pytest

from collectief.tasks import ping


@pytest.mark.worker
def test_a_real_celery_worker_runs_a_task_and_returns_the_result(celery_worker_process):
    result = ping.delay("collectief")
    assert result.get(timeout=30) == "pong:collectief"
    assert "collectief.tasks.ping" in celery_worker_process["log"].read_text()
