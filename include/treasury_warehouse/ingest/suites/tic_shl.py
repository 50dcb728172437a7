"""Expectations for the TIC annual survey history (shlhistdat.txt), in $mn."""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from treasury_warehouse.ingest.parsers.tic_shl import COLUMNS
from treasury_warehouse.ingest.quality import Check
from treasury_warehouse.ingest.suites.common import anchors, bounds, has_columns, listed, table_shape

KEY = ["country_code", "survey_date", "maturity", "asset_class"]
GRAND_TOTAL = "99996"
ANCHOR_CODES = {GRAND_TOTAL, "41408", "42609", "13005"}  # Total, China, Japan, United Kingdom
TOLERANCE_USD_MN = 5.0


# (identity, country code, survey date): small differences the publisher printed in the
# early surveys, tolerated by key; any other row must add up.
KNOWN_DIFFERENCES = {
    ("long_term_total_difference_usd_mn", code, date)
    for code, date in [
        ("13102", "1994-12-31"),  # Vatican City
        ("30708", "1994-12-31"),  # Cuba
        ("31305", "1994-12-31"),  # Guyana
        ("31607", "1978-12-31"),  # Jamaica
        ("32409", "1978-12-31"),  # Trinidad and Tobago
        ("46205", "1978-12-31"),  # Syria
        ("47104", "1994-12-31"),  # Yemen
        ("53805", "1994-12-31"),  # Mauritius
        ("54704", "1994-12-31"),  # Zimbabwe
        ("60704", "1994-12-31"),  # French Polynesia
    ]
}
IDENTITIES = {
    # Surveys with a short-term split (2002 on): total = long-term equity + long-term debt + short-term debt.
    "total_difference_usd_mn": ([("long_term", "equity"), ("long_term", "debt"), ("short_term", "debt")], "total"),
    "long_term_total_difference_usd_mn": ([("long_term", "equity"), ("long_term", "debt")], ("long_term", "total")),
    "long_term_debt_difference_usd_mn": (
        [("long_term", "treasury"), ("long_term", "agency"), ("long_term", "corporate")],
        ("long_term", "debt"),
    ),
    "short_term_debt_difference_usd_mn": (
        [("short_term", "treasury"), ("short_term", "agency"), ("short_term", "corporate")],
        ("short_term", "debt"),
    ),
}


def totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Per country (and total) row of each survey: every sum the table prints against its
    parts, where the parts are all printed. One row per (country, survey, identity)."""
    # "*" (below $0.5mn) counts as zero; "n.a." leaves the identity unchecked for that row.
    values = frame["holdings_usd_mn"].mask(frame["is_below_threshold"], 0.0)
    cells = frame.assign(holdings_usd_mn=values).pivot_table(
        index=["country_code", "survey_date"], columns=["maturity", "asset_class"], values="holdings_usd_mn"
    )
    records = []
    for name, (parts, total) in IDENTITIES.items():
        total_column = ("total", "total") if total == "total" else total
        needed = [*parts, total_column]
        if not set(needed) <= set(cells.columns):
            continue
        complete = cells[needed].dropna()
        difference = complete[parts].sum(axis=1) - complete[total_column]
        records.append(difference.rename("difference_usd_mn").reset_index().assign(identity=name))
    if not records:
        return pd.DataFrame(columns=["identity", "country_code", "survey_date", "difference_usd_mn", "is_known"])
    table = pd.concat(records, ignore_index=True)[["identity", "country_code", "survey_date", "difference_usd_mn"]]
    table["is_known"] = listed(table, ["identity", "country_code", "survey_date"], KNOWN_DIFFERENCES)
    return table


def checks(frame: pd.DataFrame) -> list[Check]:
    rows = [
        *table_shape(COLUMNS, KEY),
        gxe.ExpectColumnValuesToMatchRegex(column="country_code", regex=r"^\d{5}$"),
        gxe.ExpectColumnValuesToBeInSet(column="maturity", value_set=["total", "long_term", "short_term"]),
        gxe.ExpectColumnValuesToBeInSet(
            column="asset_class", value_set=["total", "equity", "debt", "treasury", "agency", "corporate"]
        ),
        *bounds("tic_shl"),
        gxe.ExpectColumnValuesToNotBeNull(
            column="holdings_usd_mn", row_condition="is_below_threshold == False", condition_parser="pandas"
        ),
    ]
    holdings = Check("holdings", frame, rows, index_columns=[c for c in ["country", *KEY] if c in frame.columns])
    if not has_columns(frame, COLUMNS):
        return [holdings]
    return [
        holdings,
        anchors(frame, "country_code", sorted(ANCHOR_CODES)),
        Check(
            "totals",
            totals(frame),
            [
                gxe.ExpectTableRowCountToBeBetween(min_value=1),
                gxe.ExpectColumnValuesToBeBetween(
                    column="difference_usd_mn",
                    min_value=-TOLERANCE_USD_MN,
                    max_value=TOLERANCE_USD_MN,
                    row_condition="is_known == False",
                    condition_parser="pandas",
                ),
            ],
            index_columns=["identity", "country_code", "survey_date"],
        ),
    ]
