from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from treasury_warehouse.errors import ValidationFailed
from treasury_warehouse.ingest.parsers.tic_mfh import parse
from treasury_warehouse.ingest.quality import run_gate
from treasury_warehouse.ingest.suites.tic_mfh import checks


@pytest.fixture
def parsed(fixture_bytes: bytes) -> pd.DataFrame:
    return parse(fixture_bytes)


def gate(frame: pd.DataFrame, tmp_path: Path):
    return run_gate("tic_mfh", "mfhhis01.txt", checks(frame), tmp_path / "quality")


def test_fixture_passes_and_data_docs_are_written(parsed: pd.DataFrame, tmp_path: Path) -> None:
    result = gate(parsed, tmp_path)

    assert result.success, [f.describe() for f in result.failures]
    assert result.evaluated >= 15
    assert result.data_docs
    assert Path(result.data_docs.removeprefix("file://")).is_file()


def failed(result) -> dict[str, list]:
    return {f"{f.table}.{f.expectation}": f.rows for f in result.failures}


def test_duplicate_rows_fail_naming_the_key(parsed: pd.DataFrame, tmp_path: Path) -> None:
    result = gate(pd.concat([parsed, parsed.iloc[:1]], ignore_index=True), tmp_path)

    rows = failed(result)["holdings.expect_compound_columns_to_be_unique"]
    assert {"country": "Japan", "period_month": "2012-12-01", "series": "XIII"} in rows


def test_unit_switch_to_millions_fails_the_range(parsed: pd.DataFrame, tmp_path: Path) -> None:
    frame = parsed.assign(holdings_usd_bn=parsed["holdings_usd_bn"] * 1000)

    assert "holdings.expect_column_values_to_be_between" in failed(gate(frame, tmp_path))


def test_negative_holding_is_reported_with_its_row(parsed: pd.DataFrame, tmp_path: Path) -> None:
    frame = parsed.copy()
    frame.loc[(frame["country"] == "Mexico") & (frame["period_month"] == "2012-03-01"), "holdings_usd_bn"] = -1.0
    result = gate(frame, tmp_path)

    with pytest.raises(ValidationFailed) as failure:
        result.raise_for_failures()
    message = str(failure.value)
    assert "[tic_mfh] mfhhis01.txt" in message
    assert "expect_column_values_to_be_between(column='holdings_usd_bn'" in message
    assert "'country': 'Mexico', 'period_month': '2012-03-01'" in message


def test_totals_that_stop_adding_up_fail(parsed: pd.DataFrame, tmp_path: Path) -> None:
    frame = parsed.copy()
    frame.loc[(frame["country"] == "Japan") & (frame["period_month"] == "2012-07-01"), "holdings_usd_bn"] += 5

    rows = failed(gate(frame, tmp_path))["totals.expect_column_values_to_be_between"]
    assert [r["period_month"] for r in rows] == ["2012-07-01"]


def test_missing_month_fails(parsed: pd.DataFrame, tmp_path: Path) -> None:
    frame = parsed[parsed["period_month"] != pd.Timestamp("2012-04-01")]

    rows = failed(gate(frame, tmp_path))["months.expect_column_values_to_be_between"]
    assert rows == [{"months_since_previous": 2, "period": "2012-05-01"}]


def test_missing_anchor_holder_fails_naming_it(parsed: pd.DataFrame, tmp_path: Path) -> None:
    rows = failed(gate(parsed[parsed["country"] != "Japan"], tmp_path))["anchors.expect_column_values_to_be_between"]
    assert rows == [{"rows": 0, "anchor": "Japan"}]


def test_renamed_column_fails(parsed: pd.DataFrame, tmp_path: Path) -> None:
    names = set(failed(gate(parsed.rename(columns={"series": "series_name"}), tmp_path)))
    assert "holdings.expect_table_columns_to_match_set" in names


def test_real_release_passes_the_gate(shared_sources: Path, tmp_path: Path) -> None:
    frame = parse((shared_sources / "tic" / "mfhhis01.txt").read_bytes())

    result = gate(frame, tmp_path)
    assert result.success, [f.describe() for f in result.failures]
