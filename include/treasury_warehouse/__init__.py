"""Who finances the US Treasury: the pipeline's package (ingest, warehouse, orchestration, report)."""

from __future__ import annotations

import gc
import sys
from typing import NoReturn


def exit_process(code: int) -> NoReturn:
    """End a command's process with ``code``, leaving the objects it made out of the garbage
    collections Python runs on its way out: they cost `airflow-run` 1.3 s (Airflow, pandas
    and the pipeline loaded) and the dbt session 0.6 s. Exit handlers still run."""
    gc.freeze()
    sys.exit(code)
