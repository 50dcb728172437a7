"""Connection arguments for Airflow's SQLite metadata database.

Set as ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS=treasury_warehouse.airflow_sqlite.CONNECT_ARGS``
by ``make airflow`` and by the LocalExecutor deployment of ``deploy.py``. There the
api-server (which also serves the task processes' state updates), the scheduler and the
dag-processor all write one SQLite file; on a busy 2-core machine a writer can hold the
lock longer than the 5 s pysqlite waits by default, and the api-server then answers a
trigger or a task's heartbeat with HTTP 500 ("Database error"). Waiting up to a minute
makes the writers queue instead. Not for Postgres: its driver takes other arguments.
"""

from __future__ import annotations

CONNECT_ARGS: dict[str, object] = {"timeout": 60}
