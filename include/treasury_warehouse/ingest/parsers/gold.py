"""Parsers for central-bank gold and reserves.

- World Bank WDI bulk CSV (``API_FI.RES.TOTL.CD_DS2_en_csv_v2_*.csv``): a UTF-8 BOM, four
  preamble lines ("Data Source", "Last Updated Date"), the header ``Country Name, Country
  Code, Indicator Name, Indicator Code, 1960..`` and a trailing empty column; current US$.
- IMF official gold, quarterly, in fine troy ounces: the IFS CSV extract layout
  ``Country Name,Time Period,Value[,tonnes]`` (``Time Period`` like ``2019Q3``), or the IMF
  data API's SDMX-CSV 1.0 answer for dataflow IMF.STA:IL, key ``.RGV_REVS.FTO.Q``
  (``DATAFLOW,COUNTRY,INDICATOR,UNIT,FREQUENCY,TIME_PERIOD,OBS_VALUE`` then attributes,
  among them ``SCALE``, the power of ten the value is in; ``TIME_PERIOD`` like ``2025-Q2``;
  with ``labels=both`` a code reads ``CHN: China, People's Republic of``).
- World Gold Council "changes" workbook (``Changes_latest_as_of_<MonYYYY>_IFS.xlsx``): sheets
  ``Monthly`` (helper rows, header on row 8: Country Lookup Column, Country, Comments,
  month dates) and ``Annual`` (Country, Comments, years); values are changes in tonnes.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import pandas as pd

from treasury_warehouse.errors import ParseError
from treasury_warehouse.ingest.parsers.common import decode_text, require_binary

TROY_OUNCES_PER_TONNE = 32_150.7466
XLSX_MAGIC = b"PK\x03\x04"

WB_COLUMNS = ["country_name", "country_code", "indicator_code", "year", "value_usd", "vintage"]
IMF_COLUMNS = ["country_name", "period_end", "gold_fine_troy_oz", "gold_tonnes"]
WGC_COLUMNS = ["country_name", "frequency", "period_start", "change_tonnes", "comments"]


def _wb_csv_from_zip(content: bytes, source: str, file: str) -> bytes:
    """The API's ``downloadformat=csv`` answer is a zip: the data CSV plus metadata CSVs."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = [n for n in archive.namelist() if n.startswith("API_") and n.endswith(".csv")]
            if len(names) != 1:
                raise ParseError(source, file, "zip_members", f"expected one API_*.csv in the zip, found {names}")
            return archive.read(names[0])
    except zipfile.BadZipFile as exc:
        raise ParseError(source, file, "zip", f"the zip is truncated or corrupt: {exc}") from None


def parse_wb_indicator(content: bytes, file: str = "API_FI.RES.TOTL.CD.csv") -> pd.DataFrame:
    source = "wb_reserves"
    if content.startswith(XLSX_MAGIC):
        content = _wb_csv_from_zip(content, source, file)
    text = decode_text(content, source, file)
    lines = text.splitlines()
    if not lines[0].startswith('"Data Source","World Development Indicators"'):
        raise ParseError(source, f"{file} line 1", "preamble", "expected the WDI preamble line '\"Data Source\",...'")
    updated = re.search(r'"Last Updated Date","(\d{4}-\d{2}-\d{2})"', "\n".join(lines[:4]))
    if not updated:
        raise ParseError(source, file, "preamble", "no 'Last Updated Date' in the first four lines")
    frame = pd.read_csv(io.StringIO(text), skiprows=4, dtype=str, keep_default_na=False)
    expected = ["Country Name", "Country Code", "Indicator Name", "Indicator Code"]
    if list(frame.columns[:4]) != expected:
        raise ParseError(source, f"{file} line 5", "header", f"expected {expected}, found {list(frame.columns[:4])}")
    years = [c for c in frame.columns if re.fullmatch(r"\d{4}", c)]
    if not years:
        raise ParseError(source, f"{file} line 5", "header", "no year columns after 'Indicator Code'")
    long = frame.melt(id_vars=expected, value_vars=years, var_name="year", value_name="raw")
    long = long[long["raw"].str.strip() != ""]
    values = pd.to_numeric(long["raw"], errors="coerce")
    if values.isna().any():
        bad = long.loc[values.isna(), "raw"].iloc[0]
        raise ParseError(source, file, "numeric_cell", f"expected a number or blank, found {bad!r}")
    return pd.DataFrame(
        {
            "country_name": long["Country Name"].to_numpy(),
            "country_code": long["Country Code"].to_numpy(),
            "indicator_code": long["Indicator Code"].to_numpy(),
            "year": long["year"].astype("int64").to_numpy(),
            "value_usd": values.astype("float64").to_numpy(),
            "vintage": pd.Timestamp(updated.group(1)),
        }
    )


# The IMF data API names entities by code: the world aggregate and the anchors the gate
# and the marts look for keep the names the IFS extract gives them.
IMF_IFS_NAMES = {"G001": "World", "USA": "United States", "CHN": "China, P.R.: Mainland"}
SDMX_CSV_COLUMNS = ["DATAFLOW", "COUNTRY", "INDICATOR", "UNIT", "FREQUENCY", "TIME_PERIOD", "OBS_VALUE"]


def parse_imf_gold(content: bytes, file: str = "imf_ifs_gold.csv") -> pd.DataFrame:
    source = "imf_gold"
    text = decode_text(content, source, file)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    if len(frame.columns) and frame.columns[0] == "DATAFLOW":
        return _imf_gold_sdmx(frame, source, file)
    required = ["Country Name", "Time Period", "Value"]
    if list(frame.columns[:3]) != required:
        raise ParseError(source, f"{file} line 1", "header", f"expected {required}, found {list(frame.columns)}")
    quarter = frame["Time Period"].str.extract(r"^(\d{4})Q([1-4])$")
    if quarter.isna().any(axis=None):
        bad = frame.loc[quarter.isna().any(axis=1), "Time Period"].iloc[0]
        raise ParseError(source, file, "period", f"expected YYYYQn, found {bad!r}")
    ends = pd.to_datetime(
        {"year": quarter[0].astype(int), "month": quarter[1].astype(int) * 3, "day": 1}
    ) + pd.offsets.MonthEnd(0)
    ounces = pd.to_numeric(frame["Value"], errors="coerce")
    if ounces.isna().any():
        bad = frame.loc[ounces.isna(), "Value"].iloc[0]
        raise ParseError(source, file, "numeric_cell", f"Value: expected fine troy ounces, found {bad!r}")
    return pd.DataFrame(
        {
            "country_name": frame["Country Name"].str.strip(),
            "period_end": ends,
            "gold_fine_troy_oz": ounces.astype("float64"),
            # Recomputed with the exact factor; extracts often carry ounces / 32,000.
            "gold_tonnes": (ounces / TROY_OUNCES_PER_TONNE).astype("float64"),
        }
    )


def _code(value: str) -> str:
    return value.split(":", 1)[0].strip()


def _imf_gold_sdmx(frame: pd.DataFrame, source: str, file: str) -> pd.DataFrame:
    """The IMF data API's SDMX-CSV: gold reserves in fine troy ounces times 10**SCALE."""
    frame.columns = [_code(c) for c in frame.columns]  # labels=both heads "COUNTRY: Country"
    missing = [c for c in SDMX_CSV_COLUMNS if c not in frame.columns]
    if missing:
        raise ParseError(source, f"{file} line 1", "header", f"SDMX-CSV without {missing}: found {list(frame.columns)}")
    scale_column = next((c for c in ("SCALE", "UNIT_MULT") if c in frame.columns), None)
    if scale_column is None:
        raise ParseError(source, f"{file} line 1", "scale", "no SCALE (or UNIT_MULT) column: the unit is unknown")
    for column, expected in (("INDICATOR", "RGV_REVS"), ("UNIT", "FTO"), ("FREQUENCY", "Q")):
        found = set(frame[column].map(_code)) - {expected}
        if found:
            raise ParseError(source, file, column.lower(), f"{column} expected {expected}, found {sorted(found)}")
    frame = frame[frame["OBS_VALUE"].str.strip() != ""]  # a period the country did not report
    quarter = frame["TIME_PERIOD"].str.extract(r"^(\d{4})-?Q([1-4])$")
    if quarter.isna().any(axis=None):
        bad = frame.loc[quarter.isna().any(axis=1), "TIME_PERIOD"].iloc[0]
        raise ParseError(source, file, "period", f"TIME_PERIOD: expected YYYY-Qn, found {bad!r}")
    scale = pd.to_numeric(frame[scale_column].map(_code), errors="coerce")
    value = pd.to_numeric(frame["OBS_VALUE"], errors="coerce")
    for name, parsed, raw in ((scale_column, scale, frame[scale_column]), ("OBS_VALUE", value, frame["OBS_VALUE"])):
        if parsed.isna().any():
            bad = raw[parsed.isna()].iloc[0]
            raise ParseError(source, file, "numeric_cell", f"{name}: expected a number, found {bad!r}")
    ounces = value * 10.0**scale
    codes = frame["COUNTRY"].map(_code)
    labels = frame["COUNTRY"].str.partition(":")[2].str.strip()
    names = codes.map(IMF_IFS_NAMES).fillna(labels.where(labels != "", codes))
    ends = pd.to_datetime(
        {"year": quarter[0].astype(int), "month": quarter[1].astype(int) * 3, "day": 1}
    ) + pd.offsets.MonthEnd(0)
    return pd.DataFrame(
        {
            "country_name": names.to_numpy(),
            "period_end": ends.to_numpy(),
            "gold_fine_troy_oz": ounces.astype("float64").to_numpy(),
            "gold_tonnes": (ounces / TROY_OUNCES_PER_TONNE).astype("float64").to_numpy(),
        }
    )


def parse_wgc_changes(content: bytes, file: str = "Changes_latest_IFS.xlsx") -> pd.DataFrame:
    source = "wgc_gold_changes"
    require_binary(content, source, file, XLSX_MAGIC, "an Excel workbook (xlsx)")
    try:
        sheets = pd.read_excel(io.BytesIO(content), sheet_name=["Monthly", "Annual"], header=None)
    except ValueError as exc:
        raise ParseError(source, file, "sheets", f"expected sheets 'Monthly' and 'Annual': {exc}") from None
    except Exception as exc:  # a truncated zip raises zipfile/openpyxl errors
        raise ParseError(source, file, "workbook", f"the workbook cannot be read: {exc}") from None
    monthly = _wgc_sheet(sheets["Monthly"], "monthly", source, file)
    annual = _wgc_sheet(sheets["Annual"], "annual", source, file)
    return pd.concat([monthly, annual], ignore_index=True)


def _wgc_sheet(raw: pd.DataFrame, frequency: str, source: str, file: str) -> pd.DataFrame:
    header_row = next(
        (
            i
            for i in range(min(len(raw), 15))
            if str(raw.iat[i, 0 if frequency == "annual" else 1]).strip() == "Country"
        ),
        None,
    )
    if header_row is None:
        raise ParseError(
            source, f"{file} [{frequency.title()}]", "header", "no header row with 'Country' in the first 15"
        )
    header = raw.iloc[header_row].tolist()
    name_col = header.index("Country")
    comments_col = header.index("Comments") if "Comments" in header else None
    periods: dict[int, date] = {}
    for col, cell in enumerate(header):
        if col <= (comments_col if comments_col is not None else name_col):
            continue
        if frequency == "monthly" and isinstance(cell, pd.Timestamp | date):
            periods[col] = pd.Timestamp(cell).date().replace(day=1)
        elif frequency == "annual" and pd.api.types.is_number(cell) and not pd.isna(cell) and float(cell).is_integer():
            periods[col] = date(int(cell), 1, 1)
        elif not (isinstance(cell, float) and pd.isna(cell)):
            raise ParseError(
                source, f"{file} [{frequency.title()}] row {header_row + 1}", "periods", f"unexpected header {cell!r}"
            )
    if not periods:
        raise ParseError(source, f"{file} [{frequency.title()}]", "periods", "no period columns in the header")
    body = raw.iloc[header_row + 1 :]
    body = body[body.iloc[:, name_col].notna()]
    records = []
    for _, row in body.iterrows():
        name = str(row.iloc[name_col]).strip()
        comment = row.iloc[comments_col] if comments_col is not None else None
        for col, period in periods.items():
            cell = row.iloc[col]
            if cell is None or (isinstance(cell, float) and pd.isna(cell)) or cell == "":
                continue
            try:
                value = float(cell)
            except (TypeError, ValueError):
                raise ParseError(
                    source, f"{file} [{frequency.title()}]", "numeric_cell", f"{name} {period}: {cell!r}"
                ) from None
            records.append((name, frequency, period, value, None if pd.isna(comment) else str(comment)))
    frame = pd.DataFrame.from_records(records, columns=WGC_COLUMNS)
    frame["period_start"] = pd.to_datetime(frame["period_start"])
    return frame


EWN_SOURCE = "ewn"
# Columns of the External Wealth of Nations "Dataset" sheet the warehouse reads ($mn),
# by their published names (some carry a trailing space).
EWN_COLUMNS = {
    "FX Reserves minus gold": "fx_reserves_excl_gold_usd_mn",
    "Total assets excl. gold": "total_assets_excl_gold_usd_mn",
    "Total liabilities": "total_liabilities_usd_mn",
    "OFFICIAL IIP": "official_iip_usd_mn",
    "Portfolio debt liabilities": "portfolio_debt_liabilities_usd_mn",
    "Portfolio equity liabilities ": "portfolio_equity_liabilities_usd_mn",
    "GDP (US$)": "gdp_usd_mn",
}


def parse_ewn(content: bytes, file: str = "EWN-dataset.xlsx") -> pd.DataFrame:
    """Lane and Milesi-Ferretti, External Wealth of Nations: the long 'Dataset' sheet."""
    require_binary(content, EWN_SOURCE, file, XLSX_MAGIC, "an Excel workbook (xlsx)")
    try:
        frame = pd.read_excel(io.BytesIO(content), sheet_name="Dataset")
    except ValueError as exc:
        raise ParseError(EWN_SOURCE, file, "sheets", f"expected a sheet 'Dataset': {exc}") from None
    except Exception as exc:  # a truncated zip raises zipfile/openpyxl errors
        raise ParseError(EWN_SOURCE, file, "workbook", f"the workbook cannot be read: {exc}") from None
    required = ["Country", "IFS_Code", "Year", *EWN_COLUMNS]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ParseError(EWN_SOURCE, f"{file} [Dataset]", "columns", f"missing {missing}")
    out = pd.DataFrame(
        {
            "country_name": frame["Country"].astype(str).str.strip(),
            "ifs_code": pd.to_numeric(frame["IFS_Code"], errors="coerce").astype("Int64").astype("string"),
            "year": pd.to_numeric(frame["Year"], errors="coerce"),
        }
    )
    if out["year"].isna().any():
        row = int(out["year"].isna().to_numpy().nonzero()[0][0]) + 2
        raise ParseError(
            EWN_SOURCE, f"{file} [Dataset] row {row}", "year", f"not a year: {frame['Year'].iloc[row - 2]!r}"
        )
    out["year"] = out["year"].astype("int64")
    for published, column in EWN_COLUMNS.items():
        out[column] = pd.to_numeric(frame[published], errors="coerce").astype("float64")
    return out
