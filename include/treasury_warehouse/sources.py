"""The source registry: the one place that declares what is fetched and how it is handled.

Adding a source is one entry here, one parser module, one suite module and one dbt
staging model; the ingest DAGs are generated from this list. This module imports
nothing heavy, so DAG files can read it at parse time.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from treasury_warehouse.quality import Check

ASSET_URI_PREFIX = "warehouse://published/"


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    publisher: str  # folder of a mirror laid out like the publishers: tic/, niip/, unvotes/, gold/
    file_name: str
    url: str
    schedule: str  # cron, UTC
    parser: str  # "module:function" taking (bytes, file name) -> DataFrame
    suite: str  # "module:function" taking the parsed DataFrame -> list[Check]
    staging_model: str
    vintage_column: str = "vintage"

    @property
    def asset_uri(self) -> str:
        return f"{ASSET_URI_PREFIX}{self.name}"

    def parse(self, content: bytes, file_name: str) -> pd.DataFrame:
        return _load(self.parser)(content, file_name)

    def checks(self, frame: pd.DataFrame) -> list[Check]:
        return _load(self.suite)(frame)


def _load(target: str) -> Callable:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


SOURCES: dict[str, Source] = {
    source.name: source
    for source in [
        Source(
            name="tic_mfh",
            title="TIC major foreign holders of Treasury securities (history)",
            publisher="tic",
            file_name="mfhhis01.txt",
            url="https://ticdata.treasury.gov/resource-center/data-chart-center/tic/Documents/mfhhis01.txt",
            # Released mid-month around the 15th-18th at 16:00 ET; checked nightly.
            schedule="30 3 * * *",
            parser="treasury_warehouse.parsers.tic_mfh:parse",
            suite="treasury_warehouse.suites.tic_mfh:checks",
            staging_model="stg_tic__major_foreign_holders",
        ),
    ]
}


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; registered: {', '.join(sorted(SOURCES))}") from None
