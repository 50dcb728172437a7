"""Parser for the TIC annual survey history, Foreign Holdings of U.S. Securities (shlhistdat.txt, $mn).

A preamble (title, units, release line), then three header rows: survey date
(``Jun 2024``), maturity (``Total``/``Long-term``/``Short-term``) and the column
(``Treasury Debt`` ...), then one row per country or region, then notes. Older surveys
have fewer columns. ``*`` means greater than zero but below $500 thousand.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import pandas as pd

from treasury_warehouse.errors import ParseError
from treasury_warehouse.ingest.parsers.common import decode_text, number, release_date

SOURCE = "tic_shl"
UNIT_MARKER = "millions of dollars"
FOOTNOTE_RE = re.compile(r"\s*\((?:\d+(?:,\s*)?)+\)\s*")
BELOW_THRESHOLD = "*"
NOT_AVAILABLE = {"n.a.", ""}
# Column text (footnotes removed, lower case) -> (maturity or None to take the header's, asset class)
COLUMN_MEANINGS: dict[str, tuple[str | None, str]] = {
    "total securities": ("total", "total"),
    "total": ("total", "total"),
    "total long-term securities": ("long_term", "total"),
    "equity": ("long_term", "equity"),
    "total long-term debt": ("long_term", "debt"),
    "debt": ("long_term", "debt"),
    "total short-term debt": ("short_term", "debt"),
    "treasury debt": (None, "treasury"),
    "agency debt": (None, "agency"),
    "corporate debt": (None, "corporate"),
}
MATURITIES = {"total": "total", "long-term": "long_term", "short-term": "short_term"}
COLUMNS = [
    "country_code",
    "country",
    "footnotes",
    "survey_date",
    "maturity",
    "asset_class",
    "holdings_usd_mn",
    "is_below_threshold",
    "source_line",
    "vintage",
]


def _strip(cell: str) -> str:
    return cell.strip().strip('"').strip()


def _survey_date(text: str) -> date:
    month_end = (pd.Timestamp(datetime.strptime(text, "%b %Y")) + pd.offsets.MonthEnd(0)).date()
    return month_end


def parse(content: bytes, file: str = "shlhistdat.txt") -> pd.DataFrame:
    text = decode_text(content, SOURCE, file, encoding="latin-1")
    lines = text.splitlines()
    if UNIT_MARKER not in " ".join(lines[:4]).lower():
        raise ParseError(SOURCE, file, "units", f"expected '{UNIT_MARKER}' in the preamble; the unit may have changed")
    vintage = release_date(lines, "For release", SOURCE, file, within=12)
    header_at = next((i for i, line in enumerate(lines) if line.startswith("Country code\t")), None)
    if header_at is None or header_at < 2:
        raise ParseError(SOURCE, file, "header", "no header row starting 'Country code' below two header rows")
    dates, maturities, names = (lines[header_at - 2 + k].split("\t") for k in range(3))
    columns = _column_meanings(dates, maturities, names, file, header_at)
    records = []
    for index in range(header_at + 1, len(lines)):
        cells = lines[index].split("\t")
        code = cells[0].strip()
        if not code:
            if records:
                break  # first blank row after the data: the notes follow
            continue
        if not code.isdigit():
            raise ParseError(SOURCE, f"{file} line {index + 1}", "country_code", f"expected digits, found {code!r}")
        raw_name = _strip(cells[1])
        footnotes = ",".join(re.findall(r"\d+", "".join(FOOTNOTE_RE.findall(raw_name))))
        name = FOOTNOTE_RE.sub(" ", raw_name).strip()
        for position, (survey, maturity, asset_class) in columns.items():
            cell = _strip(cells[position]) if position < len(cells) else ""
            below = cell == BELOW_THRESHOLD
            if below or cell in NOT_AVAILABLE:
                value = None
            else:
                value = number(cell, SOURCE, f"{file} line {index + 1}", f"expected a number, '*' or blank: {cell!r}")
            if value is None and not below:
                continue
            records.append((code, name, footnotes, survey, maturity, asset_class, value, below, index + 1, vintage))
    if not records:
        raise ParseError(SOURCE, file, "rows", "no country rows below the header")
    if not any(line.startswith("Notes:") for line in lines[header_at:]):
        raise ParseError(SOURCE, file, "footer", "no 'Notes:' after the data: the file is truncated")
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    frame["survey_date"] = pd.to_datetime(frame["survey_date"])
    frame["vintage"] = pd.to_datetime(frame["vintage"])
    frame["holdings_usd_mn"] = frame["holdings_usd_mn"].astype("float64")
    return frame


def _column_meanings(
    dates: list[str], maturities: list[str], names: list[str], file: str, header_at: int
) -> dict[int, tuple[date, str, str]]:
    meanings: dict[int, tuple[date, str, str]] = {}
    for position in range(2, len(names)):
        name = FOOTNOTE_RE.sub(" ", _strip(names[position])).strip().lower()
        if not name:
            continue
        survey_text = _strip(dates[position]) if position < len(dates) else ""
        maturity_text = _strip(maturities[position]).lower() if position < len(maturities) else ""
        if name not in COLUMN_MEANINGS or maturity_text not in MATURITIES:
            raise ParseError(
                SOURCE,
                f"{file} line {header_at + 1}",
                "columns",
                f"column {position + 1}: unknown header {maturity_text!r} / {name!r}",
            )
        try:
            survey = _survey_date(survey_text)
        except ValueError:
            raise ParseError(
                SOURCE, f"{file} line {header_at - 1}", "survey_date", f"column {position + 1}: {survey_text!r}"
            ) from None
        fixed_maturity, asset_class = COLUMN_MEANINGS[name]
        meanings[position] = (survey, fixed_maturity or MATURITIES[maturity_text], asset_class)
    if not meanings:
        raise ParseError(SOURCE, f"{file} line {header_at + 1}", "columns", "no value columns in the header")
    return meanings
