"""Expectations for central-bank gold and total reserves."""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from treasury_warehouse.parsers.gold import EWN_COLUMNS, IMF_COLUMNS, WB_COLUMNS, WGC_COLUMNS
from treasury_warehouse.quality import Check
from treasury_warehouse.suites.common import anchors, table_shape

# World official gold is ~1.1bn fine troy ounces (~35,000 t); one holder above 2bn oz
# means the unit changed (to grams or kilograms, say).
MAX_GOLD_OZ = 2_000_000_000
# Total reserves: China holds ~$3.5tn; above $100tn the unit is not US$.
MAX_RESERVES_USD = 1e14
# The largest annual change any holder reported is ~700 t.
MAX_CHANGE_TONNES = 2_000


def checks_wb_indicator(frame: pd.DataFrame) -> list[Check]:
    key = ["country_code", "indicator_code", "year"]
    return [
        Check(
            "reserves",
            frame,
            [
                *table_shape(WB_COLUMNS, key),
                gxe.ExpectColumnValuesToBeInSet(column="indicator_code", value_set=["FI.RES.TOTL.CD"]),
                gxe.ExpectColumnValuesToMatchRegex(column="country_code", regex=r"^[A-Z0-9]{3}$"),
                # Chad 1968-69 are printed negative by the publisher; tolerated, not a unit change.
                gxe.ExpectColumnValuesToBeBetween(column="value_usd", min_value=0, mostly=0.999),
                gxe.ExpectColumnValuesToBeBetween(column="value_usd", max_value=MAX_RESERVES_USD),
                gxe.ExpectColumnValuesToBeBetween(column="year", min_value=1960, max_value=2100),
            ],
            index_columns=[c for c in ["country_name", *key] if c in frame.columns],
        ),
        anchors(frame, "country_code", ["USA", "CHN", "JPN", "DEU"]),
    ]


def checks_imf_gold(frame: pd.DataFrame) -> list[Check]:
    key = ["country_name", "period_end"]
    return [
        Check(
            "gold",
            frame,
            [
                *table_shape([*IMF_COLUMNS, "vintage"], key),
                # The publisher printed Luxembourg 1999Q1 as -277,000 oz: one bad row of 33,399
                # is tolerated and flagged downstream; a unit or sign change is not.
                gxe.ExpectColumnValuesToBeBetween(column="gold_fine_troy_oz", min_value=0, mostly=0.999),
                gxe.ExpectColumnValuesToBeBetween(column="gold_fine_troy_oz", max_value=MAX_GOLD_OZ),
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
                gxe.ExpectColumnValuesToBeBetween(
                    column="change_tonnes", min_value=-MAX_CHANGE_TONNES, max_value=MAX_CHANGE_TONNES
                ),
            ],
            index_columns=[c for c in key if c in frame.columns],
        ),
        anchors(frame, "country_name", ["United States", "China, P.R.: Mainland", "Euro Area"]),
    ]


def checks_ewn(frame: pd.DataFrame) -> list[Check]:
    key = ["country_name", "year"]
    columns = ["country_name", "ifs_code", "year", *EWN_COLUMNS.values(), "vintage"]
    return [
        Check(
            "positions",
            frame,
            [
                *table_shape(columns, key),
                gxe.ExpectColumnValuesToBeBetween(column="year", min_value=1970, max_value=2100),
                # Reserves above $100tn, or negative, mean the unit or the columns changed.
                gxe.ExpectColumnValuesToBeBetween(
                    column="fx_reserves_excl_gold_usd_mn", min_value=0, max_value=100_000_000, mostly=0.999
                ),
                gxe.ExpectColumnValuesToBeBetween(column="total_liabilities_usd_mn", min_value=0, max_value=1e9),
            ],
            index_columns=[c for c in key if c in frame.columns],
        ),
        anchors(frame, "country_name", ["United States", "China", "Japan", "Euro Area"]),
    ]
