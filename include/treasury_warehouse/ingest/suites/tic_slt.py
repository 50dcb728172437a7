"""Expectations for TIC SLT Table 1 (slt_table1.txt), in $mn."""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from treasury_warehouse.ingest.parsers.tic_slt import ASSET_CLASSES, MEASURES, VALUE_COLUMNS
from treasury_warehouse.ingest.quality import Check
from treasury_warehouse.ingest.suites.common import (
    DATETIME_TYPES,
    anchors,
    bounds,
    has_columns,
    no_gaps,
    period_gaps,
    table_shape,
)

KEY = ["country_code", "period_month"]
COLUMNS = ["country", "country_code", "row_kind", "period_month", *(f"{c}_usd_mn" for c in VALUE_COLUMNS), "vintage"]
ANCHOR_CODES = {"99996", "69995", "41408", "42609", "13005"}  # Grand Total, All Countries, China, Japan, UK
REGION_TOTAL_CODES = ["19992", "29998", "34401", "39942", "49999", "59994", "69906"]
ALL_COUNTRIES, IROS, GRAND_TOTAL = "69995", "79995", "99996"
# Figures are rounded to $1mn; the publisher's own sums agree within a few $mn.
TOLERANCE_USD_MN = 5.0
NET_REPORTED_FROM = "2023-02-01"


def totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Per month: regions against All Countries, All Countries + IROs against the Grand Total."""
    positions = frame.pivot_table(
        index="period_month", columns="country_code", values="for_lt_treas_pos_usd_mn", aggfunc="sum"
    ).reindex(columns=sorted({*REGION_TOTAL_CODES, ALL_COUNTRIES, IROS, GRAND_TOTAL}))
    table = pd.DataFrame(index=positions.index)
    table["regions_minus_all_countries_usd_mn"] = positions[REGION_TOTAL_CODES].sum(axis=1) - positions[ALL_COUNTRIES]
    table["all_countries_plus_iros_minus_grand_total_usd_mn"] = (
        positions[ALL_COUNTRIES] + positions[IROS] - positions[GRAND_TOTAL]
    )
    return table.reset_index()


def classes(frame: pd.DataFrame) -> pd.DataFrame:
    """Every row (country, region, memo, total): Treasuries + agency + corporate + equity
    against the total, for positions, net purchases and valuation changes."""
    table = frame[["country", "country_code", "period_month"]].copy()
    for measure in MEASURES:
        parts = [f"for_lt_{a}_{measure}_usd_mn" for a in ASSET_CLASSES if a != "total"]
        total = frame[f"for_lt_total_{measure}_usd_mn"]
        # Where a part is suppressed ("n.a.") the row cannot be checked, only where all are printed.
        printed = frame[[*parts, f"for_lt_total_{measure}_usd_mn"]].notna().all(axis=1)
        table[f"{measure}_classes_minus_total_usd_mn"] = (frame[parts].sum(axis=1) - total).where(printed, 0.0)
    return table


def regions(frame: pd.DataFrame) -> pd.DataFrame:
    """Per region and month: the countries the table lists under it against its total.

    The table lists each region's countries just above its total line (Canada is its own
    region), and not every country is listed, so the total is at least their sum."""
    region_of: dict[str, str] = {}
    members: list[str] = []
    for code, kind in frame[["country_code", "row_kind"]].drop_duplicates("country_code").itertuples(index=False):
        if code in REGION_TOTAL_CODES:
            region_of.update(dict.fromkeys(members or [code], code))
            members = []
        elif kind == "country":
            members.append(code)
    region = frame["country_code"].map(region_of)
    parts = frame.assign(region_code=region)[region.notna() & (frame["country_code"] != region)]
    value_columns = [f"for_lt_{a}_pos_usd_mn" for a in ASSET_CLASSES]
    summed = parts.groupby(["region_code", "period_month"])[value_columns].sum()
    totals_ = frame[frame["country_code"].isin(REGION_TOTAL_CODES)].set_index(["country_code", "period_month"])
    totals_.index.names = ["region_code", "period_month"]
    table = pd.DataFrame(index=summed.index)
    for column in value_columns:
        table[column.replace("_pos_usd_mn", "_total_minus_countries_usd_mn")] = (
            totals_[column].reindex(summed.index) - summed[column]
        )
    return table.reset_index()


def checks(frame: pd.DataFrame) -> list[Check]:
    rows = [
        *table_shape(COLUMNS, KEY),
        gxe.ExpectColumnValuesToBeInTypeList(column="period_month", type_list=DATETIME_TYPES),
        gxe.ExpectColumnValuesToMatchRegex(column="country_code", regex=r"^\d{5}$"),
        gxe.ExpectColumnValuesToBeInSet(
            column="row_kind",
            value_set=["country", "region_total", "memo", "grand_total", "of_which", "international_org"],
        ),
        *bounds("tic_slt"),
        # Small holders are sometimes suppressed ("n.a.") for confidentiality.
        gxe.ExpectColumnValuesToNotBeNull(
            column="for_lt_treas_pos_usd_mn",
            row_condition='row_kind == "country"',
            condition_parser="pandas",
            mostly=0.9,
        ),
        # Net purchases are published from 2023-02; before that they must be blank.
        gxe.ExpectColumnValuesToNotBeNull(
            column="for_lt_treas_net_usd_mn",
            row_condition=f'row_kind == "country" and period_month >= "{NET_REPORTED_FROM}"',
            condition_parser="pandas",
            mostly=0.95,
        ),
        gxe.ExpectColumnValuesToBeNull(
            column="for_lt_treas_net_usd_mn",
            row_condition=f'period_month < "{NET_REPORTED_FROM}"',
            condition_parser="pandas",
        ),
    ]
    holdings = Check("holdings", frame, rows, index_columns=[c for c in ["country", *KEY] if c in frame.columns])
    if not has_columns(frame, COLUMNS):
        return [holdings]
    differences = ["regions_minus_all_countries_usd_mn", "all_countries_plus_iros_minus_grand_total_usd_mn"]
    class_differences = [f"{m}_classes_minus_total_usd_mn" for m in MEASURES]
    region_remainders = [f"for_lt_{a}_total_minus_countries_usd_mn" for a in ASSET_CLASSES]
    return [
        holdings,
        anchors(frame, "country_code", sorted(ANCHOR_CODES)),
        Check(
            "totals",
            totals(frame),
            [
                *[gxe.ExpectColumnValuesToNotBeNull(column=c) for c in differences],
                *[
                    gxe.ExpectColumnValuesToBeBetween(column=c, min_value=-TOLERANCE_USD_MN, max_value=TOLERANCE_USD_MN)
                    for c in differences
                ],
            ],
            index_columns=["period_month"],
        ),
        Check(
            "classes",
            classes(frame),
            [
                gxe.ExpectColumnValuesToBeBetween(column=c, min_value=-TOLERANCE_USD_MN, max_value=TOLERANCE_USD_MN)
                for c in class_differences
            ],
            index_columns=["country", "country_code", "period_month"],
        ),
        Check(
            "regions",
            regions(frame),
            [
                gxe.ExpectTableRowCountToBeBetween(min_value=1),
                *[gxe.ExpectColumnValuesToBeBetween(column=c, min_value=-TOLERANCE_USD_MN) for c in region_remainders],
            ],
            index_columns=["region_code", "period_month"],
        ),
        Check("months", period_gaps(frame["period_month"]), no_gaps(), index_columns=["period"]),
    ]
