"""Expectations for Fiscal Data: what the publisher guarantees about its own tables.

MSPD summary: held by the public + intragovernmental = total on every row; the
marketable classes add up to Total Marketable and the two types to the grand total.
Table III: the securities of each class add up to its subtotal, the subtotals (and the
Federal Financing Bank) to Total Marketable, and every security listed matures after the
record date. Debt to the Penny: the same split on every day. Amounts are in $mn, each within the range
its registry entry declares.
"""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from treasury_warehouse.ingest.parsers.fiscal import DETAIL_COLUMNS, PENNY_COLUMNS, SUMMARY_COLUMNS
from treasury_warehouse.ingest.quality import Check
from treasury_warehouse.ingest.suites.common import DATETIME_TYPES, anchors, bounds, has_columns, table_shape

# Table III's amounts carry up to 8 decimals and its sums agree to a cent of a million;
# the summary's lines were rounded to the million in many months, and its sums are off by
# up to $2mn there.
TOLERANCE_USD_MN = 0.05
SUMMARY_TOLERANCE_USD_MN = 3.0
PENNY_TOLERANCE_USD_MN = 0.001  # dollars and cents, summed exactly


def _between(column: str, tolerance: float) -> object:
    return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=-tolerance, max_value=tolerance)


def summary_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Per month: marketable classes against Total Marketable, and the two type totals
    against the grand total, for each of the three amount columns."""
    records = []
    for column in ["held_by_public_usd_mn", "intragovernmental_usd_mn", "total_usd_mn"]:
        classes = frame[(frame["row_kind"] == "class") & (frame["security_type"] == "Marketable")]
        summed = classes.groupby("record_date")[column].sum()
        marketable = frame[frame["security_type"] == "Total Marketable"].set_index("record_date")[column]
        types = frame[frame["row_kind"] == "type_total"].groupby("record_date")[column].sum()
        grand = frame[frame["row_kind"] == "grand_total"].set_index("record_date")[column]
        table = pd.DataFrame(
            {
                "marketable_classes_minus_total_usd_mn": summed - marketable,
                "types_minus_grand_total_usd_mn": types - grand,
            }
        )
        records.append(table.rename_axis("record_date").reset_index().assign(amount=column))
    return pd.concat(records, ignore_index=True)


def checks_mspd_summary(frame: pd.DataFrame) -> list[Check]:
    key = ["record_date", "security_type", "security_class"]
    amounts = ["held_by_public_usd_mn", "intragovernmental_usd_mn", "total_usd_mn"]
    rows = [
        *table_shape([*SUMMARY_COLUMNS, "vintage"], key),
        gxe.ExpectColumnValuesToBeInTypeList(column="record_date", type_list=DATETIME_TYPES),
        gxe.ExpectColumnValuesToBeInSet(column="row_kind", value_set=["class", "type_total", "grand_total"]),
        *[gxe.ExpectColumnValuesToNotBeNull(column=c) for c in amounts],
        *bounds("fiscal_mspd_summary"),
    ]
    table = Check("rows", frame, rows, index_columns=[c for c in key if c in frame.columns])
    if not has_columns(frame, SUMMARY_COLUMNS):
        return [table]
    split = frame[key].assign(
        split_minus_total_usd_mn=frame["held_by_public_usd_mn"]
        + frame["intragovernmental_usd_mn"]
        - frame["total_usd_mn"]
    )
    months = frame[frame["row_kind"] == "grand_total"]["record_date"]
    steps = pd.DataFrame({"record_date": pd.to_datetime(pd.Series(sorted(months), dtype=object))})
    steps["months_since_previous"] = (
        (steps["record_date"].dt.year * 12 + steps["record_date"].dt.month).diff().fillna(1).astype("int64")
    )
    differences = ["marketable_classes_minus_total_usd_mn", "types_minus_grand_total_usd_mn"]
    return [
        table,
        anchors(frame, "security_type", ["Marketable", "Total Marketable", "Nonmarketable", "Total Nonmarketable"]),
        Check("split", split, [_between("split_minus_total_usd_mn", SUMMARY_TOLERANCE_USD_MN)], index_columns=key),
        Check(
            "totals",
            summary_totals(frame),
            [
                gxe.ExpectTableRowCountToBeBetween(min_value=1),
                *[gxe.ExpectColumnValuesToNotBeNull(column=c) for c in differences],
                *[_between(c, SUMMARY_TOLERANCE_USD_MN) for c in differences],
            ],
            index_columns=["record_date", "amount"],
        ),
        Check(
            "months",
            steps,
            [
                gxe.ExpectColumnValuesToBeUnique(column="record_date"),
                gxe.ExpectColumnValuesToBeBetween(column="months_since_previous", min_value=1, max_value=1),
            ],
            index_columns=["record_date"],
        ),
    ]


def checks_debt_penny(frame: pd.DataFrame) -> list[Check]:
    amounts = ["held_by_public_usd_mn", "intragovernmental_usd_mn", "total_usd_mn"]
    rows = [
        *table_shape([*PENNY_COLUMNS, "vintage"], ["record_date"]),
        *[gxe.ExpectColumnValuesToNotBeNull(column=c) for c in amounts],
        *bounds("fiscal_debt_penny"),
        # Above $1tn in total: a figure in millions read as dollars would be ~$0.04.
        gxe.ExpectColumnValuesToBeBetween(column="total_usd_mn", min_value=1_000_000),
    ]
    table = Check("days", frame, rows, index_columns=["record_date"] if "record_date" in frame.columns else [])
    if not has_columns(frame, PENNY_COLUMNS):
        return [table]
    split = frame[["record_date"]].assign(
        split_minus_total_usd_mn=frame["held_by_public_usd_mn"]
        + frame["intragovernmental_usd_mn"]
        - frame["total_usd_mn"]
    )
    return [
        table,
        Check("split", split, [_between("split_minus_total_usd_mn", PENNY_TOLERANCE_USD_MN)], ["record_date"]),
    ]


def detail_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Per record date and class: its securities against its unmatured subtotal (or its
    class total where the publisher prints no matured split); and the class totals plus
    the Federal Financing Bank against Total Marketable."""
    records = []
    for (date, security_class), rows in frame.groupby(["record_date", "security_class"]):
        if security_class in ("total_marketable", "federal_financing_bank"):
            continue
        securities = rows.loc[rows["row_kind"] == "security", "outstanding_usd_mn"].sum()
        subtotal = rows.loc[rows["row_kind"] == "unmatured_total", "outstanding_usd_mn"]
        if subtotal.empty:
            subtotal = rows.loc[rows["row_kind"] == "class_total", "outstanding_usd_mn"]
        records.append((date, security_class, securities - (subtotal.iloc[0] if len(subtotal) else float("nan"))))
    classes = pd.DataFrame(records, columns=["record_date", "line", "difference_usd_mn"])
    parts = frame[frame["row_kind"].isin(["class_total"]) | (frame["security_class"] == "federal_financing_bank")]
    marketable = frame[frame["row_kind"] == "marketable_total"].set_index("record_date")["outstanding_usd_mn"]
    summed = parts.groupby("record_date")["outstanding_usd_mn"].sum()
    total = (summed - marketable).rename("difference_usd_mn").rename_axis("record_date").reset_index()
    return pd.concat([classes, total.assign(line="total_marketable")], ignore_index=True)


def checks_mspd_detail(frame: pd.DataFrame) -> list[Check]:
    rows = [
        gxe.ExpectTableColumnsToMatchSet(column_set=[*DETAIL_COLUMNS, "vintage"], exact_match=True),
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToNotBeNull(column="record_date"),
        gxe.ExpectColumnValuesToMatchRegex(column="cusip", regex=r"^[0-9A-Z]{9}$"),
        gxe.ExpectColumnValuesToBeInSet(
            column="row_kind",
            value_set=["security", "unmatured_total", "matured_total", "class_total", "marketable_total", "class_line"],
        ),
        *bounds("fiscal_mspd_detail"),
    ]
    table = Check(
        "lines", frame, rows, index_columns=[c for c in ["line_label", "maturity_date"] if c in frame.columns]
    )
    if not has_columns(frame, DETAIL_COLUMNS):
        return [table]
    securities = frame[frame["row_kind"] == "security"]
    maturing = securities[["record_date", "cusip", "maturity_date"]].assign(
        days_to_maturity=(securities["maturity_date"] - securities["record_date"]).dt.days
    )
    # Each security's amount is printed once (a reopening's extra row has none).
    listed = securities[securities["outstanding_usd_mn"].notna()][["record_date", "cusip", "maturity_date"]]
    dates = frame[["record_date"]].drop_duplicates()
    totals = detail_totals(frame)
    return [
        table,
        anchors(frame, "security_class", ["bills", "notes", "bonds", "tips", "frn", "total_marketable"]),
        Check(
            "record_dates",
            dates,
            [gxe.ExpectTableRowCountToBeBetween(min_value=1, max_value=1)],  # one snapshot per file
        ),
        Check(
            "securities",
            listed,
            [gxe.ExpectCompoundColumnsToBeUnique(column_list=["record_date", "cusip"])],
            index_columns=["cusip", "maturity_date"],
        ),
        Check(
            "maturities",
            maturing,
            [
                gxe.ExpectColumnValuesToNotBeNull(column="maturity_date"),
                # Matured securities are only in the "Total Matured" lines: every listed one is unmatured.
                gxe.ExpectColumnValuesToBeBetween(column="days_to_maturity", min_value=1),
            ],
            index_columns=["cusip", "maturity_date"],
        ),
        Check(
            "totals",
            totals,
            [
                gxe.ExpectTableRowCountToBeBetween(min_value=1),
                gxe.ExpectColumnValuesToNotBeNull(column="difference_usd_mn"),
                _between("difference_usd_mn", TOLERANCE_USD_MN),
            ],
            index_columns=["record_date", "line"],
        ),
    ]
