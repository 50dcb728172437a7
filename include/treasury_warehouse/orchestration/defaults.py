"""What the DAG files share: task defaults and the Asset of each published source.

The only module of the package that imports Airflow; the pipeline itself does not.
"""

from __future__ import annotations

import os
from datetime import timedelta

from airflow.sdk import Asset, BaseNotifier, CronTriggerTimetable

from treasury_warehouse.ingest.sources import Source

OWNER = "data-platform"
# One slot: tasks that write the DuckDB warehouse (build, publish) never run at once,
# whatever the executor and however many workers. Created by `make airflow-init`,
# `python -m treasury_warehouse airflow-run` and the compose file's airflow-init.
WAREHOUSE_POOL = "warehouse_writer"
WAREHOUSE_POOL_DESCRIPTION = "serialises writers of the DuckDB warehouse"
# When each cadence runs (cron, UTC), and the setting that changes it. The build's nightly
# run comes after the nightly (03:30) and weekly (04:30) ingests: it builds whatever was
# published and not yet built, whether or not an Asset event came.
SCHEDULES = {
    "nightly": ("SCHEDULE_NIGHTLY", "30 3 * * *"),
    "weekly": ("SCHEDULE_WEEKLY", "30 4 * * 1"),
    "build": ("SCHEDULE_BUILD", "0 6 * * *"),
}
NIGHTLY_BUILD = "build"
# How long after a scheduled time a DAG that has never run may still take that time as
# its first run. Airflow reads run_immediately=False like None: a first run up to
# max(a tenth of the gap, 5 min) in the past (2.4 h for a nightly DAG, 16.8 h for a
# weekly one), so unpausing at 05:02 started the 03:30 run. A zero delta is the setting
# that means never: a DAG's first run is its next scheduled time, whenever it is unpaused.
FIRST_RUN_GRACE = timedelta(0)


def cron(cadence: str) -> str:
    """The cron expression of a cadence, from its setting or the default."""
    setting, default = SCHEDULES[cadence]
    return os.environ.get(setting, "").strip() or default


def timetable(cadence: str) -> CronTriggerTimetable:
    """A cadence's timetable (UTC): unpausing a DAG that never ran starts nothing; its first
    run is at the next scheduled time (trigger it to fill a new deployment now)."""
    return CronTriggerTimetable(cron(cadence), timezone="UTC", run_immediately=FIRST_RUN_GRACE)


class FailureNotifier(BaseNotifier):
    """Task-failure callback: log, plus webhook or e-mail when configured (see notify.py)."""

    def notify(self, context) -> None:
        from treasury_warehouse.config import Settings
        from treasury_warehouse.orchestration.notify import failure_from_context, send

        send(failure_from_context(context), ledger=Settings.from_env().alerts_dir)


DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=20),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": FailureNotifier(),
}


# The fetch task: a permanent error (4xx, a missing mirror file) fails at once; a
# transient one (no connection, 5xx after the in-request retries) is tried once more,
# after FETCH_RETRY_DELAY, so an unreachable publisher costs a source under half a minute
# a night and a stalled one at most about 10 minutes (README "Failures and retries").
FETCH_RETRIES = 1
FETCH_RETRY_DELAY = timedelta(seconds=10)
FETCH_TIMEOUT = timedelta(minutes=6)


def source_asset(source: Source) -> Asset:
    """The Asset an ingest DAG updates when it publishes a new table for source."""
    return Asset(name=source.name, uri=source.asset_uri, group="published_sources")


WAREHOUSE_ASSET_URI = "warehouse://published/warehouse"


def warehouse_asset() -> Asset:
    """The Asset the build DAG updates when it publishes a warehouse; the report DAG runs on it."""
    return Asset(name="published_warehouse", uri=WAREHOUSE_ASSET_URI, group="warehouse")


# A DAG run that ends early on purpose (nothing new, a source not configured, nothing to
# build) says why in an XCom under this key: {"status": ..., "reason": ...}. `make run`
# reads it from the run, not from the task's printed lines.
OUTCOME_KEY = "outcome"


def record_outcome(context, status: str, reason: str) -> None:
    """Print why this run ends early (for the task log) and keep it as the run's outcome."""
    print(f"{status}: {reason}")
    context["ti"].xcom_push(key=OUTCOME_KEY, value={"status": status, "reason": reason})
