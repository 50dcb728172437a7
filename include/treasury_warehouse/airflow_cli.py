"""Run DAGs in-process with `airflow dags test`, one log file each, and report briefly."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

TAIL_LINES = 15
# Pipeline errors read "[source] file: rule '...' failed: detail", the detail possibly
# continued on indented lines.
SKIPPED = re.compile(r'Skipping task\.\s+\[task\].*?reason="([^"]*)"')
UNCHANGED = re.compile(r"unchanged: \S+ sha256 \S+ is already published")
PIPELINE_ERROR = re.compile(r"\[[a-z0-9_]+\] .*rule '[^']+' failed")


def airflow_executable() -> str:
    beside_python = Path(sys.executable).parent / "airflow"
    found = str(beside_python) if beside_python.exists() else shutil.which("airflow")
    if not found:
        raise FileNotFoundError("no 'airflow' executable beside Python or on PATH")
    return found


def ensure_pool() -> None:
    """Create (or resize) the one-slot pool the warehouse writers share."""
    from treasury_warehouse.orchestration import WAREHOUSE_POOL, WAREHOUSE_POOL_DESCRIPTION

    subprocess.run(
        [airflow_executable(), "pools", "set", WAREHOUSE_POOL, "1", WAREHOUSE_POOL_DESCRIPTION],
        check=True,
        capture_output=True,
        text=True,
    )


def run_dags(dag_ids: list[str], log_dir: Path, conf: str | None = None) -> int:
    """Run each DAG in turn (with a run conf, e.g. '{"force": true}'); stop at the first
    failure and show why."""
    log_dir.mkdir(parents=True, exist_ok=True)
    ensure_pool()
    for dag_id in dag_ids:
        log_path = log_dir / f"{dag_id}.log"
        started = time.monotonic()
        with log_path.open("w") as log:
            code = subprocess.run(
                [airflow_executable(), "dags", "test", dag_id, *(["--conf", conf] if conf else [])],
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            ).returncode
        elapsed = time.monotonic() - started
        log_text = log_path.read_text(errors="replace") if code == 0 else ""
        skipped = SKIPPED.search(log_text)
        unchanged = UNCHANGED.search(log_text)
        status = "FAILED" if code else "ok"
        if skipped:
            status = f"skipped ({skipped.group(1)})"
        elif unchanged:
            status = "unchanged (already published; nothing to do)"
        print(f"{dag_id}: {status} in {elapsed:.1f}s (log: {log_path})", flush=True)
        if code != 0:
            print(failure_reason(log_path.read_text(errors="replace")), file=sys.stderr)
            return code
    return 0


def failure_reason(log: str) -> str:
    """The last pipeline error in a task log with its detail lines, else the log's tail."""
    lines = log.splitlines()
    starts = [i for i, line in enumerate(lines) if PIPELINE_ERROR.search(line)]
    if not starts:
        return "\n".join(f"  {line}" for line in lines[-TAIL_LINES:])
    first = starts[-1]
    reason = [lines[first][PIPELINE_ERROR.search(lines[first]).start() :]]
    reason += [line for line in lines[first + 1 : first + 1 + TAIL_LINES] if line.startswith("  ")]
    return "\n".join(f"  {line}" for line in reason)
