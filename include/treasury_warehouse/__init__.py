"""Who finances the US Treasury: the pipeline's package (ingest, warehouse, orchestration, report)."""

from __future__ import annotations

import atexit
import os
import sys
from typing import NoReturn


def exit_process(code: int) -> NoReturn:
    """End a command's process with ``code`` once its exit handlers ran (logging's flush,
    temporary folders' removal) and its output is flushed, without the rest of Python's
    finalization. Its final garbage collections walked every object Airflow, pandas and the
    pipeline made: 1.3 s at the end of `airflow-run`, 0.6 s at the end of the dbt session.
    (Freezing those objects instead left DuckDB's bindings to report each one never freed
    as a leak, some forty lines on stderr after every command.) A command closes its
    DuckDB connections and files itself; no thread of its own is left running."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
