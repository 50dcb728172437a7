from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from treasury_warehouse.errors import ParseError
from treasury_warehouse.ingest.parsers import bea_iip, fred

BEA_FILE = "bea_iip_table1.2_annual_release_2023-06-28.csv"


def line(frame: pd.DataFrame, number: int, year: int) -> pd.Series:
    row = frame[(frame["table_line"] == number) & (frame["period_end"] == pd.Timestamp(year, 12, 31))]
    assert len(row) == 1
    return row.iloc[0]


def test_bea_table_lines_positions_and_missing(fixture_mirror: Path) -> None:
    frame = bea_iip.parse((fixture_mirror / "niip" / BEA_FILE).read_bytes())

    assert line(frame, 1, 2022)["value_usd_mn"] == -16172308
    assert line(frame, 1, 2022)["position"] == "net"
    assert line(frame, 4, 2022)["position"] == "assets"
    assert line(frame, 46, 2022)["position"] == "liabilities"
    assert line(frame, 46, 2022)["line_label"] == "Treasury bills and certificates"
    assert line(frame, 46, 2022)["indent_level"] == 6
    assert bool(line(frame, 3, 2021)["is_not_available"])
    assert not (frame["table_line"] == 34).any()  # "....." is not applicable: no row
    assert frame["vintage"].iloc[0] == pd.Timestamp("2023-06-28")


def test_bea_quarterly_columns() -> None:
    text = (
        '"Table 1.1. U.S. Net International Investment Position"\n"Release Date: March 27, 2025"\n'
        "Line,Type of investment,2024 Q3,2024Q4\n1,U.S. net international investment position,-1,-2\n\n"
        "Legend/Footnotes\n"
    )
    frame = bea_iip.parse(text.encode())
    assert frame["period_end"].dt.strftime("%Y-%m-%d").tolist() == ["2024-09-30", "2024-12-31"]
    assert set(frame["frequency"]) == {"quarterly"}


@pytest.mark.parametrize(
    ("mangle", "rule"),
    [
        (lambda t: t.replace("Release Date:", "Released:"), "release_line"),
        (lambda t: t.replace("Line,Type", "Row,Type"), "header"),
        (lambda t: t.replace(",2021,2022", ",2021,FY22"), "periods"),
        (lambda t: t.replace("-16172308", "-16172308x"), "numeric_cell"),
        (lambda t: t.replace("-16172308", "-16,172,308"), "row_width"),
        (lambda t: t[: t.index("Legend")], "footer"),
        (lambda t: t.replace("Net International Investment Position", "Trade in Goods"), "title"),
    ],
)
def test_bea_malformed(fixture_mirror: Path, mangle, rule: str) -> None:
    text = (fixture_mirror / "niip" / BEA_FILE).read_text()
    with pytest.raises(ParseError) as failure:
        bea_iip.parse(mangle(text).encode(), BEA_FILE)
    assert failure.value.rule == rule


def test_fred_old_and_current_headers() -> None:
    old = fred.parse(b"DATE,IIPUSNETIQ\n2022-01-01,-17745551\n2022-04-01,.\n", "IIPUSNETIQ.csv")
    new = fred.parse(b"observation_date,IIPUSNETIQ\n2022-01-01,-17745551\n", "IIPUSNETIQ.csv")
    bulk = fred.parse(b"DATE,VALUE\n2016-10-01,6003.9\n", "FDHBFIN.csv (sha256 0123)")

    assert old["value"].tolist()[0] == -17745551
    assert pd.isna(old["value"].iloc[1])
    assert new["series_id"].tolist() == ["IIPUSNETIQ"]
    assert bulk[["series_id", "unit"]].iloc[0].tolist() == ["FDHBFIN", "usd_bn"]


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (b"date,value,extra\n2022-01-01,1,2\n", "header"),
        (b"DATE,UNKNOWNSERIES\n2022-01-01,1\n", "series"),
        (b"DATE,IIPUSNETIQ\n01/01/2022,1\n", "date"),
        (b"DATE,IIPUSNETIQ\n2022-01-01,n/a\n", "numeric_cell"),
        (b"<!DOCTYPE html><html>Too many requests</html>", "not_html"),
    ],
)
def test_fred_malformed(content: bytes, rule: str) -> None:
    with pytest.raises(ParseError) as failure:
        fred.parse(content, "IIPUSNETIQ.csv")
    assert failure.value.rule == rule


def test_real_files(shared_sources: Path) -> None:
    table = bea_iip.parse((shared_sources / "niip" / BEA_FILE).read_bytes())
    assert line(table, 1, 2022)["value_usd_mn"] == -16172308
    assert line(table, 49, 2022)["value_usd_mn"] == 6368523
    assert table["table_line"].nunique() == 63  # 65 rows less two section headings

    net = fred.parse((shared_sources / "niip" / "IIPUSNETIQ.csv").read_bytes(), "IIPUSNETIQ.csv")
    assert len(net) == 66
    assert net["value"].iloc[-1] == -16309277
    held = fred.parse((shared_sources / "niip" / "FDHBFIN.csv").read_bytes(), "FDHBFIN.csv")
    assert len(held) == 188
    assert held["unit"].iloc[0] == "usd_bn"
