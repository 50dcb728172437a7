"""Expectations for FRED series downloads."""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from treasury_warehouse.ingest.parsers.fred import COLUMNS, SERIES
from treasury_warehouse.ingest.quality import Check
from treasury_warehouse.ingest.suites.common import has_columns, no_gaps, period_gaps, table_shape

KEY = ["series_id", "observation_date"]


def checks(frame: pd.DataFrame) -> list[Check]:
    rows = [
        *table_shape([*COLUMNS, "vintage"], KEY),
        gxe.ExpectColumnValuesToBeInSet(column="series_id", value_set=sorted(SERIES)),
        # Each series within the bounds its registry entry declares in its own unit.
        *[
            gxe.ExpectColumnValuesToBeBetween(
                column="value",
                min_value=series.measure.minimum,
                max_value=series.measure.maximum,
                row_condition=f'series_id == "{series.series_id}"',
                condition_parser="pandas",
            )
            for series in SERIES.values()
            if has_columns(frame, ["series_id", "value"]) and (frame["series_id"] == series.series_id).any()
        ],
        gxe.ExpectColumnValuesToNotBeNull(column="value", mostly=0.95),
    ]
    observations = Check("observations", frame, rows, index_columns=[c for c in KEY if c in frame.columns])
    if not has_columns(frame, COLUMNS):
        return [observations]
    # One period step per series: a quarter, or a year for the annual ones.
    steps = {"quarterly": 3, "annual": 12}
    checks = [observations]
    for series_id, rows in frame.groupby("series_id"):
        step = steps.get(SERIES[series_id].frequency, 3) if series_id in SERIES else 3
        checks.append(
            Check(f"periods_{series_id}", period_gaps(rows["observation_date"], step), no_gaps(step), ["period"])
        )
    return checks
