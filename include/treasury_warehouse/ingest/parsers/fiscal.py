"""Parsers for Fiscal Data (US Treasury, Bureau of the Fiscal Service): the Monthly
Statement of the Public Debt (summary and Table III detail) and Debt to the Penny.

Each reads both shapes the publisher serves: the API's JSON (``{"data": [...], "meta":
..., "links": ...}``, every value a string, ``"null"`` for missing; pages are merged by
the fetch) and the site's CSV download (UTF-8 BOM, display labels as headers, no
trailing newline). Amounts come out in $mn with the unit in the column name; Debt to the
Penny is published in dollars and is divided by 1e6.
"""

from __future__ import annotations

import csv
import io
import json

import pandas as pd

from treasury_warehouse.errors import ParseError
from treasury_warehouse.ingest.parsers.common import decode_text

SUMMARY_SOURCE = "fiscal_mspd_summary"
DETAIL_SOURCE = "fiscal_mspd_detail"
PENNY_SOURCE = "fiscal_debt_penny"
MISSING = {"null", ""}
BELOW_HALF_MILLION = "*"

SUMMARY_FIELDS = {
    "record_date": "Record Date",
    "security_type_desc": "Security Type Description",
    "security_class_desc": "Security Class Description",
    "debt_held_public_mil_amt": "Debt Held by the Public (in Millions)",
    "intragov_hold_mil_amt": "Intragovernmental Holdings (in Millions)",
    "total_mil_amt": "Total Public Debt Outstanding (in Millions)",
}
SUMMARY_COLUMNS = [
    "record_date",
    "security_type",
    "security_class",
    "row_kind",
    "held_by_public_usd_mn",
    "intragovernmental_usd_mn",
    "total_usd_mn",
]
PENNY_FIELDS = {
    "record_date": "Record Date",
    "debt_held_public_amt": "Debt Held by the Public",
    "intragov_hold_amt": "Intragovernmental Holdings",
    "tot_pub_debt_out_amt": "Total Public Debt Outstanding",
}
PENNY_COLUMNS = ["record_date", "held_by_public_usd_mn", "intragovernmental_usd_mn", "total_usd_mn"]
DETAIL_FIELDS = [
    "record_date",
    "security_type_desc",
    "security_class1_desc",
    "security_class2_desc",
    "maturity_date",
    "outstanding_amt",
]
DETAIL_COLUMNS = [
    "record_date",
    "security_class",
    "security_class_label",
    "line_label",
    "cusip",
    "row_kind",
    "maturity_date",
    "outstanding_usd_mn",
    "is_below_half_million",
]
# Table III's marketable classes (security_class1_desc) -> the warehouse's class names.
DETAIL_CLASSES = {
    "Bills Maturity Value": "bills",
    "Notes": "notes",
    "Bonds": "bonds",
    "Inflation-Protected Securities": "tips",
    "Floating Rate Notes": "frn",
    "Federal Financing Bank": "federal_financing_bank",
    "Total Marketable": "total_marketable",
}


def _records(content: bytes, source: str, file: str, fields: dict[str, str]) -> pd.DataFrame:
    """The rows as strings under the API's field names, from the JSON or the CSV download."""
    text = decode_text(content, source, file)
    if text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParseError(source, file, "json", f"not a Fiscal Data API answer: {exc}") from None
        if not isinstance(document, dict) or not isinstance(document.get("data"), list):
            raise ParseError(source, file, "json", "no 'data' list: not a Fiscal Data API answer")
        frame = pd.DataFrame(document["data"], dtype=str)
        missing = sorted(set(fields) - set(frame.columns))
        if missing or frame.empty:
            raise ParseError(source, file, "fields", f"the answer lacks {missing or 'rows'}")
        return frame[list(fields)]
    rows = list(csv.reader(io.StringIO(text)))
    width = len(rows[0]) if rows else 0
    for number, row in enumerate(rows[1:], start=2):
        if row and len(row) != width:  # shifted columns: a value with a comma, a cell dropped
            raise ParseError(source, f"{file} line {number}", "row_width", f"{len(row)} cells, the header has {width}")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    labels = {label: name for name, label in fields.items()}
    missing = sorted(set(labels) - set(frame.columns))
    if missing:
        raise ParseError(source, f"{file} line 1", "header", f"missing {missing}; found {list(frame.columns)}")
    if frame.empty:
        raise ParseError(source, file, "rows", "no rows below the header")
    return frame[list(labels)].rename(columns=labels)


def _dates(values: pd.Series, source: str, file: str, column: str) -> pd.Series:
    dates = pd.to_datetime(values.str.strip(), format="%Y-%m-%d", errors="coerce")
    bad = dates.isna() & ~values.str.strip().isin(MISSING)
    if bad.any():
        first = int(bad.to_numpy().nonzero()[0][0])
        raise ParseError(
            source, f"{file} row {first + 1}", "date", f"{column}: expected YYYY-MM-DD, found {values.iloc[first]!r}"
        )
    return dates


def _amounts(values: pd.Series, source: str, file: str, column: str, divisor: float = 1.0) -> pd.Series:
    raw = values.str.strip()
    numbers = pd.to_numeric(
        raw.str.replace(",", "", regex=False).where(~raw.isin(MISSING | {BELOW_HALF_MILLION})), errors="coerce"
    )
    bad = numbers.isna() & ~raw.isin(MISSING | {BELOW_HALF_MILLION})
    if bad.any():
        first = int(bad.to_numpy().nonzero()[0][0])
        raise ParseError(
            source, f"{file} row {first + 1}", "numeric_cell", f"{column}: expected a number, found {raw.iloc[first]!r}"
        )
    return (numbers / divisor).astype("float64")


def parse_mspd_summary(content: bytes, file: str = "mspd_table_1.json") -> pd.DataFrame:
    rows = _records(content, SUMMARY_SOURCE, file, SUMMARY_FIELDS)
    security_type = rows["security_type_desc"].str.strip()
    security_class = rows["security_class_desc"].str.strip().replace({"_": "", "null": ""})
    kind = pd.Series("class", index=rows.index)
    kind[security_type.str.startswith("Total ")] = "type_total"
    # The grand total was "Total Treasury Securities Outstanding" until 2001-02.
    kind[security_type.isin(["Total Public Debt Outstanding", "Total Treasury Securities Outstanding"])] = "grand_total"
    return pd.DataFrame(
        {
            "record_date": _dates(rows["record_date"], SUMMARY_SOURCE, file, "record_date"),
            "security_type": security_type,
            "security_class": security_class,
            "row_kind": kind,
            "held_by_public_usd_mn": _amounts(
                rows["debt_held_public_mil_amt"], SUMMARY_SOURCE, file, "held by the public"
            ),
            "intragovernmental_usd_mn": _amounts(
                rows["intragov_hold_mil_amt"], SUMMARY_SOURCE, file, "intragovernmental"
            ),
            "total_usd_mn": _amounts(rows["total_mil_amt"], SUMMARY_SOURCE, file, "total"),
        }
    )


def parse_debt_penny(content: bytes, file: str = "debt_to_penny.json") -> pd.DataFrame:
    """Daily totals; the publisher's dollars become $mn."""
    rows = _records(content, PENNY_SOURCE, file, PENNY_FIELDS)
    frame = pd.DataFrame(
        {
            "record_date": _dates(rows["record_date"], PENNY_SOURCE, file, "record_date"),
            "held_by_public_usd_mn": _amounts(
                rows["debt_held_public_amt"], PENNY_SOURCE, file, "held by the public", 1e6
            ),
            "intragovernmental_usd_mn": _amounts(
                rows["intragov_hold_amt"], PENNY_SOURCE, file, "intragovernmental", 1e6
            ),
            "total_usd_mn": _amounts(rows["tot_pub_debt_out_amt"], PENNY_SOURCE, file, "total", 1e6),
        }
    )
    return frame.sort_values("record_date", ignore_index=True)


def parse_mspd_detail(content: bytes, file: str = "mspd_table_3.json") -> pd.DataFrame:
    """Table III's marketable part: one row per security (CUSIP) with its maturity and the
    amount outstanding, plus the subtotal lines the publisher prints. A reopened issue's
    second row, which has no amount, is kept with a null amount: summing the amounts gives
    the class subtotals."""
    rows = _records(content, DETAIL_SOURCE, file, dict.fromkeys(DETAIL_FIELDS, ""))
    rows = rows[rows["security_type_desc"].str.strip() == "Marketable"]
    if rows.empty:
        raise ParseError(DETAIL_SOURCE, file, "rows", "no Marketable rows")
    label = rows["security_class1_desc"].str.strip()
    unknown = sorted(set(label) - set(DETAIL_CLASSES))
    if unknown:
        raise ParseError(DETAIL_SOURCE, file, "security_class", f"unknown marketable classes {unknown}")
    line = rows["security_class2_desc"].str.strip().replace({"null": ""})
    is_cusip = line.str.fullmatch(r"[0-9A-Z]{9}")
    kind = pd.Series("class_line", index=rows.index)
    kind[is_cusip] = "security"
    kind[line.str.startswith("Total Unmatured")] = "unmatured_total"
    kind[line.str.startswith("Total Matured")] = "matured_total"
    kind[line.str.startswith("Total Treasury")] = "class_total"
    kind[label == "Total Marketable"] = "marketable_total"
    amount = rows["outstanding_amt"].str.strip()
    return pd.DataFrame(
        {
            "record_date": _dates(rows["record_date"], DETAIL_SOURCE, file, "record_date"),
            "security_class": label.map(DETAIL_CLASSES),
            "security_class_label": label,
            "line_label": line,
            "cusip": line.where(is_cusip),
            "row_kind": kind,
            "maturity_date": _dates(rows["maturity_date"], DETAIL_SOURCE, file, "maturity_date"),
            "outstanding_usd_mn": _amounts(amount, DETAIL_SOURCE, file, "outstanding_amt"),
            "is_below_half_million": amount == BELOW_HALF_MILLION,
        }
    ).reset_index(drop=True)
