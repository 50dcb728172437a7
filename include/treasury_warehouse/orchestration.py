"""What the DAG files share: task defaults and the Asset of each published source.

The only module of the package that imports Airflow; the pipeline itself does not.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Asset

from treasury_warehouse.sources import Source

OWNER = "data-platform"

DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=20),
    "execution_timeout": timedelta(minutes=30),
}


def source_asset(source: Source) -> Asset:
    """The Asset an ingest DAG updates when it publishes a new table for source."""
    return Asset(name=source.name, uri=source.asset_uri, group="published_sources")
