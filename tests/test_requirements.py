"""The team set-up's requirements resolve, with Airflow, at the versions constraints.txt pins."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def pinned(path: Path) -> dict[str, str]:
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return {normalise(line.split("==")[0]): line.split("==")[1] for line in lines if "==" in line}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()


def test_the_celery_deployment_resolves_with_airflow_at_the_pinned_versions(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet"),
            *("--disable-pip-version-check", "--report", str(report)),
            *("-r", str(PROJECT_ROOT / "requirements-celery.txt"), "-c", str(PROJECT_ROOT / "constraints.txt")),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]

    resolved = {
        normalise(i["metadata"]["name"]): i["metadata"]["version"] for i in json.loads(report.read_text())["install"]
    }
    assert resolved["apache-airflow"] == "3.3.2"
    assert resolved["celery"] == "5.6.3"  # 5.7.0 breaks the scheduler and workers
    for name in (
        "apache-airflow-providers-celery",
        "apache-airflow-providers-postgres",
        "redis",
        "psycopg2-binary",
        "asyncpg",
    ):
        assert name in resolved, name
    # Every package the deployment installs is pinned, so a rebuild installs the same set.
    constraints = pinned(PROJECT_ROOT / "constraints.txt")
    unpinned = {name: version for name, version in resolved.items() if constraints.get(name) != version}
    assert unpinned == {}
