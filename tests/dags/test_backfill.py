"""The README's backfill command works on the generated DAGs (dry run: no scheduler here)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def airflow(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "airflow"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_backfill_a_range_of_nights(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT / "include"), os.environ.get("PYTHONPATH", "")]),
    }
    airflow(env, "db", "migrate")
    airflow(env, "dags", "reserialize")

    planned = airflow(
        env,
        *("backfill", "create", "--dag-id", "ingest_tic_mfh", "--dry-run"),
        *("--from-date", "2026-11-01", "--to-date", "2026-11-03"),
    )

    nights = re.findall(r"\| (2026-11-\d\d \d\d:\d\d:\d\d\+00:00) \|", planned)
    # Runs whose logical date (the nightly time) falls within the range: not 2026-11-03 03:30.
    assert [n[:10] for n in nights] == ["2026-11-01", "2026-11-02"]
    assert len(set(n[11:] for n in nights)) == 1  # each at the DAG's nightly time
