"""Run DAGs in-process with `airflow dags test`, one log file each, and report briefly."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

TAIL_LINES = 15


def airflow_executable() -> str:
    beside_python = Path(sys.executable).parent / "airflow"
    found = str(beside_python) if beside_python.exists() else shutil.which("airflow")
    if not found:
        raise FileNotFoundError("no 'airflow' executable beside Python or on PATH")
    return found


def run_dags(dag_ids: list[str], log_dir: Path) -> int:
    """Run each DAG in turn; stop at the first failure and show why."""
    log_dir.mkdir(parents=True, exist_ok=True)
    for dag_id in dag_ids:
        log_path = log_dir / f"{dag_id}.log"
        started = time.monotonic()
        with log_path.open("w") as log:
            code = subprocess.run(
                [airflow_executable(), "dags", "test", dag_id], stdout=log, stderr=subprocess.STDOUT, check=False
            ).returncode
        elapsed = time.monotonic() - started
        print(f"{dag_id}: {'ok' if code == 0 else 'FAILED'} in {elapsed:.1f}s (log: {log_path})", flush=True)
        if code != 0:
            reasons = [
                line
                for line in log_path.read_text(errors="replace").splitlines()
                if "rule '" in line or "Exception" in line or "Error" in line
            ]
            for line in reasons[-TAIL_LINES:]:
                print(f"  {line}", file=sys.stderr)
            return code
    return 0
