from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from treasury_warehouse.errors import ParseError
from treasury_warehouse.ingest.parsers.tic_shl import parse


def holding(frame: pd.DataFrame, code: str, survey: str, maturity: str, asset_class: str) -> float:
    row = frame[
        (frame["country_code"] == code)
        & (frame["survey_date"] == pd.Timestamp(survey))
        & (frame["maturity"] == maturity)
        & (frame["asset_class"] == asset_class)
    ]
    assert len(row) == 1
    return row["holdings_usd_mn"].iloc[0]


def test_fixture_columns_footnotes_and_threshold(fixture_mirror: Path) -> None:
    frame = parse((fixture_mirror / "tic" / "shlhistdat.txt").read_bytes())

    assert holding(frame, "41408", "2024-06-30", "long_term", "treasury") == 752890
    assert holding(frame, "42609", "1994-12-31", "long_term", "total") == 190000
    china = frame[frame["country_code"] == "41408"]
    assert set(china["country"]) == {"China"}
    assert set(china["footnotes"]) == {"20"}
    anguilla = frame[(frame["country_code"] == "30228") & frame["is_below_threshold"]]
    assert len(anguilla) == 1
    assert anguilla["holdings_usd_mn"].isna().all()
    assert not ((frame["country_code"] == "30228") & (frame["survey_date"] == "1994-12-31")).any()  # blank cells
    assert frame["vintage"].iloc[0] == pd.Timestamp("2025-04-30")


@pytest.mark.parametrize(
    ("mangle", "rule"),
    [
        (lambda t: t.replace("Millions of Dollars.", "Billions of Dollars."), "units"),
        (lambda t: t.replace("Country code\t", "Code\t"), "header"),
        (lambda t: t.replace("Treasury Debt", "Treasuries"), "columns"),
        (lambda t: t.replace("Jun 2024", "June 2024"), "survey_date"),
        (lambda t: t[: t.index("Notes:")], "footer"),
        (lambda t: t.replace('"For release April 30, 2025"', "Released"), "release_line"),
    ],
)
def test_malformed_files_name_the_rule(fixture_mirror: Path, mangle, rule: str) -> None:
    text = (fixture_mirror / "tic" / "shlhistdat.txt").read_text(encoding="latin-1")
    with pytest.raises(ParseError) as failure:
        parse(mangle(text).encode("latin-1"), "shlhistdat.txt")
    assert failure.value.rule == rule


def test_real_file(shared_sources: Path) -> None:
    frame = parse((shared_sources / "tic" / "shlhistdat.txt").read_bytes())

    assert frame["country_code"].nunique() == 247
    assert holding(frame, "41408", "2024-06-30", "long_term", "treasury") == 752890
    assert holding(frame, "99996", "2024-06-30", "total", "total") == 30880708
    assert frame["survey_date"].min() == pd.Timestamp("1974-12-31")
