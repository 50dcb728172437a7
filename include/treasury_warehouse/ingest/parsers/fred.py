"""Parser for FRED series downloads (``fredgraph.csv?id=<SERIES>`` and the bulk layout).

Two headers exist: the old ``DATE,<SERIES>`` (or ``DATE,VALUE`` in bulk downloads) and the
current ``observation_date,<SERIES>``. Missing observations are ``.`` or blank. Units are
not in the file, so each series the warehouse reads is declared here with its unit.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import PurePosixPath

import pandas as pd

from treasury_warehouse.errors import ParseError
from treasury_warehouse.ingest.parsers.common import decode_text

SOURCE = "fred"
DATE_HEADERS = {"DATE", "observation_date"}


@dataclass(frozen=True)
class Series:
    """A series the warehouse reads, with its unit and the range a value in that unit can
    take: a value outside it means the unit or the sign changed (the gate's bounds)."""

    series_id: str
    title: str
    unit: str
    frequency: str
    minimum: float
    maximum: float


SERIES = {
    s.series_id: s
    for s in [
        # The net position was -$26tn in 2025; assets and liabilities tens of $tn, never negative.
        Series("IIPUSNETIQ", "U.S. net international investment position", "usd_mn", "quarterly", -1e8, 1e7),
        Series("IIPUSASSQ", "U.S. assets (international investment position)", "usd_mn", "quarterly", 0, 2e8),
        Series("IIPUSLIAQ", "U.S. liabilities (international investment position)", "usd_mn", "quarterly", 0, 2e8),
        # About $9tn ($9,000bn) in 2025: a holding cannot be negative, and $50tn is no longer $bn.
        Series("FDHBFIN", "Federal debt held by foreign and international investors", "usd_bn", "quarterly", 0, 50_000),
        Series("IIPUSNETIA", "U.S. net international investment position (annual)", "usd_mn", "annual", -1e8, 1e7),
        # Z.1: rest of the world's holdings of Treasuries, ~$8.6tn in 2024 ($mn).
        Series("ROWTSEA027N", "Rest of the world; Treasury securities; asset, level", "usd_mn", "annual", 0, 1e8),
    ]
}
COLUMNS = ["series_id", "observation_date", "value", "unit", "frequency"]


def parse(content: bytes, file: str = "series.csv") -> pd.DataFrame:
    text = decode_text(content, SOURCE, file)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    if len(frame.columns) != 2 or frame.columns[0] not in DATE_HEADERS:
        raise ParseError(
            SOURCE,
            f"{file} line 1",
            "header",
            f"expected 'DATE|observation_date,<SERIES>', found {list(frame.columns)}",
        )
    series_id = frame.columns[1]
    if series_id == "VALUE":  # bulk layout: the series is the file name
        series_id = PurePosixPath(file.split(" ")[0]).stem
    if series_id not in SERIES:
        raise ParseError(SOURCE, file, "series", f"{series_id!r} is not a declared series ({', '.join(SERIES)})")
    series = SERIES[series_id]
    dates = pd.to_datetime(frame.iloc[:, 0], format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        first = int(dates.isna().to_numpy().nonzero()[0][0])
        raise ParseError(SOURCE, f"{file} line {first + 2}", "date", f"expected YYYY-MM-DD: {frame.iloc[first, 0]!r}")
    raw = frame.iloc[:, 1].str.strip()
    values = pd.to_numeric(raw.where(~raw.isin([".", ""])), errors="coerce")
    bad = values.isna() & ~raw.isin([".", ""])
    if bad.any():
        first = int(bad.to_numpy().nonzero()[0][0])
        raise ParseError(
            SOURCE, f"{file} line {first + 2}", "numeric_cell", f"expected a number or '.': {raw[first]!r}"
        )
    return pd.DataFrame(
        {
            "series_id": series_id,
            "observation_date": dates,
            "value": values.astype("float64"),
            "unit": series.unit,
            "frequency": series.frequency,
        }
    )
