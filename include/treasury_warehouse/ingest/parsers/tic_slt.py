"""Parser for TIC SLT Table 1, long-term securities held by foreign residents ($mn).

Lines 1-5 are a preamble (title, sign convention, units, link), then a group header,
a human header and the machine header ``country, country_code, date, for_lt_*``;
data rows follow until a blank line and the "Definitions:" footers. ``n.a.`` and
blanks are missing values (net and valuation columns start in 2023-02).
"""

from __future__ import annotations

import io

import pandas as pd

from treasury_warehouse.errors import ParseError
from treasury_warehouse.ingest.parsers.common import decode_text

SOURCE = "tic_slt"
UNIT_LINE = "Millions of dollars"
ASSET_CLASSES = ("total", "treas", "agcy", "corp", "eqty")
MEASURES = ("pos", "net", "valchg")
VALUE_COLUMNS = [f"for_lt_{a}_{m}" for a in ASSET_CLASSES for m in MEASURES]
MACHINE_HEADER = ["country", "country_code", "date", *VALUE_COLUMNS]
GRAND_TOTAL_CODE = "99996"


def row_kind(name: str, code: str) -> str:
    if code == GRAND_TOTAL_CODE:
        return "grand_total"
    if name.startswith("Of Which"):
        return "of_which"
    if name.startswith("Memo:"):
        return "memo"
    if name.startswith("Total") or name == "All Countries":
        return "region_total"
    if name == "International":
        return "international_org"
    return "country"


def parse(content: bytes, file: str = "slt_table1.txt") -> pd.DataFrame:
    text = decode_text(content, SOURCE, file)
    lines = text.splitlines()
    preamble = " ".join(lines[:6])
    if UNIT_LINE not in preamble:
        raise ParseError(SOURCE, file, "units", f"expected '{UNIT_LINE}' in the preamble; the unit may have changed")
    header_at = next((i for i, line in enumerate(lines) if line.split("\t")[:3] == MACHINE_HEADER[:3]), None)
    if header_at is None:
        raise ParseError(SOURCE, file, "header", "no machine header line starting 'country, country_code, date'")
    header = [c.strip() for c in lines[header_at].split("\t") if c.strip()]
    if header != MACHINE_HEADER:
        missing = sorted(set(MACHINE_HEADER) - set(header))
        extra = sorted(set(header) - set(MACHINE_HEADER))
        raise ParseError(SOURCE, f"{file} line {header_at + 1}", "columns", f"missing {missing}, unexpected {extra}")
    end = next((i for i in range(header_at + 1, len(lines)) if not lines[i].strip("\t ")), len(lines))
    if not any(line.startswith("Definitions:") for line in lines[end:]):
        raise ParseError(SOURCE, file, "footer", "no 'Definitions:' footer after the data: the file is truncated")
    body = "\n".join(lines[header_at:end])
    frame = pd.read_csv(
        io.StringIO(body), sep="\t", dtype=str, keep_default_na=False, usecols=range(len(MACHINE_HEADER))
    )
    return _typed(frame, file, header_at)


def _typed(frame: pd.DataFrame, file: str, header_at: int) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "country": frame["country"].str.strip(),
            "country_code": frame["country_code"].str.strip(),
        }
    )
    out["row_kind"] = [row_kind(n, c) for n, c in zip(out["country"], out["country_code"], strict=True)]
    period = pd.to_datetime(frame["date"].str.strip(), format="%Y-%m", errors="coerce")
    bad_dates = period.isna()
    if bad_dates.any():
        first = int(bad_dates.to_numpy().nonzero()[0][0])
        raise ParseError(
            SOURCE, f"{file} line {header_at + 2 + first}", "date", f"expected YYYY-MM, found {frame['date'][first]!r}"
        )
    out["period_month"] = period
    for column in VALUE_COLUMNS:
        raw = frame[column].str.strip().replace({"n.a.": "", "*": ""})
        values = pd.to_numeric(raw.str.replace(",", ""), errors="coerce")
        bad = values.isna() & (raw != "")
        if bad.any():
            first = int(bad.to_numpy().nonzero()[0][0])
            raise ParseError(
                SOURCE,
                f"{file} line {header_at + 2 + first}",
                "numeric_cell",
                f"{column}: expected a number or 'n.a.', found {raw[first]!r}",
            )
        out[f"{column}_usd_mn"] = values.astype("float64")
    return out
