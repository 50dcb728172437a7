"""Fiscal Data parsers on hand-made files in the publisher's formats: the site's CSV
downloads (BOM, no trailing newline, dollars for Debt to the Penny) and the API's JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from treasury_warehouse.errors import ParseError
from treasury_warehouse.ingest.parsers import fiscal
from treasury_warehouse.ingest.sources import SOURCES

SUMMARY = "MSPD_SumSecty_20010131_20260531.csv"
PENNY = "DebtPenny_20200307_20250306.csv"
DETAIL = "mspd_table_3_record_date_2026-09-30.json"


def test_mspd_summary_csv(fixture_mirror: Path) -> None:
    frame = fiscal.parse_mspd_summary((fixture_mirror / "fiscal" / SUMMARY).read_bytes())

    december = frame[frame["record_date"] == pd.Timestamp("2012-12-31")]
    total = december[december["security_type"] == "Total Marketable"].iloc[0]
    assert total["row_kind"] == "type_total"
    assert total["total_usd_mn"] == 1_620_000 + 7_200_000 + 1_500_000 + 800_000 + 9_000
    assert december[december["row_kind"] == "grand_total"]["security_type"].tolist() == [
        "Total Public Debt Outstanding"
    ]


def test_mspd_summary_api_json_gives_the_same_table(fixture_mirror: Path) -> None:
    csv = fiscal.parse_mspd_summary((fixture_mirror / "fiscal" / SUMMARY).read_bytes())
    labels = {label: name for name, label in fiscal.SUMMARY_FIELDS.items()}
    rows = pd.read_csv(fixture_mirror / "fiscal" / SUMMARY, dtype=str, encoding="utf-8-sig").rename(columns=labels)
    document = {"data": rows.to_dict("records"), "meta": {"total-count": len(rows)}, "links": {"next": None}}

    api = fiscal.parse_mspd_summary(json.dumps(document).encode(), "mspd_table_1.json")

    pd.testing.assert_frame_equal(api, csv)


def test_debt_penny_dollars_become_millions(fixture_mirror: Path) -> None:
    frame = fiscal.parse_debt_penny((fixture_mirror / "fiscal" / PENNY).read_bytes())

    latest = frame.iloc[-1]
    assert latest["record_date"] == pd.Timestamp("2025-03-06")
    assert latest["held_by_public_usd_mn"] == pytest.approx(28_910_964.00041683)
    assert frame["record_date"].is_monotonic_increasing  # published newest first


def test_mspd_detail_keeps_securities_subtotals_and_reopenings(fixture_mirror: Path) -> None:
    frame = fiscal.parse_mspd_detail((fixture_mirror / "fiscal" / DETAIL).read_bytes())

    bill = frame[frame["cusip"] == "912797SA6"]
    assert bill["outstanding_usd_mn"].tolist()[0] == 300000.5
    assert bill["outstanding_usd_mn"].isna().tolist() == [False, True]  # a reopening's second row
    matured_bills = frame[(frame["security_class"] == "bills") & (frame["row_kind"] == "matured_total")].iloc[0]
    assert bool(matured_bills["is_below_half_million"])
    assert set(frame["row_kind"]) == {
        "security",
        "unmatured_total",
        "matured_total",
        "class_total",
        "class_line",
        "marketable_total",
    }


@pytest.mark.parametrize(
    ("name", "mangle", "rule"),
    [
        ("fiscal_mspd_summary", lambda b: b.replace(b"Record Date", b"Date"), "header"),
        ("fiscal_mspd_summary", lambda b: b.replace(b"2012-12-31", b"31/12/2012", 1), "date"),
        ("fiscal_debt_penny", lambda b: b.replace(b"28910964000416.83", b"2891O964000416.83", 1), "numeric_cell"),
        ("fiscal_debt_penny", lambda b: b.replace(b"28910964000416.83", b"28,910,964,000,416.83", 1), "row_width"),
        ("fiscal_mspd_detail", lambda b: b[: len(b) // 2], "json"),
        ("fiscal_mspd_detail", lambda b: b.replace(b'"data"', b'"rows"'), "json"),
        ("fiscal_mspd_detail", lambda b: b.replace(b"Floating Rate Notes", b"Floating Notes"), "security_class"),
    ],
)
def test_malformed_files_name_the_source_and_rule(fixture_mirror: Path, name: str, mangle, rule: str) -> None:
    source = SOURCES[name]
    content = (fixture_mirror / source.publisher / source.file_name).read_bytes()

    with pytest.raises(ParseError) as failure:
        source.parse(mangle(content), source.file_name)

    assert failure.value.source == name
    assert failure.value.rule == rule


def test_detail_gate_catches_a_security_that_no_longer_adds_up(fixture_mirror: Path, tmp_path: Path) -> None:
    from treasury_warehouse.ingest.quality import run_gate

    source = SOURCES["fiscal_mspd_detail"]
    frame = source.parse((fixture_mirror / "fiscal" / DETAIL).read_bytes(), DETAIL)
    frame["vintage"] = pd.Timestamp("2026-10-08")
    assert run_gate(source.name, DETAIL, source.checks(frame), None).success
    frame.loc[frame["cusip"] == "91282CHK0", "outstanding_usd_mn"] += 1000  # a note no longer sums to its class
    frame.loc[frame["cusip"] == "912810TM0", "maturity_date"] = pd.Timestamp("2026-01-15")  # matured, yet listed

    failures = [f.describe() for f in run_gate(source.name, DETAIL, source.checks(frame), None).failures]
    assert any("totals" in f and "'line': 'notes'" in f for f in failures), failures
    assert any("maturities" in f and "912810TM0" in f for f in failures), failures
