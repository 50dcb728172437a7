"""Expectations for TIC major foreign holders (mfhhis01.txt), in $bn."""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from treasury_warehouse.ingest.parsers.tic_mfh import COLUMNS
from treasury_warehouse.ingest.quality import Check
from treasury_warehouse.ingest.suites.common import (
    DATETIME_TYPES,
    FLOAT_TYPES,
    anchors,
    bounds,
    no_gaps,
    period_gaps,
)

KEY = ["country", "period_month", "series"]
# Up to ~45 rows rounded to $0.1bn each are summed; the publisher's own primary
# series reconcile within $0.5bn. Comparison-only columns (old series at a break)
# are published as-is and not reconciled.
TOTAL_TOLERANCE_USD_BN = 1.0
ANCHOR_HOLDERS = {"Japan", "China, Mainland", "All Other", "Grand Total"}
ROW_KINDS = {"country", "regional_group", "all_other", "grand_total", "of_which"}


def reconciliation(frame: pd.DataFrame) -> pd.DataFrame:
    """Per month of the primary series: holders plus All Other, and official holdings,
    against the Grand Total."""
    primary = frame[~frame["is_comparison_only"]]
    parts = primary[primary["row_kind"].isin(["country", "regional_group", "all_other"])]
    components = parts.groupby(["period_month", "series"])["holdings_usd_bn"].sum().rename("components_usd_bn")
    totals = (
        primary[primary["row_kind"] == "grand_total"]
        .set_index(["period_month", "series"])["holdings_usd_bn"]
        .rename("grand_total_usd_bn")
    )
    official = (
        primary[primary["country"] == "For. Official"]
        .set_index(["period_month", "series"])["holdings_usd_bn"]
        .rename("official_usd_bn")
    )
    table = pd.concat([components, totals, official], axis=1).reset_index()
    table["difference_usd_bn"] = (table["components_usd_bn"] - table["grand_total_usd_bn"]).round(6)
    return table


def checks(frame: pd.DataFrame) -> list[Check]:
    rows = [
        gxe.ExpectTableColumnsToMatchSet(column_set=COLUMNS, exact_match=True),
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        *[gxe.ExpectColumnValuesToNotBeNull(column=c) for c in [*KEY, "vintage", "row_kind"]],
        gxe.ExpectColumnValuesToBeInTypeList(column="holdings_usd_bn", type_list=FLOAT_TYPES),
        gxe.ExpectColumnValuesToBeInTypeList(column="period_month", type_list=DATETIME_TYPES),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=KEY),
        *bounds("tic_mfh"),
        gxe.ExpectColumnValuesToNotBeNull(
            column="holdings_usd_bn", row_condition="is_below_threshold == False", condition_parser="pandas"
        ),
        gxe.ExpectColumnValuesToBeInSet(column="row_kind", value_set=sorted(ROW_KINDS)),
    ]
    holdings = Check("holdings", frame, rows, index_columns=[c for c in KEY if c in frame.columns])
    if not set(COLUMNS) <= set(frame.columns):
        # The derived tables need every column; the schema expectation names what is missing.
        return [holdings]
    return [
        holdings,
        anchors(frame, "country", sorted(ANCHOR_HOLDERS)),
        Check(
            "totals",
            reconciliation(frame),
            [
                gxe.ExpectColumnValuesToNotBeNull(column="grand_total_usd_bn"),
                gxe.ExpectColumnValuesToBeBetween(
                    column="difference_usd_bn", min_value=-TOTAL_TOLERANCE_USD_BN, max_value=TOTAL_TOLERANCE_USD_BN
                ),
                # Foreign official holdings are part of the total, never more.
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="grand_total_usd_bn", column_B="official_usd_bn", or_equal=True
                ),
            ],
            index_columns=["period_month", "series"],
        ),
        Check(
            "months",
            period_gaps(frame.loc[~frame["is_comparison_only"], "period_month"]),
            no_gaps(),
            index_columns=["period"],
        ),
    ]
