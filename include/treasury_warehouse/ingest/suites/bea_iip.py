"""Expectations for BEA international investment position tables, in $mn."""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from treasury_warehouse.ingest.parsers.bea_iip import API_COLUMNS, COLUMNS
from treasury_warehouse.ingest.quality import Check
from treasury_warehouse.ingest.suites.common import anchors, bounds, has_columns, table_shape

KEY = ["table_line", "period_end"]
NET = 1
TOLERANCE_USD_MN = 2.0


# Every sum Table 1.2 prints, as (lines added, lines subtracted) per subtotal line: the
# formulas in its labels ("line 4 less line 36") and the indented components below each line.
SUBTOTALS: dict[int, tuple[list[int], list[int]]] = {
    1: ([4], [36]),
    2: ([5], [37]),
    3: ([6], [38]),
    4: ([5, 6], []),
    5: ([7, 10, 21, 27], []),
    6: ([15], []),
    7: ([8, 9], []),
    10: ([11, 12], []),
    12: ([13, 14], []),
    15: ([16, 20], []),
    16: ([17, 18, 19], []),
    21: ([22, 23, 24, 25, 26], []),
    27: ([28, 29, 30, 31], []),
    31: ([32, 33, 34, 35], []),
    36: ([37, 38], []),
    37: ([39, 42, 57], []),
    38: ([51], []),
    39: ([40, 41], []),
    42: ([43, 44], []),
    44: ([45, 48], []),
    45: ([46, 47], []),
    48: ([49, 50], []),
    51: ([52, 56], []),
    52: ([53, 54, 55], []),
    57: ([58, 59, 60, 61, 62, 63], []),
}
TABLE_LINES = sorted({line for parent, (plus, minus) in SUBTOTALS.items() for line in (parent, *plus, *minus)})


def identity(frame: pd.DataFrame) -> pd.DataFrame:
    """Per subtotal line and period: the line less the sum of its parts, where every part is
    printed. A component the table never fills ("n.a." in every period, or "....." and so
    no row) counts as zero, so a component line that disappears shows as a difference."""
    cells = frame.pivot_table(index="period_end", columns="table_line", values="value_usd_mn", aggfunc="first")
    never_printed = [line for line in TABLE_LINES if line not in cells.columns or cells[line].isna().all()]
    cells = cells.reindex(columns=TABLE_LINES)
    records = []
    for parent, (plus, minus) in SUBTOTALS.items():
        parts = [line for line in (*plus, *minus) if line not in never_printed]
        complete = cells[[parent, *parts]].notna().all(axis=1)
        difference = cells[plus].sum(axis=1) - cells[minus].sum(axis=1) - cells[parent]
        records.append(
            pd.DataFrame({"table_line": parent, "difference_usd_mn": difference[complete]}).rename_axis("period_end")
        )
    return pd.concat(records).reset_index()


def checks(frame: pd.DataFrame) -> list[Check]:
    rows = [
        *table_shape(COLUMNS, KEY),
        gxe.ExpectColumnValuesToBeInSet(column="position", value_set=["net", "assets", "liabilities"]),
        gxe.ExpectColumnValuesToBeInSet(column="frequency", value_set=["annual", "quarterly"]),
        *bounds("bea_iip_table"),
        gxe.ExpectColumnValuesToNotBeNull(
            column="value_usd_mn", row_condition=f"table_line == {NET}", condition_parser="pandas"
        ),
    ]
    table = Check("lines", frame, rows, index_columns=[c for c in ["line_label", *KEY] if c in frame.columns])
    if not has_columns(frame, COLUMNS):
        return [table]
    return [
        table,
        anchors(frame, "table_line", sorted(SUBTOTALS)),
        Check(
            "subtotals",
            identity(frame),
            [
                gxe.ExpectTableRowCountToBeBetween(min_value=1),
                gxe.ExpectColumnValuesToBeBetween(
                    column="difference_usd_mn", min_value=-TOLERANCE_USD_MN, max_value=TOLERANCE_USD_MN
                ),
            ],
            index_columns=["table_line", "period_end"],
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
        *bounds("bea_iip_api"),
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
