from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from treasury_warehouse.errors import ParseError
from treasury_warehouse.ingest.parsers import gold

WB_FILE = "API_FI.RES.TOTL.CD_DS2_en_csv_v2_2475.csv"
IMF_FILE = "imf_ifs_gold_reserves_quarterly_fine_troy_oz_1950Q1-2019Q3.csv"
WGC_FILE = "Changes_latest_as_of_Sep2024_IFS.xlsx"


def test_world_bank_csv_and_its_zip(fixture_mirror: Path) -> None:
    content = (fixture_mirror / "gold" / WB_FILE).read_bytes()
    frame = gold.parse_wb_indicator(content)

    assert frame["vintage"].iloc[0] == pd.Timestamp("2025-12-04")
    assert not (frame["country_code"] == "WLD").any()  # all blank in the file: no rows
    usa = frame[(frame["country_code"] == "USA") & (frame["year"] == 2024)]
    assert usa["value_usd"].tolist() == [910_000_000_000]

    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(WB_FILE, content)
        zipped.writestr("Metadata_Country_API_FI.RES.TOTL.CD.csv", "Country Code,Region\n")
    pd.testing.assert_frame_equal(gold.parse_wb_indicator(archive.getvalue()), frame)


def test_imf_gold_recomputes_tonnes(fixture_mirror: Path) -> None:
    frame = gold.parse_imf_gold((fixture_mirror / "gold" / IMF_FILE).read_bytes())

    us = frame[(frame["country_name"] == "United States") & (frame["period_end"] == "2019-09-30")].iloc[0]
    assert us["gold_fine_troy_oz"] == 261_498_926.241
    assert round(us["gold_tonnes"], 1) == 8133.5  # not the extract's ounces / 32,000


def test_wgc_workbook_monthly_and_annual(fixture_mirror: Path) -> None:
    frame = gold.parse_wgc_changes((fixture_mirror / "gold" / WGC_FILE).read_bytes())

    poland = frame[frame["country_name"] == "Poland, Rep. of"].set_index(["frequency", "period_start"])
    assert poland.loc[("monthly", pd.Timestamp("2024-03-01")), "change_tonnes"] == 9.0
    assert poland.loc[("annual", pd.Timestamp("2023-01-01")), "change_tonnes"] == 130.0
    assert poland.loc[("annual", pd.Timestamp("2023-01-01")), "comments"] == "partial year"
    turkey = frame[(frame["country_name"] == "Turkey*") & (frame["frequency"] == "monthly")]
    assert len(turkey) == 2  # the empty February cell is no change reported, not zero


@pytest.mark.parametrize(
    ("parser", "content", "rule"),
    [
        (gold.parse_wb_indicator, b'"Data Source","Other",\n', "preamble"),
        (gold.parse_wb_indicator, b"PK\x03\x04truncated", "zip"),
        (gold.parse_imf_gold, b"Country,Period,Value\nX,2019Q1,1\n", "header"),
        (gold.parse_imf_gold, b"Country Name,Time Period,Value\nX,2019-03,1\n", "period"),
        (gold.parse_imf_gold, b"Country Name,Time Period,Value\nX,2019Q1,1 t\n", "numeric_cell"),
        (gold.parse_wgc_changes, b"<!DOCTYPE html><html>Please register</html>", "not_html"),
        (gold.parse_wgc_changes, b"PK\x03\x04 cut short", "workbook"),
        (gold.parse_wgc_changes, b"", "not_empty"),
    ],
)
def test_malformed(parser, content: bytes, rule: str) -> None:
    with pytest.raises(ParseError) as failure:
        parser(content, "file")
    assert failure.value.rule == rule


def test_real_files(shared_sources: Path) -> None:
    reserves = gold.parse_wb_indicator((shared_sources / "gold" / WB_FILE).read_bytes())
    china = reserves[(reserves["country_code"] == "CHN") & (reserves["year"] == 2024)]
    assert round(china["value_usd"].iloc[0]) == 3_456_024_808_739

    imf = gold.parse_imf_gold((shared_sources / "gold" / IMF_FILE).read_bytes())
    assert len(imf) == 33_399
    us = imf[(imf["country_name"] == "United States") & (imf["period_end"] == "2019-09-30")]
    assert us["gold_fine_troy_oz"].tolist() == [261_498_926.241]

    wgc = gold.parse_wgc_changes((shared_sources / "gold" / WGC_FILE).read_bytes())
    china_2023 = wgc[
        (wgc["country_name"] == "China, P.R.: Mainland")
        & (wgc["frequency"] == "annual")
        & (wgc["period_start"] == "2023-01-01")
    ]
    assert round(china_2023["change_tonnes"].iloc[0], 1) == 224.9
    assert wgc.loc[wgc["frequency"] == "monthly", "period_start"].max() == pd.Timestamp("2024-07-01")


def test_ewn_dataset_sheet(fixture_mirror: Path) -> None:
    frame = gold.parse_ewn((fixture_mirror / "niip" / "EWN-dataset_12-2022.xlsx").read_bytes())

    china = frame[(frame["country_name"] == "China") & (frame["year"] == 2020)].iloc[0]
    assert china["fx_reserves_excl_gold_usd_mn"] == 3_238_782
    assert china["ifs_code"] == "924"


def test_ewn_renamed_column_is_refused(fixture_mirror: Path) -> None:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO((fixture_mirror / "niip" / "EWN-dataset_12-2022.xlsx").read_bytes()))
    book["Dataset"].cell(row=1, column=12, value="FX Reserves")  # was "FX Reserves minus gold"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ParseError) as failure:
        gold.parse_ewn(buffer.getvalue(), "EWN.xlsx")
    assert failure.value.rule == "columns"
    assert "FX Reserves minus gold" in str(failure.value)


def test_real_ewn(shared_sources: Path) -> None:
    frame = gold.parse_ewn((shared_sources / "niip" / "EWN-dataset_12-2022.xlsx").read_bytes())

    assert len(frame) == 11_128
    assert frame["country_name"].nunique() == 214
    china = frame[(frame["country_name"] == "China") & (frame["year"] == 2020)]
    assert round(china["fx_reserves_excl_gold_usd_mn"].iloc[0]) == 3_238_782
