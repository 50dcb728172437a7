"""Expectations for BEA international investment position tables, in $mn."""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from treasury_warehouse.parsers.bea_iip import API_COLUMNS, COLUMNS
from treasury_warehouse.quality import Check
from treasury_warehouse.suites.common import anchors, has_columns, table_shape

KEY = ["table_line", "period_end"]
NET, ASSETS, LIABILITIES = 1, 4, 36  # line 1 is "line 4 less line 36"
MAX_ABS_USD_MN = 500_000_000  # US assets and liabilities are tens of $tn
TOLERANCE_USD_MN = 2.0


def identity(frame: pd.DataFrame) -> pd.DataFrame:
    lines = (
        frame[frame["table_line"].isin([NET, ASSETS, LIABILITIES])]
        .pivot_table(index="period_end", columns="table_line", values="value_usd_mn", aggfunc="sum")
        .reindex(columns=[NET, ASSETS, LIABILITIES])  # a missing line is reported by the anchors check
    )
    table = pd.DataFrame(index=lines.index)
    table["net_minus_assets_less_liabilities_usd_mn"] = lines[NET] - (lines[ASSETS] - lines[LIABILITIES])
    return table.dropna().reset_index()


def checks(frame: pd.DataFrame) -> list[Check]:
    rows = [
        *table_shape(COLUMNS, KEY),
        gxe.ExpectColumnValuesToBeInSet(column="position", value_set=["net", "assets", "liabilities"]),
        gxe.ExpectColumnValuesToBeInSet(column="frequency", value_set=["annual", "quarterly"]),
        gxe.ExpectColumnValuesToBeBetween(column="value_usd_mn", min_value=-MAX_ABS_USD_MN, max_value=MAX_ABS_USD_MN),
        gxe.ExpectColumnValuesToNotBeNull(
            column="value_usd_mn", row_condition=f"table_line == {NET}", condition_parser="pandas"
        ),
    ]
    table = Check("lines", frame, rows, index_columns=[c for c in ["line_label", *KEY] if c in frame.columns])
    if not has_columns(frame, COLUMNS):
        return [table]
    column = "net_minus_assets_less_liabilities_usd_mn"
    return [
        table,
        anchors(frame, "table_line", [NET, ASSETS, LIABILITIES]),
        Check(
            "identity",
            identity(frame),
            [
                gxe.ExpectTableRowCountToBeBetween(min_value=1),
                gxe.ExpectColumnValuesToBeBetween(
                    column=column, min_value=-TOLERANCE_USD_MN, max_value=TOLERANCE_USD_MN
                ),
            ],
            index_columns=["period_end"],
        ),
    ]


API_KEY = ["type_of_investment", "period_end", "frequency"]


def api_identity(frame: pd.DataFrame) -> pd.DataFrame:
    positions = (
        frame.pivot_table(
            index=["period_end", "frequency"], columns="type_of_investment", values="value_usd_mn", aggfunc="sum"
        )
        .reindex(columns=["Net", "FinAssets", "FinLiabs"])
        .dropna()
    )
    table = positions.assign(
        net_minus_assets_less_liabilities_usd_mn=positions["Net"] - (positions["FinAssets"] - positions["FinLiabs"])
    )
    return table[["net_minus_assets_less_liabilities_usd_mn"]].reset_index()


def checks_api(frame: pd.DataFrame) -> list[Check]:
    rows = [
        *table_shape([*API_COLUMNS, "vintage"], API_KEY),
        gxe.ExpectColumnValuesToBeBetween(column="value_usd_mn", min_value=-MAX_ABS_USD_MN, max_value=MAX_ABS_USD_MN),
    ]
    positions = Check("positions", frame, rows, index_columns=[c for c in API_KEY if c in frame.columns])
    if not has_columns(frame, API_COLUMNS):
        return [positions]
    column = "net_minus_assets_less_liabilities_usd_mn"
    return [
        positions,
        anchors(frame, "type_of_investment", ["Net", "FinAssets", "FinLiabs"]),
        Check(
            "identity",
            api_identity(frame),
            [gxe.ExpectColumnValuesToBeBetween(column=column, min_value=-TOLERANCE_USD_MN, max_value=TOLERANCE_USD_MN)],
            index_columns=["period_end", "frequency"],
        ),
    ]
