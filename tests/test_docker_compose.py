"""No Docker engine runs here, so the compose file is checked as data."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# What interpolated() fills every password of .env.example with.
FILLED = "secret"


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yaml").read_text())


def test_services_of_a_celery_deployment() -> None:
    services = compose()["services"]

    assert {
        "postgres",
        "redis",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker",
        "airflow-init",
    } <= set(services)
    assert services["airflow-apiserver"]["command"] == "api-server"
    assert services["airflow-worker"]["command"] == "celery worker"
    # A worker must be scalable: no fixed container name or host port.
    assert "container_name" not in services["airflow-worker"]
    assert "ports" not in services["airflow-worker"]


def interpolated(tmp_path: Path, **overrides: str) -> dict:
    from tools import deploy

    env = deploy.filled_env_file(ROOT / ".env.example", tmp_path / ".env", FILLED)
    return deploy.compose_services(ROOT / "docker-compose.yaml", {**env, **overrides})


def test_every_airflow_service_uses_celery_mounts_the_project_and_the_data_volume(tmp_path: Path) -> None:
    spec = compose()
    for name, service in interpolated(tmp_path).items():
        if not name.startswith("airflow-"):
            continue
        env = service["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql"), name
        mounts = {m.split(":")[1]: m.split(":")[0] for m in service["volumes"]}
        assert mounts["/opt/airflow/dags"] == "./dags", name
        assert mounts["/opt/airflow/plugins"] == "./plugins", name
        assert mounts["/opt/airflow/include"] == "./include", name
        assert mounts["/opt/airflow/dbt_project"] == "./dbt_project", name
        assert mounts["/opt/airflow/data"] == "warehouse-data", name
        assert service["env_file"] == [".env"], name
    assert "warehouse-data" in spec["volumes"]
    # BI tools on the host: the data area can be a host folder instead of the volume.
    on_host = interpolated(tmp_path, WAREHOUSE_DATA="./data")["airflow-scheduler"]["volumes"]
    assert "./data:/opt/airflow/data" in on_host


def test_no_default_secrets_in_the_file() -> None:
    text = (ROOT / "docker-compose.yaml").read_text()

    assert "airflow:airflow@" not in text
    assert "_AIRFLOW_WWW_USER_PASSWORD" not in text
    assert "${POSTGRES_PASSWORD:?" in text
    assert "AIRFLOW_ADMIN_PASSWORD:?" in text


def compose_spec_errors(spec: dict) -> list[str]:
    """Violations of the Compose specification's JSON schema (as vendored by check-jsonschema)."""
    import json
    from importlib.resources import files

    import jsonschema

    schema = json.loads((files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json").read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(spec)]


def test_the_file_follows_the_compose_specification() -> None:
    assert compose_spec_errors(compose()) == []


def test_the_schema_check_catches_a_malformed_file() -> None:
    spec = compose()
    spec["services"]["airflow-worker"]["depends_on"] = "redis"  # must be a list or a mapping
    spec["services"]["airflow-worker"]["restartt"] = "always"  # unknown key

    errors = compose_spec_errors(spec)

    assert any(e.startswith("services/airflow-worker/depends_on") for e in errors), errors
    assert any("restartt" in e for e in errors), errors


def test_init_creates_the_warehouse_writer_pool() -> None:
    from treasury_warehouse.orchestration.defaults import WAREHOUSE_POOL

    init = "\n".join(compose()["services"]["airflow-init"]["command"])
    assert f"airflow pools set {WAREHOUSE_POOL} 1 " in init
    assert f"airflow pools set {WAREHOUSE_POOL} 1 " in (ROOT / "Makefile").read_text()


def test_the_serving_database_is_on_with_its_own_server_and_no_password_in_a_dsn(tmp_path: Path) -> None:
    services = interpolated(tmp_path)
    assert services["warehouse-db"]["ports"] == ["5433:5432"]  # BI tools on other hosts
    for name, service in services.items():
        if not name.startswith("airflow-"):
            continue
        env = service["environment"]
        assert env["SERVING_DSN"] == "host=warehouse-db port=5432 dbname=warehouse user=warehouse_writer", name
        assert "password" not in env["SERVING_DSN"]
        assert env["SERVING_PASSWORD"] == FILLED, name
        assert "warehouse-db" in service["depends_on"], name
    assert "treasury_warehouse serve-init" in services["airflow-init"]["command"][1]
    assert services["airflow-init"]["environment"]["BI_READER_PASSWORD"] == FILLED
    assert "BI_READER_PASSWORD" not in services["airflow-worker"]["environment"]  # only init knows it
