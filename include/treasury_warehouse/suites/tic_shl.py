"""Expectations for the TIC annual survey history (shlhistdat.txt), in $mn."""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from treasury_warehouse.parsers.tic_shl import COLUMNS
from treasury_warehouse.quality import Check
from treasury_warehouse.suites.common import anchors, has_columns, table_shape

KEY = ["country_code", "survey_date", "maturity", "asset_class"]
MAX_HOLDINGS_USD_MN = 100_000_000  # all foreign holdings were ~$31tn in 2024
GRAND_TOTAL = "99996"
ANCHOR_CODES = {GRAND_TOTAL, "41408", "42609", "13005"}  # Total, China, Japan, United Kingdom
TOLERANCE_USD_MN = 5.0


def totals(frame: pd.DataFrame) -> pd.DataFrame:
    """For the grand total of each survey with a short-term split (2002 on): total securities
    against equity + long-term debt + short-term debt, and long-term debt against its parts."""
    grand = frame[frame["country_code"] == GRAND_TOTAL].pivot_table(
        index="survey_date", columns=["maturity", "asset_class"], values="holdings_usd_mn", aggfunc="sum"
    )
    if ("short_term", "debt") not in grand.columns:
        return pd.DataFrame(columns=["survey_date", "total_difference_usd_mn", "long_term_debt_difference_usd_mn"])
    grand = grand[grand[("short_term", "debt")].notna()]
    table = pd.DataFrame(index=grand.index)
    table["total_difference_usd_mn"] = (
        grand[("long_term", "equity")] + grand[("long_term", "debt")] + grand[("short_term", "debt")]
    ) - grand[("total", "total")]
    table["long_term_debt_difference_usd_mn"] = (
        grand[("long_term", "treasury")] + grand[("long_term", "agency")] + grand[("long_term", "corporate")]
    ) - grand[("long_term", "debt")]
    return table.reset_index()


def checks(frame: pd.DataFrame) -> list[Check]:
    rows = [
        *table_shape(COLUMNS, KEY),
        gxe.ExpectColumnValuesToMatchRegex(column="country_code", regex=r"^\d{5}$"),
        gxe.ExpectColumnValuesToBeInSet(column="maturity", value_set=["total", "long_term", "short_term"]),
        gxe.ExpectColumnValuesToBeInSet(
            column="asset_class", value_set=["total", "equity", "debt", "treasury", "agency", "corporate"]
        ),
        gxe.ExpectColumnValuesToBeBetween(column="holdings_usd_mn", min_value=0, max_value=MAX_HOLDINGS_USD_MN),
        gxe.ExpectColumnValuesToNotBeNull(
            column="holdings_usd_mn", row_condition="is_below_threshold == False", condition_parser="pandas"
        ),
    ]
    holdings = Check("holdings", frame, rows, index_columns=[c for c in ["country", *KEY] if c in frame.columns])
    if not has_columns(frame, COLUMNS):
        return [holdings]
    differences = ["total_difference_usd_mn", "long_term_debt_difference_usd_mn"]
    return [
        holdings,
        anchors(frame, "country_code", sorted(ANCHOR_CODES)),
        Check(
            "totals",
            totals(frame),
            [
                gxe.ExpectTableRowCountToBeBetween(min_value=1),
                *[
                    gxe.ExpectColumnValuesToBeBetween(column=c, min_value=-TOLERANCE_USD_MN, max_value=TOLERANCE_USD_MN)
                    for c in differences
                ],
            ],
            index_columns=["survey_date"],
        ),
    ]
