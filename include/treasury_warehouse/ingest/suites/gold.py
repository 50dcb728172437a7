"""Expectations for central-bank gold and total reserves."""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from treasury_warehouse.ingest.parsers.gold import EWN_COLUMNS, IMF_COLUMNS, WB_COLUMNS, WGC_COLUMNS
from treasury_warehouse.ingest.quality import Check
from treasury_warehouse.ingest.suites.common import anchors, bounds, listed, table_shape

# Negative figures the publishers printed, tolerated by key (and flagged downstream);
# a negative anywhere else is a sign or column change.
WB_NEGATIVE_RESERVES = {("TCD", 1968), ("TCD", 1969)}  # Chad
IMF_NEGATIVE_GOLD = {("Luxembourg", "1999-03-31")}  # printed as -277,000 oz
EWN_NEGATIVE_FX_RESERVES = {("Guinea-Bissau", 1983), ("Guinea-Bissau", 1984), ("Iran, Islamic Republic of", 1988)}


def checks_wb_indicator(frame: pd.DataFrame) -> list[Check]:
    key = ["country_code", "indicator_code", "year"]
    frame = frame.assign(is_listed_publisher_error=listed(frame, ["country_code", "year"], WB_NEGATIVE_RESERVES))
    return [
        Check(
            "reserves",
            frame,
            [
                *table_shape([*WB_COLUMNS, "is_listed_publisher_error"], key),
                gxe.ExpectColumnValuesToBeInSet(column="indicator_code", value_set=["FI.RES.TOTL.CD"]),
                gxe.ExpectColumnValuesToMatchRegex(column="country_code", regex=r"^[A-Z0-9]{3}$"),
                *bounds("wb_reserves", {"value_usd": _unless_listed(frame)}),
                gxe.ExpectColumnValuesToBeBetween(column="year", min_value=1960, max_value=2100),
            ],
            index_columns=[c for c in ["country_name", *key] if c in frame.columns],
        ),
        anchors(frame, "country_code", ["USA", "CHN", "JPN", "DEU"]),
    ]


def checks_imf_gold(frame: pd.DataFrame) -> list[Check]:
    key = ["country_name", "period_end"]
    frame = frame.assign(is_listed_publisher_error=listed(frame, key, IMF_NEGATIVE_GOLD))
    return [
        Check(
            "gold",
            frame,
            [
                *table_shape([*IMF_COLUMNS, "vintage", "is_listed_publisher_error"], key),
                *bounds("imf_gold", {"gold_fine_troy_oz": _unless_listed(frame)}),
            ],
            index_columns=[c for c in key if c in frame.columns],
        ),
        anchors(frame, "country_name", ["United States", "China, P.R.: Mainland", "World"]),
    ]


def checks_wgc_changes(frame: pd.DataFrame) -> list[Check]:
    key = ["country_name", "frequency", "period_start"]
    return [
        Check(
            "changes",
            frame,
            [
                *table_shape([*WGC_COLUMNS, "vintage"], key),
                gxe.ExpectColumnValuesToBeInSet(column="frequency", value_set=["monthly", "annual"]),
                *bounds("wgc_gold_changes"),
            ],
            index_columns=[c for c in key if c in frame.columns],
        ),
        anchors(frame, "country_name", ["United States", "China, P.R.: Mainland", "Euro Area"]),
    ]


def checks_ewn(frame: pd.DataFrame) -> list[Check]:
    key = ["country_name", "year"]
    columns = ["country_name", "ifs_code", "year", *EWN_COLUMNS.values(), "vintage", "is_listed_publisher_error"]
    frame = frame.assign(is_listed_publisher_error=listed(frame, key, EWN_NEGATIVE_FX_RESERVES))
    return [
        Check(
            "positions",
            frame,
            [
                *table_shape(columns, key),
                gxe.ExpectColumnValuesToBeBetween(column="year", min_value=1970, max_value=2100),
                *bounds("ewn", {"fx_reserves_excl_gold_usd_mn": _unless_listed(frame)}),
            ],
            index_columns=[c for c in key if c in frame.columns],
        ),
        anchors(frame, "country_name", ["United States", "China", "Japan", "Euro Area"]),
    ]


def _unless_listed(frame: pd.DataFrame) -> dict:
    """Keyword arguments restricting an expectation to rows not listed as publisher errors."""
    if not frame["is_listed_publisher_error"].any():
        return {}
    return {"row_condition": "is_listed_publisher_error == False", "condition_parser": "pandas"}
