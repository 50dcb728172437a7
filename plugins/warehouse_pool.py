"""Airflow plugin: the warehouse writers' pool exists wherever Airflow runs this project.

A task in a pool that does not exist waits in ``scheduled`` forever, with no alert. So:

when an Airflow component with a metadata connection starts (scheduler, triggerer,
dag-processor: every ``Job``), the one-slot ``warehouse_writer`` pool is created if it
is missing. This covers ``airflow standalone`` on a fresh AIRFLOW_HOME, as long as
``[core] plugins_folder`` points here (the Makefile, the compose file and the README set
it). Should the pool be deleted while Airflow runs, the build run's timeout
(``dagrun_timeout``) fails it with an alert; no check runs inside the scheduler's loop,
where a listener may not touch the database.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from airflow.listeners import hookimpl
from airflow.plugins_manager import AirflowPlugin

log = logging.getLogger(__name__)


def pool_exists() -> bool:
    from airflow.models.pool import Pool

    from treasury_warehouse.orchestration.defaults import WAREHOUSE_POOL

    return Pool.get_pool(WAREHOUSE_POOL) is not None


def create_pool_if_missing() -> bool:
    """Create the pool unless it exists; True if this call created it."""
    from airflow.models.pool import Pool

    from treasury_warehouse.orchestration.defaults import WAREHOUSE_POOL, WAREHOUSE_POOL_DESCRIPTION

    if pool_exists():
        return False
    try:
        Pool.create_or_update_pool(WAREHOUSE_POOL, 1, WAREHOUSE_POOL_DESCRIPTION, include_deferred=False)
    except Exception:  # another component created it at the same moment
        if not pool_exists():
            raise
        return False
    log.warning("created the missing pool %s (1 slot)", WAREHOUSE_POOL)
    return True


class _WarehousePoolListener:
    @hookimpl
    def on_starting(self, component) -> None:
        if type(component).__name__ != "Job":  # a task's runner has no metadata connection
            return
        try:
            create_pool_if_missing()
        except Exception:
            log.exception("could not create the warehouse_writer pool")


class WarehousePoolPlugin(AirflowPlugin):
    name = "treasury_warehouse_pool"
    listeners: ClassVar[list] = [_WarehousePoolListener()]
