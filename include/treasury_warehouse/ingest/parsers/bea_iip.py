"""Parser for BEA international investment position tables as downloaded from BEA's
interactive tables (Table 1.2, "U.S. Net International Investment Position at the End of
the Period, Expanded Detail"), in $mn.

Layout: title lines and a "Release Date:" line, the header ``Line,Type of investment,<periods>``
(years ``2022`` or quarters ``2022 Q4``/``2022Q4``), one row per table line with labels indented by
leading spaces to show the hierarchy, unnumbered section rows, ``n.a.`` (not available) and
``.....`` (not applicable), and a ``Legend/Footnotes`` block.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pandas as pd

from treasury_warehouse.errors import ParseError
from treasury_warehouse.ingest.parsers.common import decode_text, number, release_date

SOURCE = "bea_iip"
NOT_AVAILABLE = {"n.a.", "(D)", "---", ""}
NOT_APPLICABLE = "....."
QUARTER_RE = re.compile(r"^(\d{4})\s*Q([1-4])$")
YEAR_RE = re.compile(r"^\d{4}$")
COLUMNS = [
    "table_line",
    "line_label",
    "indent_level",
    "position",
    "period_end",
    "frequency",
    "value_usd_mn",
    "is_not_available",
    "vintage",
]


def _period_end(text: str) -> tuple[date, str] | None:
    text = text.strip()
    if YEAR_RE.match(text):
        return date(int(text), 12, 31), "annual"
    match = QUARTER_RE.match(text)
    if match:
        year, quarter = int(match.group(1)), int(match.group(2))
        end = pd.Timestamp(year=year, month=quarter * 3, day=1) + pd.offsets.MonthEnd(0)
        return end.date(), "quarterly"
    return None


def parse(content: bytes, file: str = "table1.2.csv") -> pd.DataFrame:
    text = decode_text(content, SOURCE, file)
    lines = text.splitlines()
    if "international investment position" not in " ".join(lines[:3]).lower():
        raise ParseError(SOURCE, file, "title", "the title does not name an international investment position table")
    vintage = release_date(lines, "Release Date:", SOURCE, file, within=8)
    header_at = next((i for i, line in enumerate(lines) if line.startswith("Line,")), None)
    if header_at is None:
        raise ParseError(SOURCE, file, "header", "no header row starting 'Line,Type of investment'")
    rows = list(csv.reader(io.StringIO("\n".join(lines[header_at:]))))
    header = rows[0]
    periods = {i: _period_end(h) for i, h in enumerate(header) if i >= 2 and h.strip()}
    bad = [header[i] for i, p in periods.items() if p is None]
    if bad or not periods:
        raise ParseError(SOURCE, f"{file} line {header_at + 1}", "periods", f"unrecognised period columns {bad[:5]}")
    records = []
    position = "net"
    for offset, row in enumerate(rows[1:], start=header_at + 2):
        if not row or not "".join(row).strip():
            continue
        if row[0].startswith("Legend"):
            break
        label_raw = row[1] if len(row) > 1 else ""
        label = label_raw.strip()
        if not row[0].strip():
            continue  # unnumbered section row, e.g. "By functional category:"
        if len([c for c in row[len(header) :] if c.strip()]):
            raise ParseError(
                SOURCE, f"{file} line {offset}", "row_width", f"{len(row)} cells for {len(header)} header columns"
            )
        if not row[0].strip().isdigit():
            raise ParseError(
                SOURCE, f"{file} line {offset}", "line_number", f"expected a table line number: {row[0]!r}"
            )
        lowered = label.lower()
        if lowered.startswith("u.s. assets"):
            position = "assets"
        elif lowered.startswith("u.s. liabilities"):
            position = "liabilities"
        indent = (len(label_raw) - len(label_raw.lstrip(" "))) // 2
        for i, (period_end, frequency) in periods.items():
            cell = row[i].strip() if i < len(row) else ""
            if cell == NOT_APPLICABLE:
                continue
            missing = cell in NOT_AVAILABLE
            value = None
            if not missing:
                value = number(cell, SOURCE, f"{file} line {offset}", f"{header[i]}: expected a number, {cell!r}")
            records.append((int(row[0]), label, indent, position, period_end, frequency, value, missing, vintage))
    if not records:
        raise ParseError(SOURCE, file, "rows", "no numbered table lines below the header")
    if "Legend/Footnotes" not in text:
        raise ParseError(SOURCE, file, "footer", "no 'Legend/Footnotes' block: the file is truncated")
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    frame["vintage"] = pd.to_datetime(frame["vintage"])
    frame["value_usd_mn"] = frame["value_usd_mn"].astype("float64")
    return frame


API_SOURCE = "bea_iip_api"
API_POSITIONS = {"Net": "net", "FinAssets": "assets", "FinLiabs": "liabilities"}
API_FREQUENCIES = {"A": "annual", "QNSA": "quarterly", "QSA": "quarterly_sa"}
API_COLUMNS = [
    "type_of_investment",
    "series_description",
    "position",
    "period_end",
    "frequency",
    "value_usd_mn",
    "is_not_available",
]


def parse_api(content: bytes, file: str = "bea_iip_api.json") -> pd.DataFrame:
    """The BEA API's GetData answer for dataset IIP (JSON), positions in $mn."""
    text = decode_text(content, API_SOURCE, file)
    try:
        answer = json.loads(text)["BEAAPI"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ParseError(API_SOURCE, file, "json", f"not a BEA API answer ({exc})") from None
    results = answer.get("Results") or {}
    error = answer.get("Error") or (results.get("Error") if isinstance(results, dict) else None)
    if error:
        detail = error.get("APIErrorDescription") or error.get("ErrorDetail") or error
        raise ParseError(API_SOURCE, file, "api_error", f"BEA answered with an error: {detail}")
    records = results.get("Data") if isinstance(results, dict) else None
    if not records:
        raise ParseError(API_SOURCE, file, "rows", "the answer holds no Data records")
    rows = []
    for index, record in enumerate(records):
        try:
            investment = record["TypeOfInvestment"]
            period_text, frequency = record["TimePeriod"], record["Frequency"]
            unit, multiplier = record["CL_UNIT"], int(record["UNIT_MULT"])
            raw = str(record["DataValue"]).replace(",", "").strip()
        except (KeyError, ValueError) as exc:
            raise ParseError(API_SOURCE, f"{file} record {index}", "fields", f"missing or bad field: {exc}") from None
        if unit != "USD":
            raise ParseError(API_SOURCE, f"{file} record {index}", "units", f"expected CL_UNIT USD, found {unit!r}")
        if investment not in API_POSITIONS or frequency not in API_FREQUENCIES:
            continue  # other series a broader request may return
        period = _period_end(period_text)
        if period is None:
            raise ParseError(API_SOURCE, f"{file} record {index}", "periods", f"unrecognised period {period_text!r}")
        missing = raw in NOT_AVAILABLE or raw == "(NA)"
        try:
            value = None if missing else float(raw) * 10**multiplier / 1_000_000
        except ValueError:
            raise ParseError(API_SOURCE, f"{file} record {index}", "numeric_cell", f"DataValue {raw!r}") from None
        rows.append(
            (
                investment,
                record.get("TimeSeriesDescription", ""),
                API_POSITIONS[investment],
                period[0],
                API_FREQUENCIES[frequency],
                value,
                missing,
            )
        )
    frame = pd.DataFrame.from_records(rows, columns=API_COLUMNS)
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    frame["value_usd_mn"] = frame["value_usd_mn"].astype("float64")
    return frame
