"""Parser for FRED series downloads (``fredgraph.csv?id=<SERIES>`` and the bulk layout).

Two headers exist: the old ``DATE,<SERIES>`` (or ``DATE,VALUE`` in bulk downloads) and the
current ``observation_date,<SERIES>``. Missing observations are ``.`` or blank. Units are
not in the file: each series the warehouse reads has a registry entry that declares it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import PurePosixPath

import pandas as pd

from treasury_warehouse.errors import ParseError
from treasury_warehouse.ingest.parsers.common import decode_text
from treasury_warehouse.ingest.sources import SOURCES, Measure

SOURCE = "fred"
DATE_HEADERS = {"DATE", "observation_date"}


# How often each series the registry reads is observed (the gate's period step).
FREQUENCIES = {
    "IIPUSNETIQ": "quarterly",
    "IIPUSASSQ": "quarterly",
    "IIPUSLIAQ": "quarterly",
    "FDHBFIN": "quarterly",
    "IIPUSNETIA": "annual",
    "ROWTSEA027N": "annual",
}


@dataclass(frozen=True)
class Series:
    """A series the warehouse reads: its registry entry (``<SERIES>.csv``) gives its unit and
    the range a value in that unit can take (the gate's bounds)."""

    series_id: str
    source: str  # its registry entry
    frequency: str
    measure: Measure

    @property
    def unit(self) -> str:
        return self.measure.unit


def _registered() -> dict[str, Series]:
    series = {}
    for source in SOURCES.values():
        if source.parser == f"{__name__}:parse":
            series_id = PurePosixPath(source.file_name).stem
            if series_id not in FREQUENCIES:
                raise ValueError(f"source {source.name!r}: FRED series {series_id} has no frequency in {__name__}")
            [measure] = source.measures
            series[series_id] = Series(series_id, source.name, FREQUENCIES[series_id], measure)
    return series


SERIES = _registered()
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
