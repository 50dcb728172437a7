from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from treasury_warehouse.errors import ParseError
from treasury_warehouse.ingest.parsers.tic_mfh import clean_name, parse


def value(frame: pd.DataFrame, country: str, month: str, series: str | None = None) -> float:
    rows = frame[(frame["country"] == country) & (frame["period_month"] == pd.Timestamp(month))]
    if series is not None:
        rows = rows[rows["series"] == series]
    assert len(rows) == 1, rows
    return float(rows["holdings_usd_bn"].iloc[0])


def test_fixture_parses_into_one_row_per_holder_month_and_series(fixture_bytes: bytes) -> None:
    frame = parse(fixture_bytes)

    assert not frame.duplicated(["country", "period_month", "series"]).any()
    assert value(frame, "Japan", "2012-12-01") == 1120.5
    assert value(frame, "China, Mainland", "2011-01-01") == 1154.7
    assert frame["vintage"].unique().tolist() == [pd.Timestamp("2013-02-17")]
    assert frame["period_month"].min() == pd.Timestamp("2011-01-01")
    assert frame["period_month"].max() == pd.Timestamp("2012-12-01")


def test_series_break_keeps_both_june_columns_labelled(fixture_bytes: bytes) -> None:
    frame = parse(fixture_bytes)
    june = frame[(frame["country"] == "Japan") & (frame["period_month"] == pd.Timestamp("2011-06-01"))]

    assert sorted(zip(june["series"], june["is_comparison_only"], june["holdings_usd_bn"], strict=True)) == [
        ("XI", True, 911.1),
        ("XII", False, 881.5),
    ]
    # Labels spread to unlabelled columns: Nov-Jul 2011 are Series XII, Dec 2011 XIII,
    # May-Jan 2011 XI; the unlabelled 2012 block continues XIII.
    by_month = frame[(frame["country"] == "Japan") & ~frame["is_comparison_only"]].set_index("period_month")["series"]
    assert by_month[pd.Timestamp("2011-12-01")] == "XIII"
    assert by_month[pd.Timestamp("2011-09-01")] == "XII"
    assert by_month[pd.Timestamp("2011-02-01")] == "XI"
    assert by_month[pd.Timestamp("2012-05-01")] == "XIII"


def test_names_lose_quotes_footnotes_and_padding() -> None:
    assert clean_name('"China, Mainland"') == ("China, Mainland", "")
    assert clean_name("United Kingdom 2/") == ("United Kingdom", "2")
    assert clean_name('"Korea, South "') == ("Korea, South", "")
    assert clean_name("Carib Bnkng Ctrs 4/") == ("Carib Bnkng Ctrs", "4")


def test_rows_that_are_not_countries_are_flagged(fixture_bytes: bytes) -> None:
    kinds = parse(fixture_bytes).drop_duplicates("country").set_index("country")["row_kind"].to_dict()

    assert kinds["Japan"] == "country"
    assert kinds["Oil Exporters"] == "regional_group"
    assert kinds["All Other"] == "all_other"
    assert kinds["Grand Total"] == "grand_total"
    assert kinds["For. Official"] == kinds["Treasury Bills"] == kinds["T-Bonds & Notes"] == "of_which"


def test_below_threshold_and_not_available_cells(fixture_bytes: bytes) -> None:
    text = fixture_bytes.decode()
    text = text.replace("Mexico\t61.6\t", "Mexico\t*\t", 1).replace("Mexico\t29.4\t", "Mexico\tn.a.\t", 1)
    frame = parse(text.encode())
    mexico = frame[frame["country"] == "Mexico"].set_index(["period_month", "series"])

    assert bool(mexico.loc[(pd.Timestamp("2012-12-01"), "XIII"), "is_below_threshold"])
    assert pd.isna(mexico.loc[(pd.Timestamp("2012-12-01"), "XIII"), "holdings_usd_bn"])
    assert (pd.Timestamp("2011-12-01"), "XIII") not in mexico.index


@pytest.mark.parametrize(
    ("mangle", "rule"),
    [
        (lambda t: "<!DOCTYPE html><html><body>Service unavailable</body></html>", "not_html"),
        (lambda t: t[: len(t) // 2], "release_stamp"),
        (lambda t: t.replace("(in billions of dollars)", "(in millions of dollars)"), "units"),
        (lambda t: t.replace("Country\t2012", "Holder\t2012"), "year_row"),
        (lambda t: t.replace("\tDec\t", "\tDEC\t"), "blocks"),
        (lambda t: t.replace("Japan\t1120.5", "Japan\t1,120.5x"), "numeric_cell"),
        (lambda t: t.replace("Mexico\t61.6\t52.8", "Mexico\t61.6\t"), "row_width"),
        (lambda t: t.replace("MAJOR FOREIGN HOLDERS", "MAJOR HOLDERS"), "title"),
        (lambda t: t.replace("Grand Total", "Total"), "grand_total"),
        (lambda t: t.replace("\tDec\tNov\tOct", "\tDec\t\tOct", 1), "month_row"),
    ],
)
def test_malformed_files_fail_naming_the_rule(fixture_bytes: bytes, mangle, rule: str) -> None:
    with pytest.raises(ParseError) as failure:
        parse(mangle(fixture_bytes.decode()).encode(), "mfhhis01.txt")

    assert failure.value.rule == rule
    assert "[tic_mfh] mfhhis01.txt" in str(failure.value)


def test_real_release_spot_values(shared_sources: Path) -> None:
    frame = parse((shared_sources / "tic" / "mfhhis01.txt").read_bytes())
    primary = frame[~frame["is_comparison_only"]]

    assert value(primary, "Japan", "2025-12-01") == 1185.5
    assert value(primary, "Grand Total", "2025-12-01") == 9271.0
    assert value(primary, "China, Mainland", "2025-11-01") == 683.9
    assert frame["vintage"].iloc[0] == pd.Timestamp("2026-03-18")
    # March 2000 is printed twice: Series II (primary) and Series I (comparison).
    assert value(frame, "Japan", "2000-03-01", "II") == 307.6
    assert value(frame, "Japan", "2000-03-01", "I") == 325.8
    assert primary["period_month"].min() == pd.Timestamp("2000-03-01")
