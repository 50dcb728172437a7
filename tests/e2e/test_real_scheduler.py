"""A fresh deployment under a real scheduler: `make airflow`'s command (api-server,
scheduler and dag-processor; LocalExecutor, SQLite, loopback) with no virtual
environment on PATH, driven through the REST API as an operator would. Every schedule is
set to the minute just passed, so the DAGs are unpaused inside the window in which
Airflow's default grace would start that run.

The checks are those of `make deploy-test` (tools.deploy), which runs them
against the compose services with Celery workers as well."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURE_MIRROR

from tools import deploy

pytestmark = pytest.mark.e2e


def test_a_fresh_deployment_publishes_a_complete_warehouse_and_stops_cleanly(tmp_path: Path) -> None:
    report = deploy.run("local", tmp_path, FIXTURE_MIRROR)

    print("\n".join(report.lines))
    assert report.failures == []
    # Every check ran: none was skipped by an early error.
    assert len([line for line in report.lines if line.startswith("ok")]) == 14


def test_compose_refuses_an_env_file_with_a_missing_secret(tmp_path: Path) -> None:
    example = deploy.read_env_file(deploy.PROJECT_ROOT / ".env.example")
    with pytest.raises(deploy.MissingVariable, match="POSTGRES_PASSWORD"):
        deploy.compose_services(deploy.PROJECT_ROOT / "docker-compose.yaml", example)

    filled = deploy.filled_env_file(deploy.PROJECT_ROOT / ".env.example", tmp_path / ".env", 'p@ss/w#rd"x')
    services = deploy.compose_services(deploy.PROJECT_ROOT / "docker-compose.yaml", filled)
    airflow = {name: s for name, s in services.items() if name.startswith("airflow-")}
    for key in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY", "AIRFLOW__CORE__FERNET_KEY"):
        values = {s["environment"][key] for s in airflow.values()}
        assert len(values) == 1, key  # one secret shared by every service
        assert "" not in values, key
    for service in airflow.values():
        assert 'p@ss/w#rd"x' not in service["environment"]["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        assert service["environment"]["PGPASSWORD"] == 'p@ss/w#rd"x'
    without_jwt = {**filled, "AIRFLOW_JWT_SECRET": ""}
    with pytest.raises(deploy.MissingVariable, match="AIRFLOW_JWT_SECRET"):
        deploy.compose_services(deploy.PROJECT_ROOT / "docker-compose.yaml", without_jwt)
